"""Scoring a batch of declarations: decode, one model call, lanes, reasons, decisions published, dead letters."""

import asyncio
import time
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from portcullis.scoring.metrics import DECISION_LATENCY, DECISIONS, RANDOM_SELECTIONS, SCORE, SCORING_SECONDS
from portcullis.scoring.models import ActiveModel, ModelHolder
from portcullis.scoring.random_selection import is_randomly_selected
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.http import field_errors
from portcullis.shared.kafka import DeadLetter, Message, Publisher, Record
from portcullis.shared.schemas import Decision, Declaration, Lane, Reason, ReasonKind, Stream

#: Versions recorded until the watchlist and rules streams feed scoring.
NO_RULES_VERSION = "none"
NO_WATCHLIST_VERSION = "none"


class ModelUnavailableError(RuntimeError):
    """No model is loaded yet: the batch waits (it is retried, never skipped)."""


class DeclarationPipeline:
    """Turns a batch of declaration records into published decisions."""

    def __init__(self, settings: ScoringSettings, models: ModelHolder, publisher: Publisher) -> None:
        self._settings = settings
        self._models = models
        self._publisher = publisher
        self._decisions_topic = settings.kafka.topic("decisions")
        self._secret = settings.random_selection_secret.get_secret_value().encode()

    async def handle(self, records: list[Record]) -> list[DeadLetter]:
        """Score the batch and publish its decisions; return the records that are not declarations."""
        active = self._models.current
        if active is None:
            raise ModelUnavailableError("no model published yet")
        declarations, received, dead = _decode(records)
        if declarations:
            started = time.perf_counter()
            decisions = await asyncio.to_thread(self._decide, active, declarations, received)
            SCORING_SECONDS.labels(Stream.DECLARATION).observe(time.perf_counter() - started)
            await self._publisher.publish(
                [
                    Message(self._decisions_topic, d.subject_id.encode(), orjson.dumps(d.model_dump(mode="json")))
                    for d in decisions
                ]
            )
            self._observe(decisions, active)
        return dead

    def _decide(self, active: ActiveModel, declarations: list[Declaration], received: list[datetime]) -> list[Decision]:
        assessments = active.model.assess(declarations)
        thresholds = active.thresholds
        decided_at = datetime.now(UTC)
        decisions = []
        for declaration, received_at, assessment in zip(declarations, received, assessments, strict=True):
            lane = thresholds.lane_for(assessment.score)
            reasons = [_score_reason(assessment.score, lane, thresholds.red, thresholds.yellow), *assessment.reasons]
            random_selection = lane is Lane.GREEN and is_randomly_selected(
                declaration.declaration_id, self._settings.random_selection_rate, self._secret
            )
            if random_selection:
                lane = self._settings.random_selection_lane
                reasons.append(
                    Reason(
                        kind=ReasonKind.RANDOM,
                        text="selected at random for inspection "
                        f"({self._settings.random_selection_rate:.1%} of would-be-green declarations)",
                    )
                )
            decisions.append(
                Decision(
                    stream=Stream.DECLARATION,
                    subject_id=declaration.declaration_id,
                    lane=lane,
                    score=round(float(assessment.score), 6),
                    model_version=active.version,
                    rules_version=NO_RULES_VERSION,
                    watchlist_version=NO_WATCHLIST_VERSION,
                    reasons=reasons,
                    random_selection=random_selection,
                    submitted_at=declaration.submitted_at,
                    received_at=received_at,
                    decided_at=decided_at,
                )
            )
        return decisions

    def _observe(self, decisions: list[Decision], active: ActiveModel) -> None:
        now = time.time()
        score_histogram = SCORE.labels(active.version)
        for decision in decisions:
            DECISIONS.labels(decision.stream, decision.lane).inc()
            DECISION_LATENCY.labels(decision.stream).observe(max(0.0, now - decision.received_at.timestamp()))
            score_histogram.observe(decision.score)
            if decision.random_selection:
                RANDOM_SELECTIONS.labels(decision.stream).inc()


def _decode(records: list[Record]) -> tuple[list[Declaration], list[datetime], list[DeadLetter]]:
    declarations: list[Declaration] = []
    received: list[datetime] = []
    dead: list[DeadLetter] = []
    for record in records:
        if record.value is None:
            dead.append(DeadLetter(record, "empty message (no value)", "empty"))
            continue
        try:
            declarations.append(Declaration.model_validate_json(record.value))
        except ValidationError as error:
            reason = "; ".join(f"{e.field}: {e.reason}" for e in field_errors(error.errors()))
            dead.append(DeadLetter(record, reason, "invalid_declaration"))
            continue
        received.append(datetime.fromtimestamp(record.timestamp / 1000, UTC))
    return declarations, received, dead


def _score_reason(score: float, lane: Lane, red: float, yellow: float) -> Reason:
    if lane is Lane.RED:
        text = f"risk score {score:.2f} is at or above the red threshold {red:.2f}"
    elif lane is Lane.YELLOW:
        text = f"risk score {score:.2f} is at or above the yellow threshold {yellow:.2f}"
    else:
        text = f"risk score {score:.2f} is below the yellow threshold {yellow:.2f}"
    return Reason(kind=ReasonKind.MODEL, text=text, code="score", weight=score)
