"""Scoring a batch of declarations: decode, rules and watchlists, one model call, lanes, reasons, decisions published.

Selectivity order: rules, watchlist hits, the model's lane, random selection. A forced lane wins over the
model's when stricter (red beats yellow beats green); score additions add to the model score, clipped to 1.
"""

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from portcullis.scoring.drift import SCORE_DRIFT
from portcullis.scoring.lists import ListState
from portcullis.scoring.metrics import DECISION_LATENCY, DECISIONS, RANDOM_SELECTIONS, SCORE, SCORING_SECONDS
from portcullis.scoring.models import ActiveModel, ModelHolder
from portcullis.scoring.random_selection import is_randomly_selected
from portcullis.scoring.selectivity import Selection, select_declarations, stricter
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.http import field_errors
from portcullis.shared.kafka import DeadLetter, Message, Publisher, Record
from portcullis.shared.schemas import Decision, Declaration, Lane, Reason, ReasonKind, Stream


class ModelUnavailableError(RuntimeError):
    """No model is loaded yet: the batch waits (it is retried, never skipped)."""


class DeclarationPipeline:
    """Turns a batch of declaration records into published decisions."""

    def __init__(self, settings: ScoringSettings, models: ModelHolder, lists: ListState, publisher: Publisher) -> None:
        self._settings = settings
        self._models = models
        self._lists = lists
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
            # Rules and watchlists are read in one step, so a batch sees one consistent version of them.
            async with self._lists.lock:
                selections = select_declarations(self._lists, declarations, datetime.now(UTC))
                versions = (self._lists.rules_version, self._lists.watchlist_version)
            challenger = self._models.challenger
            decisions = await asyncio.to_thread(
                self._decide, active, declarations, received, selections, versions, challenger
            )
            SCORING_SECONDS.labels(Stream.DECLARATION).observe(time.perf_counter() - started)
            await self._publisher.publish(
                [
                    Message(self._decisions_topic, d.subject_id.encode(), orjson.dumps(d.model_dump(mode="json")))
                    for d in decisions
                ]
            )
            self._observe(decisions, active)
        return dead

    def _decide(
        self,
        active: ActiveModel,
        declarations: list[Declaration],
        received: list[datetime],
        selections: list[Selection],
        versions: tuple[str, str],
        challenger: ActiveModel | None = None,
    ) -> list[Decision]:
        thresholds = active.thresholds
        assessments = active.model.assess(declarations, thresholds=thresholds)
        # The challenger is scored in shadow: no explanations, and its score never sets the lane.
        shadow = (
            [a.score for a in challenger.model.assess(declarations, explain_min_lane=None)]
            if challenger is not None
            else [None] * len(declarations)
        )
        decided_at = datetime.now(UTC)
        rules_version, watchlist_version = versions
        decisions = []
        for declaration, received_at, assessment, selection, shadow_score in zip(
            declarations, received, assessments, selections, shadow, strict=True
        ):
            model_score = float(assessment.score)
            score = min(1.0, model_score + selection.score_added)
            model_lane = thresholds.lane_for(score)
            lane = stricter(selection.lane, model_lane) or model_lane
            reasons = [
                *selection.reasons,
                _score_reason(score, model_score, model_lane, thresholds.red, thresholds.yellow),
                *assessment.reasons,
            ]
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
                    score=round(score, 6),
                    model_version=active.version,
                    rules_version=rules_version,
                    watchlist_version=watchlist_version,
                    reasons=reasons,
                    random_selection=random_selection,
                    attributes=_attributes(declaration),
                    challenger_version=challenger.version if challenger is not None else None,
                    challenger_score=round(float(shadow_score), 6) if shadow_score is not None else None,
                    submitted_at=declaration.submitted_at,
                    received_at=received_at,
                    decided_at=decided_at,
                )
            )
        return decisions

    def _observe(self, decisions: list[Decision], active: ActiveModel) -> None:
        # Label lookups once per batch (one stream per pipeline); only the histograms take each decision.
        now = time.time()
        stream = Stream.DECLARATION
        for lane, count in Counter(decision.lane for decision in decisions).items():
            DECISIONS.labels(stream, lane).inc(count)
        RANDOM_SELECTIONS.labels(stream).inc(sum(decision.random_selection for decision in decisions))
        latency = DECISION_LATENCY.labels(stream)
        score_histogram = SCORE.labels(active.version)
        for decision in decisions:
            latency.observe(max(0.0, now - decision.received_at.timestamp()))
            score_histogram.observe(decision.score)
        SCORE_DRIFT.observe(active.model, [decision.score for decision in decisions])


def _attributes(declaration: Declaration) -> dict[str, str]:
    """What API clients filter decisions on: trader ids, office and origins (no personal data)."""
    return {
        "office_id": declaration.office_id,
        "importer_id": declaration.importer_id,
        "declarant_id": declaration.declarant_id,
        "origin_countries": ",".join(sorted({item.origin_country for item in declaration.items})),
        "hs_chapters": ",".join(sorted({item.hs6_code[:2] for item in declaration.items})),
    }


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


def _score_reason(score: float, model_score: float, lane: Lane, red: float, yellow: float) -> Reason:
    described = f"risk score {score:.2f}"
    if score != model_score:
        described += f" (model {model_score:.2f} plus {score - model_score:.2f} from rules and watchlists)"
    if lane is Lane.RED:
        text = f"{described} is at or above the red threshold {red:.2f}"
    elif lane is Lane.YELLOW:
        text = f"{described} is at or above the yellow threshold {yellow:.2f}"
    else:
        text = f"{described} is below the yellow threshold {yellow:.2f}"
    return Reason(kind=ReasonKind.MODEL, text=text, code="score", weight=score)
