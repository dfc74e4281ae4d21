"""Retraining from feedback: outcomes posted to the gateway for a replayed population whose random selections are
known give, once weighted by inverse propensity, the population's true irregularity rate; unweighted they do not.
Retraining reads them through the gateway's feedback export (authentication on), not from its tables.
"""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import orjson
import pandas as pd
from typer.testing import CliRunner

from portcullis.cli.keys import publish_key
from portcullis.cli.main import app as cli
from portcullis.cli.model import FeedbackSource, FeedbackWindow, read_feedback_export
from portcullis.cli.processes import ServiceSet
from portcullis.shared.auth import Role, new_key
from portcullis.shared.riskmodel.feedback import build_feedback
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import publish_decisions, wait_for

POPULATION = 3000
RANDOM_RATE = 0.1
#: Selectivity as the test simulates it: an irregular declaration is red or yellow with this probability, a
#: regular one with the other; the remaining (green) ones are drawn at random at RANDOM_RATE.
CAUGHT_IF_IRREGULAR, FLAGGED_IF_REGULAR = 0.7, 0.08
AD_HOC = 15  # inspections of green, undrawn declarations: unknown propensity, left out


def _population(valid_csv: Path, folder: Path) -> tuple[pd.DataFrame, Path]:
    """The first declarations of the validation quarter, their true outcome, and an export without true labels."""
    raw = pd.read_csv(valid_csv, dtype=str, keep_default_na=False)
    ids = list(dict.fromkeys(raw["Declaration ID"]))[:POPULATION]
    raw = raw[raw["Declaration ID"].isin(ids)]
    truth = raw.groupby("Declaration ID", sort=False)["Fraud"].max().eq("1")
    export = folder / "declarations.csv"
    # The export's own Fraud column must not be used as the label: it says "regular" everywhere.
    raw.assign(Fraud="0", **{"Critical Fraud": "0"}).to_csv(export, index=False)
    return pd.DataFrame({"subject_id": truth.index, "irregular": truth.to_numpy()}), export


def _decide(population: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(20261125)
    draw = rng.random(len(population))
    flagged = np.where(population["irregular"], draw < CAUGHT_IF_IRREGULAR, draw < FLAGGED_IF_REGULAR)
    lane = np.where(flagged, np.where(rng.random(len(population)) < 0.4, "red", "yellow"), "green")
    drawn = (lane == "green") & (rng.random(len(population)) < RANDOM_RATE)
    return population.assign(lane=np.where(drawn, "red", lane), random_selection=drawn, flagged=flagged)


def _decision(row: pd.Series, decided_at: datetime) -> dict[str, object]:
    reasons = [{"kind": "model", "text": "model score", "code": None, "weight": None}]
    if row["random_selection"]:
        reasons.append({"kind": "random", "text": "selected at random for inspection", "code": None, "weight": None})
    return {
        "stream": "declaration",
        "subject_id": row["subject_id"],
        "lane": row["lane"],
        "score": 0.9 if row["flagged"] else 0.1,
        "model_version": "dm-replay",
        "rules_version": "r1",
        "watchlist_version": "w1",
        "reasons": reasons,
        "random_selection": bool(row["random_selection"]),
        "attributes": {},
        "submitted_at": (decided_at - timedelta(seconds=2)).isoformat(),
        "received_at": (decided_at - timedelta(seconds=1)).isoformat(),
        "decided_at": decided_at.isoformat(),
    }


def _outcome(irregular: bool) -> dict[str, object]:
    return {
        "inspected": True,
        "irregularity_found": irregular,
        "severity": "minor" if irregular else "none",
        "officer_id": "OFF-7",
        "inspected_at": datetime.now(UTC).isoformat(),
    }


async def test_weighted_feedback_estimates_the_population_rate(
    gateway_set: ServiceSet, kafka: KafkaSettings, http: httpx.AsyncClient, valid_csv: Path, tmp_path: Path
) -> None:
    population, export = _population(valid_csv, tmp_path)
    decided = _decide(population)
    start = datetime.now(UTC) - timedelta(days=1)
    await publish_decisions(
        kafka, [_decision(row, start + timedelta(seconds=n)) for n, (_, row) in enumerate(decided.iterrows())]
    )
    reader, reader_record = new_key("feedback-reader", Role.READER)
    inspector, inspector_record = new_key("feedback-inspector", Role.INSPECTOR)
    for record in (reader_record, inspector_record):
        await publish_key(kafka, record)
    gateway = gateway_set.start("gateway", {"PORTCULLIS_AUTH_REQUIRED": "true"})
    as_reader = {"Authorization": f"Bearer {reader}"}

    async def stored() -> bool:
        answer = await http.get(f"{gateway.url}/v1/statistics", headers=as_reader)
        return answer.status_code == 200 and bool(answer.json()["decisions"] == POPULATION)

    await wait_for(stored, 60, 0.5)
    inspected = decided[decided["flagged"] | decided["random_selection"]]
    ad_hoc = decided[~decided["flagged"] & ~decided["random_selection"]].head(AD_HOC)
    limit = asyncio.Semaphore(16)

    async def report(subject_id: str, irregular: bool) -> None:
        async with limit:
            answer = await http.post(
                f"{gateway.url}/v1/decisions/{subject_id}/outcome",
                json=_outcome(irregular),
                headers={"Authorization": f"Bearer {inspector}"},
            )
            assert answer.status_code == 201, answer.text

    await asyncio.gather(
        *(report(row.subject_id, bool(row.irregular)) for row in pd.concat([inspected, ad_hoc]).itertuples())
    )

    source = FeedbackSource(gateway.url, reader)
    decisions = await asyncio.to_thread(read_feedback_export, source)
    assert decisions["subject_id"].is_unique
    # The export is streamed; a decision-time window selects part of it (decided_to excluded).
    first_thousand = FeedbackWindow(decided_to=start + timedelta(seconds=1000))
    assert len(await asyncio.to_thread(read_feedback_export, source, first_thousand)) == 1000
    # Without a key, or with a key of a role that may not export, nothing is exported.
    assert (await http.get(f"{gateway.url}/v1/exports/feedback")).status_code == 401
    refused = await http.get(f"{gateway.url}/v1/exports/feedback", headers={"Authorization": f"Bearer {inspector}"})
    assert refused.status_code == 403

    data = build_feedback(decisions, export, RANDOM_RATE)
    summary = data.summary
    true_rate = float(population["irregular"].mean())
    assert summary.decisions == POPULATION
    assert summary.labelled == len(inspected)
    assert summary.random_selections == int(decided["random_selection"].sum())
    assert summary.unknown_propensity == AD_HOC
    # The bound comes from the sample: four standard errors of the weighted estimate (and that is a few points).
    assert summary.weighted_rate_se < 0.02
    assert abs(summary.weighted_rate - true_rate) < 4 * summary.weighted_rate_se, (summary, true_rate)
    # The inspected items alone overstate the rate many times over the same bound: the lanes chose them.
    assert summary.unweighted_rate - true_rate > 10 * summary.weighted_rate_se, (summary, true_rate)
    # Random selections weigh 1 / rate, the others 1; the labels are the outcomes, not the export's column.
    assert set(np.round(np.concatenate([data.weights, data.valid_weights]), 6)) == {1.0, 1 / RANDOM_RATE}
    assert data.train.fraud is not None
    assert data.train.fraud.sum() > 0

    # The command prints the same summary and writes the weighted training set.
    training_set = tmp_path / "feedback.csv"
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        [
            "model",
            "train",
            "--feedback",
            gateway.url,
            "--api-key",
            reader,
            "--declarations",
            str(export),
            "--random-rate",
            str(RANDOM_RATE),
            "--export",
            str(training_set),
            "--rounds",
            "20",
            "--out",
            str(tmp_path / "model"),
        ],
    )
    assert f"weighted {summary.weighted_rate:.4f}" in result.output, result.output
    written = pd.read_csv(training_set, dtype={"Declaration ID": str})
    per_declaration = written.drop_duplicates("Declaration ID")
    assert len(per_declaration) == len(inspected)
    # Each weight stands for that many declarations: together they add up to the population (within four standard
    # errors of the random draw among the green ones).
    green = int((~decided["flagged"]).sum())
    assert abs(per_declaration["Weight"].sum() - POPULATION) < 4 * (green * (1 - RANDOM_RATE) / RANDOM_RATE) ** 0.5
    assert result.exit_code == 0, result.output
    card = orjson.loads((tmp_path / "model" / "model_card.json").read_bytes())
    assert card["training"]["sample_weights"].startswith("given")
    assert card["feedback"]["weighted_rate"] == summary.weighted_rate
    # Validated on the population the sample stands for: the weighted irregularity rate of the validation part is
    # below the inspected sample's own, which the risky lanes inflate.
    assert card["metrics_valid"]["weighted"]["fraud_rate"] < card["metrics_valid"]["fraud_rate"]
