"""Synthetic clearance timelines: the stages each declaration's goods pass, from arrival to release, per lane.

A timeline follows its declaration: lodged at the declaration's `submitted_at`, at its office, by its transport
mode, its goods arrived some hours before (longer by sea than by air or road). The lane the declaration got
decides the customs stages, each with a log-normal duration (a long right tail, as release times have):

- green: duty paid minutes to hours after lodgement, then released;
- yellow: documents requested soon after lodgement, received hours (sometimes days) later, then duty and release;
- red: the physical examination starts once scheduled, takes half an hour to a few hours, then duty and release.

Goods of some HS chapters also need another border agency (live animals and plants: agriculture; food, drinks,
tobacco and medicines: health; weapons: police; electrical and toy safety: standards): a share of them is held
by that agency, and customs releases only after the agency's release. The decision itself is instantaneous at
lodgement here (scoring decides within milliseconds of receipt).

The ground truth gives the true duration of every stage of every timeline (one row per stage), the figures a
Time Release Study over the replayed events must reproduce. Events after `until` (by default now) are left out,
as they have not happened yet; their stages are not in the truth either.
"""

import csv
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from portcullis.shared.schemas import Declaration, Lane
from portcullis.shared.schemas.clearance import Agency, ClearanceEvent, ClearanceEventType, TransportMode

STREAM = "clearance"
_EVENT = ClearanceEventType

#: WCO / UN/ECE Recommendation 19 mode of transport (the first digit of the data set's two-digit codes).
TRANSPORT_MODES: dict[str, TransportMode] = {
    "1": TransportMode.SEA,
    "2": TransportMode.RAIL,
    "3": TransportMode.ROAD,
    "4": TransportMode.AIR,
    "5": TransportMode.POST,
}

#: HS chapters whose goods another agency controls, with the share of such declarations it holds.
_AGENCY_CHAPTERS: tuple[tuple[range, Agency, float], ...] = (
    (range(1, 15), Agency.AGRICULTURE, 0.5),  # live animals, meat, fish, dairy, plants, vegetables, fruit, cereals
    (range(15, 25), Agency.HEALTH, 0.35),  # fats, prepared food, beverages, tobacco
    (range(30, 31), Agency.HEALTH, 0.4),  # pharmaceutical products
    (range(93, 94), Agency.POLICE, 0.9),  # arms and ammunition
    (range(95, 96), Agency.STANDARDS, 0.15),  # toys (safety marking)
    (range(85, 86), Agency.STANDARDS, 0.05),  # electrical equipment (conformity certificates)
)


@dataclass(frozen=True)
class Duration:
    """A log-normal duration: half of the draws lie below `median`, one in ten above `p90`; clipped to the bounds."""

    median: timedelta
    p90: timedelta
    low: timedelta
    high: timedelta

    def draw(self, rng: random.Random) -> timedelta:
        """One duration, whole seconds."""
        sigma = math.log(self.p90 / self.median) / 1.2816  # the 90th percentile of the standard normal
        seconds = rng.lognormvariate(math.log(self.median.total_seconds()), sigma)
        bounded = min(max(seconds, self.low.total_seconds()), self.high.total_seconds())
        return timedelta(seconds=round(bounded))


def _minutes(median: float, p90: float, low: float, high: float) -> Duration:
    return Duration(*(timedelta(minutes=value) for value in (median, p90, low, high)))


#: From arrival of the goods to lodgement of the declaration, by transport mode.
ARRIVAL_TO_LODGEMENT: dict[TransportMode | None, Duration] = {
    TransportMode.SEA: _minutes(18 * 60, 48 * 60, 60, 10 * 24 * 60),
    TransportMode.AIR: _minutes(4 * 60, 12 * 60, 20, 3 * 24 * 60),
    TransportMode.ROAD: _minutes(40, 3 * 60, 5, 24 * 60),
    TransportMode.RAIL: _minutes(8 * 60, 24 * 60, 30, 5 * 24 * 60),
    TransportMode.POST: _minutes(24 * 60, 72 * 60, 60, 14 * 24 * 60),
    None: _minutes(12 * 60, 36 * 60, 30, 7 * 24 * 60),
}
GREEN_TO_DUTY = _minutes(45, 4 * 60, 2, 2 * 24 * 60)
DOCUMENTS_REQUESTED = _minutes(20, 60, 2, 8 * 60)
DOCUMENTS_RECEIVED = _minutes(6 * 60, 30 * 60, 20, 10 * 24 * 60)
DOCUMENTS_TO_DUTY = _minutes(60, 4 * 60, 5, 3 * 24 * 60)
INSPECTION_SCHEDULED = _minutes(5 * 60, 20 * 60, 15, 5 * 24 * 60)
INSPECTION = _minutes(90, 4 * 60, 15, 16 * 60)
INSPECTION_TO_DUTY = _minutes(2 * 60, 10 * 60, 5, 5 * 24 * 60)
DUTY_TO_RELEASE = _minutes(10, 45, 1, 24 * 60)
HOLD_STARTS = _minutes(30, 2 * 60, 2, 24 * 60)
HOLD = _minutes(20 * 60, 3 * 24 * 60, 60, 30 * 24 * 60)
AGENCY_TO_RELEASE = _minutes(15, 60, 1, 24 * 60)


@dataclass(frozen=True, slots=True)
class StageTruth:
    """The true duration of one stage of one declaration's clearance (a row of the ground truth)."""

    declaration_id: str
    lane: Lane
    office_id: str
    transport_mode: TransportMode | None
    agency: Agency
    stage: str
    started_at: datetime
    ended_at: datetime

    @property
    def seconds(self) -> float:
        """How long the stage took."""
        return (self.ended_at - self.started_at).total_seconds()


@dataclass(frozen=True)
class ClearanceTimelines:
    """Generated events (each declaration's in time order) and the true duration of every stage."""

    events: list[ClearanceEvent]
    truth: list[StageTruth]


def transport_mode_of(declaration: Declaration) -> TransportMode | None:
    """The declaration's mode of transport, from its Recommendation 19 code (None when unknown or other)."""
    return TRANSPORT_MODES.get(declaration.transport_mode.strip()[:1])


def agencies_concerned(declaration: Declaration) -> dict[Agency, float]:
    """The agencies that control some of the declaration's goods, with the chance each holds them."""
    concerned: dict[Agency, float] = {}
    for item in declaration.items:
        chapter = int(item.hs6_code[:2])
        for chapters, agency, share in _AGENCY_CHAPTERS:
            if chapter in chapters:
                concerned[agency] = max(concerned.get(agency, 0.0), share)
    return concerned


def simulate_lanes(
    declarations: Iterable[Declaration], seed: int, red_rate: float = 0.05, yellow_rate: float = 0.10
) -> dict[str, Lane]:
    """Lanes drawn at the given rates, for timelines without a scoring run (the same seed draws the same lanes)."""
    rng = random.Random(f"lanes-{seed}")
    lanes = {}
    for declaration in declarations:
        draw = rng.random()
        lanes[declaration.declaration_id] = (
            Lane.RED if draw < red_rate else Lane.YELLOW if draw < red_rate + yellow_rate else Lane.GREEN
        )
    return lanes


def generate_clearance(
    declarations: Sequence[Declaration],
    lanes: Mapping[str, Lane],
    seed: int = 0,
    until: datetime | None = None,
) -> ClearanceTimelines:
    """Timelines for the declarations that have a lane (the others are skipped), with their ground truth."""
    latest = until or datetime.now(UTC)
    rng = random.Random(seed)
    events: list[ClearanceEvent] = []
    truth: list[StageTruth] = []
    for declaration in declarations:
        lane = lanes.get(declaration.declaration_id)
        if lane is None:
            continue
        timeline = _timeline(declaration, lane, rng)
        happened = [(event_type, agency, moment) for event_type, agency, moment in timeline if moment <= latest]
        mode = transport_mode_of(declaration)
        for number, (event_type, agency, moment) in enumerate(happened, start=1):
            events.append(
                ClearanceEvent(
                    event_id=f"CE-{declaration.declaration_id}-{number:02d}",
                    declaration_id=declaration.declaration_id,
                    event_type=event_type,
                    at=moment,
                    office_id=declaration.office_id,
                    agency=agency,
                    transport_mode=mode,
                )
            )
        truth += _stages(declaration, lane, mode, happened)
    return ClearanceTimelines(events, truth)


def _timeline(
    declaration: Declaration, lane: Lane, rng: random.Random
) -> list[tuple[ClearanceEventType, Agency, datetime]]:
    """The declaration's events in time order: (stage, agency, when)."""
    lodged = declaration.submitted_at.astimezone(UTC)
    mode = transport_mode_of(declaration)
    customs = Agency.CUSTOMS
    events = [
        (_EVENT.ARRIVAL, customs, lodged - ARRIVAL_TO_LODGEMENT[mode].draw(rng)),
        (_EVENT.LODGED, customs, lodged),
    ]
    if lane in (Lane.GREEN, Lane.BLUE):  # blue is released like green; its audit comes after clearance
        duty_paid = lodged + GREEN_TO_DUTY.draw(rng)
    elif lane == Lane.YELLOW:
        requested = lodged + DOCUMENTS_REQUESTED.draw(rng)
        received = requested + DOCUMENTS_RECEIVED.draw(rng)
        events += [(_EVENT.DOCUMENTS_REQUESTED, customs, requested), (_EVENT.DOCUMENTS_RECEIVED, customs, received)]
        duty_paid = received + DOCUMENTS_TO_DUTY.draw(rng)
    else:
        started = lodged + INSPECTION_SCHEDULED.draw(rng)
        finished = started + INSPECTION.draw(rng)
        events += [(_EVENT.INSPECTION_STARTED, customs, started), (_EVENT.INSPECTION_FINISHED, customs, finished)]
        duty_paid = finished + INSPECTION_TO_DUTY.draw(rng)
    events.append((_EVENT.DUTY_PAID, customs, duty_paid))
    cleared = duty_paid
    for agency, share in sorted(agencies_concerned(declaration).items()):
        if rng.random() < share:
            hold = lodged + HOLD_STARTS.draw(rng)
            release = hold + HOLD.draw(rng)
            events += [(_EVENT.OTHER_AGENCY_HOLD, agency, hold), (_EVENT.OTHER_AGENCY_RELEASE, agency, release)]
            cleared = max(cleared, release + AGENCY_TO_RELEASE.draw(rng))
    events.append((_EVENT.RELEASED, customs, cleared + DUTY_TO_RELEASE.draw(rng)))
    return sorted(events, key=lambda event: event[2])


#: The stages of the ground truth: (name, from event, to event); the hold is per agency.
STAGES: tuple[tuple[str, ClearanceEventType, ClearanceEventType], ...] = (
    ("arrival_to_lodged", _EVENT.ARRIVAL, _EVENT.LODGED),
    ("documents", _EVENT.DOCUMENTS_REQUESTED, _EVENT.DOCUMENTS_RECEIVED),
    ("lodged_to_inspection", _EVENT.LODGED, _EVENT.INSPECTION_STARTED),
    ("inspection", _EVENT.INSPECTION_STARTED, _EVENT.INSPECTION_FINISHED),
    ("lodged_to_duty_paid", _EVENT.LODGED, _EVENT.DUTY_PAID),
    ("other_agency_hold", _EVENT.OTHER_AGENCY_HOLD, _EVENT.OTHER_AGENCY_RELEASE),
    ("duty_paid_to_released", _EVENT.DUTY_PAID, _EVENT.RELEASED),
    ("lodged_to_released", _EVENT.LODGED, _EVENT.RELEASED),
    ("arrival_to_released", _EVENT.ARRIVAL, _EVENT.RELEASED),
)


def _stages(
    declaration: Declaration,
    lane: Lane,
    mode: TransportMode | None,
    happened: list[tuple[ClearanceEventType, Agency, datetime]],
) -> list[StageTruth]:
    rows = []
    for name, first, last in STAGES:
        starts = [(agency, moment) for event_type, agency, moment in happened if event_type == first]
        ends = {agency: moment for event_type, agency, moment in happened if event_type == last}
        for agency, started in starts:
            # A hold ends with the same agency's release; the other stages are customs' own.
            ended = ends.get(agency) if first == _EVENT.OTHER_AGENCY_HOLD else next(iter(ends.values()), None)
            if ended is not None:
                ids = (declaration.declaration_id, lane, declaration.office_id, mode, agency)
                rows.append(StageTruth(*ids, name, started, ended))
    return rows


TRUTH_COLUMNS = (
    "declaration_id", "lane", "office_id", "transport_mode", "agency", "stage", "started_at", "ended_at", "seconds",
)  # fmt: skip


def write_clearance_truth_csv(rows: Iterable[StageTruth], path: Path, id_suffix: str = "") -> int:
    """Write the true stage durations as CSV (one row per stage of each declaration); return the number of rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(TRUTH_COLUMNS)
        for row in rows:
            writer.writerow(
                [
                    f"{row.declaration_id}{id_suffix}",
                    row.lane.value,
                    row.office_id,
                    row.transport_mode.value if row.transport_mode else "",
                    row.agency.value,
                    row.stage,
                    row.started_at.isoformat(),
                    row.ended_at.isoformat(),
                    f"{row.seconds:.0f}",
                ]
            )
            count += 1
    return count
