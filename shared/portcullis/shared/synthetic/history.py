"""A seeded month of history with its ground truth: declarations, their decisions (some amended, some delivered
twice), an outcome for every inspected one (some corrected), and clearance timelines (some events sent twice).

The messages are what the topics carry (canonical JSON as ingest, scoring and the gateway publish them); the truth
says what each declaration really was (non-compliant or not) and when each stage of its clearance happened, so the
reports over the history store can be checked against a computation from the truth.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

OFFICES = ("030", "040", "110", "220", "310")
TRANSPORT_MODES = ("sea", "air", "road", "rail")
OFFICERS = ("OFF-101", "OFF-102", "OFF-103", "OFF-104", "OFF-105", "OFF-106")
RULES = ("R-UNDERVALUE", "R-ORIGIN", "R-NEW-IMPORTER")
WATCHLIST_ENTRIES = ("ofac-sdn:1001", "ofac-sdn:2002")
MODEL_VERSIONS = ("dm-20261001-a", "dm-20261016-b")
OTHER_AGENCIES = ("health", "agriculture", "standards")


@dataclass(frozen=True)
class Truth:
    """What one declaration was and went through, as generated."""

    declaration_id: str
    office_id: str
    transport_mode: str
    non_compliant: bool
    lane: str  # of its latest decision
    random_selection: bool
    model_version: str
    rules: tuple[str, ...]
    watchlist_entries: tuple[str, ...]
    decided_at: datetime
    inspected: bool  # its latest outcome says so
    hit: bool
    revenue: Decimal
    seized: bool
    seizure_value: Decimal
    officer_id: str | None
    moments: dict[str, datetime]  # first (or last, for the ends of activities) moment of each clearance event type
    agencies: tuple[str, ...]


@dataclass
class HistoryMonth:
    """Messages per logical topic as (key, value, broker timestamp in ms), in production order, and the truth."""

    messages: dict[str, list[tuple[str, dict[str, Any], int]]] = field(default_factory=dict)
    truth: list[Truth] = field(default_factory=list)

    def add(self, topic: str, key: str, value: dict[str, Any], at: datetime) -> None:
        """Append a message to a topic."""
        self.messages.setdefault(topic, []).append((key, value, int(at.timestamp() * 1000)))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def generate_history(
    declarations: int = 5000,
    seed: int = 15,
    start: datetime = datetime(2026, 10, 1, tzinfo=UTC),
    days: int = 30,
    non_compliance_rate: float = 0.08,
    random_rate: float = 0.1,
) -> HistoryMonth:
    """A month of history for `declarations` declarations, reproducible from the seed."""
    rng = random.Random(seed)
    month = HistoryMonth()
    for index in range(declarations):
        month.truth.append(_declaration(rng, month, index, seed, start, days, non_compliance_rate, random_rate))
    return month


def _declaration(
    rng: random.Random,
    month: HistoryMonth,
    index: int,
    seed: int,
    start: datetime,
    days: int,
    non_compliance_rate: float,
    random_rate: float,
) -> Truth:
    declaration_id = f"H{seed:02d}{index:08d}"
    office_id = rng.choice(OFFICES)
    transport_mode = rng.choice(TRANSPORT_MODES)
    submitted_at = start + timedelta(seconds=rng.uniform(3 * 3600, days * 86400 - 3 * 3600))
    non_compliant = rng.random() < non_compliance_rate
    declared_value = round(rng.uniform(1_000, 500_000), 2)
    month.add(
        "declarations",
        declaration_id,
        {
            "declaration_id": declaration_id,
            "submitted_at": _iso(submitted_at),
            "office_id": office_id,
            "process_type": "B",
            "import_type": "11",
            "import_use": "21",
            "payment_type": "11",
            "transport_mode": "10",
            "declarant_id": f"D{index % 97:05d}",
            "importer_id": f"I{index % 1013:05d}",
            "seller_id": None,
            "courier_id": None,
            "items": [
                {
                    "hs6_code": "851712",
                    "origin_country": "CN",
                    "departure_country": "CN",
                    "origin_indicator": "G",
                    "tax_type": "A",
                    "tax_rate": 8.0,
                    "net_mass_kg": 10.0,
                    "item_price": declared_value,
                }
            ],
        },
        submitted_at + timedelta(milliseconds=5),
    )
    # Risk: the non-compliant score higher, but not perfectly.
    score = min(1.0, max(0.0, rng.gauss(0.7 if non_compliant else 0.3, 0.2)))
    rules = tuple(sorted(rule for rule in RULES if rng.random() < (0.08 if non_compliant else 0.02)))
    entries = (rng.choice(WATCHLIST_ENTRIES),) if rng.random() < 0.005 else ()
    lane = "red" if score > 0.75 or entries else "yellow" if score > 0.6 or rules else "green"
    random_selection = lane == "green" and rng.random() < random_rate
    if random_selection:
        lane = "red"
    model_version = MODEL_VERSIONS[0] if submitted_at < start + timedelta(days=days / 2) else MODEL_VERSIONS[1]
    decided_at = submitted_at + timedelta(milliseconds=rng.uniform(20, 900))
    versions = 2 if rng.random() < 0.03 else 1
    for version in range(1, versions + 1):
        if version == 2 and not random_selection:
            # An amendment after selection never lowers the lane; one before may change it.
            lane = lane if lane != "green" else rng.choice(["green", "yellow"])
        decision = _decision(
            declaration_id, office_id, lane, score, model_version, random_selection, rules, entries, version,
            submitted_at, decided_at + timedelta(minutes=30 * (version - 1)),
        )  # fmt: skip
        month.add("decisions", declaration_id, decision, decided_at)
        if rng.random() < 0.01:  # scoring replayed after a crash: the same decision twice
            month.add("decisions", declaration_id, decision, decided_at + timedelta(seconds=2))
    decided_at = decided_at + timedelta(minutes=30 * (versions - 1))

    moments, agencies = _timeline(rng, month, declaration_id, office_id, transport_mode, lane, submitted_at, decided_at)

    inspected = lane == "red" or (lane == "yellow" and rng.random() < 0.8)
    hit, revenue, seized, seizure_value, officer = False, Decimal(0), False, Decimal(0), None
    if inspected:
        officer = rng.choice(OFFICERS)
        # An inspection finds what there is; 5% of first reports are wrong and corrected later (version 2).
        hit = non_compliant
        revenue = Decimal(str(round(rng.uniform(100, 20_000), 2))) if hit else Decimal(0)
        seized = hit and rng.random() < 0.25
        seizure_value = Decimal(str(round(rng.uniform(500, 50_000), 2))) if seized else Decimal(0)
        inspected_at = moments.get("inspection_finished") or moments.get("documents_received") or decided_at
        corrected = rng.random() < 0.05
        reported = (not hit, Decimal(0), False, Decimal(0)) if corrected else (hit, revenue, seized, seizure_value)
        if corrected and not hit:  # the first report claimed a finding that was not there
            reported = (True, Decimal("100.00"), False, Decimal(0))
        outcome = _outcome(
            declaration_id, lane, score, model_version, random_selection, decided_at, inspected_at, officer,
            *reported, version=1,
        )  # fmt: skip
        month.add("outcomes", declaration_id, outcome, inspected_at + timedelta(minutes=5))
        if corrected:
            correction = _outcome(
                declaration_id, lane, score, model_version, random_selection, decided_at, inspected_at, officer,
                hit, revenue, seized, seizure_value, version=2,
            )  # fmt: skip
            month.add("outcomes", declaration_id, correction, inspected_at + timedelta(hours=20))
    return Truth(
        declaration_id=declaration_id,
        office_id=office_id,
        transport_mode=transport_mode,
        non_compliant=non_compliant,
        lane=lane,
        random_selection=random_selection,
        model_version=model_version,
        rules=rules,
        watchlist_entries=entries,
        decided_at=decided_at,
        inspected=inspected,
        hit=hit,
        revenue=revenue,
        seized=seized,
        seizure_value=seizure_value,
        officer_id=officer,
        moments=moments,
        agencies=agencies,
    )


def _decision(
    subject_id: str,
    office_id: str,
    lane: str,
    score: float,
    model_version: str,
    random_selection: bool,
    rules: tuple[str, ...],
    entries: tuple[str, ...],
    version: int,
    submitted_at: datetime,
    decided_at: datetime,
) -> dict[str, Any]:
    reasons: list[dict[str, Any]] = [
        {"kind": "rule", "text": f"rule {rule}", "code": rule, "weight": None} for rule in rules
    ]
    reasons += [{"kind": "watchlist", "text": "listed party", "code": entry, "weight": 0.97} for entry in entries]
    reasons.append({"kind": "model", "text": f"risk score {score:.2f}", "code": "score", "weight": score})
    if random_selection:
        reasons.append({"kind": "random", "text": "selected at random", "code": None, "weight": None})
    return {
        "stream": "declaration",
        "subject_id": subject_id,
        "lane": lane,
        "score": round(score, 6),
        "model_version": model_version,
        "rules_version": "rules-1",
        "watchlist_version": "wl-1",
        "reasons": reasons,
        "random_selection": random_selection,
        "challenger_version": None,
        "challenger_score": None,
        "attributes": {"office_id": office_id},
        "submitted_at": _iso(submitted_at),
        "received_at": _iso(submitted_at + timedelta(milliseconds=5)),
        "decided_at": _iso(decided_at),
        "content_digest": None,
        "version": version,
        "amended": version > 1,
    }


def _outcome(
    subject_id: str,
    lane: str,
    score: float,
    model_version: str,
    random_selection: bool,
    decided_at: datetime,
    inspected_at: datetime,
    officer_id: str,
    hit: bool,
    revenue: Decimal,
    seized: bool,
    seizure_value: Decimal,
    version: int,
) -> dict[str, Any]:
    seizure = (
        {
            "commodity": "cigarettes",
            "quantity": 120.0,
            "unit": "kg",
            "value": str(seizure_value),
            "currency": "KRW",
            "concealment_method": "false bottom",
        }
        if seized
        else None
    )
    return {
        "inspected": True,
        "irregularity_found": hit,
        "severity": "major" if hit else "none",
        "revenue_recovered": str(revenue),
        "currency": "KRW" if revenue > 0 else None,
        "officer_id": officer_id,
        "notes": None,
        "inspected_at": _iso(inspected_at),
        "stream": "declaration",
        "subject_id": subject_id,
        "lane": lane,
        "score": round(score, 6),
        "model_version": model_version,
        "random_selection": random_selection,
        "decided_at": _iso(decided_at),
        "recorded_at": _iso(inspected_at + timedelta(minutes=5 if version == 1 else 20 * 60)),
        "seizure": seizure,
        "inspection_minutes": 45,
        "version": version,
        "correction_reason": "the first report named the wrong finding" if version > 1 else None,
    }


def _timeline(
    rng: random.Random,
    month: HistoryMonth,
    declaration_id: str,
    office_id: str,
    transport_mode: str,
    lane: str,
    submitted_at: datetime,
    decided_at: datetime,
) -> tuple[dict[str, datetime], tuple[str, ...]]:
    """Clearance events of one declaration, published in time order; returns the moments and holding agencies."""
    hours = timedelta(hours=1)
    moments: dict[str, datetime] = {
        "arrival": submitted_at - rng.uniform(2, 30) * hours,
        "lodged": submitted_at,
    }
    ready = decided_at
    if lane == "yellow":
        moments["documents_requested"] = decided_at + 0.2 * hours
        moments["documents_received"] = moments["documents_requested"] + rng.uniform(2, 30) * hours
        ready = moments["documents_received"]
    elif lane == "red":
        moments["inspection_started"] = decided_at + rng.uniform(2, 24) * hours
        moments["inspection_finished"] = moments["inspection_started"] + rng.uniform(0.5, 4) * hours
        ready = moments["inspection_finished"]
    agencies: tuple[str, ...] = ()
    if rng.random() < 0.1:
        agency = rng.choice(OTHER_AGENCIES)
        agencies = (agency,)
        moments["other_agency_hold"] = submitted_at + 1 * hours
        moments["other_agency_release"] = moments["other_agency_hold"] + rng.uniform(5, 48) * hours
        ready = max(ready, moments["other_agency_release"])
    if rng.random() < 0.6:
        moments["duty_paid"] = decided_at + rng.uniform(0.5, 6) * hours
        ready = max(ready, moments["duty_paid"])
    moments["released"] = ready + rng.uniform(0.1, 2) * hours
    for event_type, at in sorted(moments.items(), key=lambda pair: pair[1]):
        agency = agencies[0] if event_type.startswith("other_agency") else "customs"
        event = {
            "event_id": f"{declaration_id}-{event_type}",
            "declaration_id": declaration_id,
            "event_type": event_type,
            "at": _iso(at),
            "office_id": office_id,
            "agency": agency,
            "transport_mode": transport_mode,
        }
        month.add("clearance-events", declaration_id, event, at + timedelta(seconds=1))
        if rng.random() < 0.01:  # a port system re-sent the event
            month.add("clearance-events", declaration_id, event, at + timedelta(seconds=60))
    return moments, agencies
