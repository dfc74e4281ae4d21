"""Synthetic inspection outcomes of replayed declarations, from the data set's labels (its ground truth).

An inspection finds what there is: a declaration is non-compliant when any of its items is labelled `Fraud`, and
the finding is critical when any is labelled `Critical Fraud`. Red declarations are all inspected (physical
examination), yellow ones with probability `YELLOW_INSPECTED` (the documentary check reported as an inspection),
green ones never (random selections are red). What an inspection recovers is the duty on the non-compliant
items' declared prices at their tax rates (the data set has no recovered amounts); a critical finding seizes the
goods (the first item's HS code as commodity, its mass and declared price). Each declaration's draws come from
its own seeded generator, so a replay of the same seed posts the same outcomes (the gateway answers 200 to an
outcome it already holds).
"""

import csv
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from portcullis.shared.schemas import Declaration, Lane

YELLOW_INSPECTED = 0.8
OFFICERS = ("OFF-101", "OFF-102", "OFF-103", "OFF-104", "OFF-105", "OFF-106")
CURRENCY = "KRW"  # the data set's declared prices
TRUTH_COLUMNS = ("declaration_id", "lane", "inspected", "non_compliant", "critical", "revenue_recovered", "seized")


@dataclass(frozen=True, slots=True)
class Decided:
    """A declaration's current decision, as the gateway exports it."""

    lane: Lane
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class OutcomeTruth:
    """What the inspection of one decided declaration found (a row of the ground truth)."""

    declaration_id: str
    lane: Lane
    inspected: bool
    non_compliant: bool
    critical: bool
    revenue: Decimal
    seized: bool


@dataclass(frozen=True)
class Outcomes:
    """Outcome reports (declaration id, the body of `POST /v1/decisions/{id}/outcome`) and the truth of each."""

    reports: list[tuple[str, dict[str, Any]]]
    truth: list[OutcomeTruth]


def declaration_labels(
    declaration_ids: Sequence[str], fraud: np.ndarray, critical: np.ndarray | None
) -> dict[str, tuple[bool, bool]]:
    """Each declaration's (non-compliant, critical) from its items' labels (one label per item, in item order)."""
    labels: dict[str, tuple[bool, bool]] = {}
    for index, declaration_id in enumerate(declaration_ids):
        irregular, severe = labels.get(declaration_id, (False, False))
        labels[declaration_id] = (
            irregular or bool(fraud[index]),
            severe or (critical is not None and bool(critical[index])),
        )
    return labels


def generate_outcomes(
    declarations: Sequence[Declaration],
    labels: Mapping[str, tuple[bool, bool]],
    decided: Mapping[str, Decided],
    inspected_at: Mapping[str, datetime],
    seed: int,
    now: datetime,
) -> Outcomes:
    """The outcome of every inspected declaration that has a decision; `inspected_at` gives when the clearance
    timeline's inspection (or documentary check) ended, else the report is an hour after the decision."""
    reports: list[tuple[str, dict[str, Any]]] = []
    truth: list[OutcomeTruth] = []
    for declaration in declarations:
        key = declaration.declaration_id
        decision = decided.get(key)
        if decision is None or key not in labels:
            continue
        rng = random.Random(f"{seed}:{key}")
        inspected = decision.lane == Lane.RED or (decision.lane == Lane.YELLOW and rng.random() < YELLOW_INSPECTED)
        if not inspected:
            continue
        non_compliant, critical = labels[key]
        revenue = _duty(declaration) if non_compliant else Decimal(0)
        seized = non_compliant and critical
        finished = inspected_at.get(key, decision.decided_at + timedelta(hours=1))
        finished = min(max(finished, decision.decided_at), now)
        report: dict[str, Any] = {
            "inspected": True,
            "irregularity_found": non_compliant,
            "severity": ("critical" if critical else "major") if non_compliant else "none",
            "revenue_recovered": str(revenue),
            "currency": CURRENCY if revenue > 0 else None,
            "officer_id": rng.choice(OFFICERS),
            "inspected_at": finished.isoformat(),
            "inspection_minutes": rng.randint(30, 240) if decision.lane == Lane.RED else rng.randint(10, 60),
            "seizure": _seizure(declaration) if seized else None,
        }
        reports.append((key, report))
        truth.append(OutcomeTruth(key, decision.lane, True, non_compliant, critical, revenue, seized))
    return Outcomes(reports, truth)


def _duty(declaration: Declaration) -> Decimal:
    duty = sum(item.item_price * max(item.tax_rate, 0.0) / 100 for item in declaration.items)
    return Decimal(str(round(duty, 2))).quantize(Decimal("0.01"))


def _seizure(declaration: Declaration) -> dict[str, Any]:
    item = declaration.items[0]
    return {
        "commodity": f"HS {item.hs6_code}",
        "quantity": str(max(Decimal(str(round(item.net_mass_kg, 3))), Decimal("0.001"))),
        "unit": "kg",
        "value": str(Decimal(str(round(item.item_price, 2))).quantize(Decimal("0.01"))),
        "currency": CURRENCY,
        "concealment_method": "misdeclared",
    }


def write_outcome_truth_csv(rows: Sequence[OutcomeTruth], path: Path, id_suffix: str = "") -> int:
    """Write the outcomes' truth as CSV (a row per inspected declaration); return the number of rows."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(TRUTH_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    f"{row.declaration_id}{id_suffix}",
                    row.lane.value,
                    int(row.inspected),
                    int(row.non_compliant),
                    int(row.critical),
                    str(row.revenue),
                    int(row.seized),
                ]
            )
    return len(rows)
