"""Scoring streams without a trained model (passenger records, container events): the batch flow they share.

There are no inspection outcomes for these streams, so no model can be trained or validated on them. Their score
is a transparent risk-indicator score in the spirit of the WCO risk-indicator handbooks: each indicator that
holds (a document expired before arrival, a verified mass far from the declared weight ...) has a fixed weight in
0..1 and a sentence; the indicators combine as a noisy-or, `1 - prod(1 - weight)`, so the score stays in 0..1,
grows with every further indicator and never depends on the order. Rule score additions add to it, clipped to 1.

Selectivity order as for declarations: rules, watchlist hits, the score's lane, random selection; a forced lane
wins when stricter. A subject posted again with other content after it was selected keeps at least its earlier
lane (see amendments.py).
"""

import asyncio
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

import orjson
from pydantic import BaseModel

from portcullis.scoring.amendments import SelectionView, amendment_reason, unique_runs
from portcullis.scoring.decoding import decode_records
from portcullis.scoring.lists import ListState
from portcullis.scoring.metrics import SCORING_SECONDS, SELECTIVITY_HITS, observe_decisions
from portcullis.scoring.policy import LanePolicy, ScoreLanes, against_thresholds, combined_score
from portcullis.scoring.selectivity import Selection, for_rules
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import DeadLetter, Message, Publisher, Record
from portcullis.shared.rules import evaluate
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.decision import PendingReview
from portcullis.shared.streams import StreamSpec

Subject = TypeVar("Subject", bound=BaseModel)
#: Subjects screened per hold of the lists' lock.
SCREENING_CHUNK = 100


@dataclass(frozen=True, slots=True)
class Indicator:
    """A risk indicator that holds for a subject: its code, weight in 0..1 and the sentence an officer reads."""

    code: str
    weight: float
    text: str


def indicator_score(indicators: Sequence[Indicator]) -> float:
    """Noisy-or of the indicators' weights: 0 with none, one weight alone is itself, more only raise it."""
    return 1.0 - math.prod(1.0 - min(max(i.weight, 0.0), 1.0) for i in indicators)


def match_text(score: float, evidence: Sequence[str]) -> str:
    """`match score 0.93: name similarity 0.90, date of birth matches`."""
    return f"match score {score:.2f}" + (f": {', '.join(evidence)}" if evidence else "")


class StreamPipeline(ABC, Generic[Subject]):
    """Turns a batch of one stream's records into published decisions (decode, select, score, lane, publish)."""

    #: The stream's catalogue entry: its kind, schema, subject id and scoring defaults.
    spec: StreamSpec[Subject]
    #: Version of the indicator scheme, recorded as the decision's model version.
    scheme_version: str

    def __init__(
        self,
        settings: ScoringSettings,
        lists: ListState,
        publisher: Publisher,
        selections: SelectionView | None = None,
    ) -> None:
        self._selections = selections or SelectionView(settings.kafka.topic("selections"))
        self._settings = settings
        self._lists = lists
        self._publisher = publisher
        scoring = settings.scoring_of(self.spec)
        self._lanes = ScoreLanes(yellow=scoring.yellow_score, red=scoring.red_score)
        #: From this name-match score up to the hit threshold a match waits for an analyst's review (review.py).
        self._review_threshold = scoring.review_threshold
        secret = settings.random_selection_secret.get_secret_value().encode()
        self._policy = LanePolicy(
            settings.random_selection_rate, secret, scoring.random_selection_lane, f"{self.spec.kind} items"
        )
        self._decisions_topic = settings.kafka.topic("decisions")

    @property
    def stream(self) -> Stream:
        """The decisions' `stream`."""
        return self.spec.kind

    # --- what each stream says -----------------------------------------------------------------------------------

    def subject_id(self, subject: Subject) -> str:
        """The decision's subject id."""
        return self.spec.subject_id(subject)

    @abstractmethod
    def submitted_at(self, subject: Subject, received_at: datetime) -> datetime:
        """When the subject happened or was lodged (`received_at`: ingest's acceptance)."""

    @abstractmethod
    def screen(self, subject: Subject, at: datetime, selection: Selection) -> None:
        """Add the subject's watchlist hits to `selection` (called under the lists' lock)."""

    @abstractmethod
    def indicators(self, subject: Subject) -> list[Indicator]:
        """The risk indicators that hold for the subject."""

    @abstractmethod
    def attributes(self, subject: Subject) -> dict[str, str]:
        """What API clients filter decisions on (no names, no document numbers)."""

    def link(self, subjects: Sequence[Subject], selections: Sequence[Selection]) -> None:
        """Add what other streams said about the subjects to their selections (on the event loop; none by default)."""

    def follow_up(self, subjects: Sequence[Subject], decisions: Sequence[Decision]) -> list[Message]:
        """Further messages the decisions call for, published with them (none by default)."""
        return []

    # --- the shared flow -----------------------------------------------------------------------------------------

    async def handle(self, records: list[Record]) -> list[DeadLetter]:
        """Score the batch and publish its decisions; return the records that are not valid subjects."""
        subjects, received, digests, dead = self.decode(records)
        if subjects:
            started = time.perf_counter()
            decisions: list[Decision] = []
            selected: list[Message] = []
            # A subject twice in one batch: the second run sees what the first decided (its selection).
            for run in unique_runs([self.subject_id(subject) for subject in subjects]):
                decided = await self._decide_run(subjects[run], received[run], digests[run])
                for each in decided:
                    digest = each.content_digest or ""
                    noted = self._selections.note(self.stream, each.subject_id, each.lane, digest)
                    if noted is not None:
                        selected.append(noted)
                selected.extend(self.follow_up(subjects[run], decided))
                decisions.extend(decided)
            SCORING_SECONDS.labels(self.stream).observe(time.perf_counter() - started)
            await self._publisher.publish(
                [
                    Message(self._decisions_topic, d.subject_id.encode(), orjson.dumps(d.model_dump(mode="json")))
                    for d in decisions
                ]
                + selected
            )
            self._observe(decisions)
        return dead

    async def _decide_run(
        self, subjects: Sequence[Subject], received: Sequence[datetime], digests: Sequence[str]
    ) -> list[Decision]:
        earlier = [
            self._selections.earlier_lane(self.stream, self.subject_id(subject), digest)
            for subject, digest in zip(subjects, digests, strict=True)
        ]
        decisions: list[Decision] = []
        # Name screening costs about half a millisecond a subject, and the lists' lock is shared with the
        # declarations and the watchlist follower: hold it for one chunk at a time, so neither waits long.
        # Each chunk sees one consistent version of rules and watchlists, which its decisions record.
        for first in range(0, len(subjects), SCREENING_CHUNK):
            chunk = slice(first, first + SCREENING_CHUNK)
            amended = earlier[chunk] if any(earlier[chunk]) else None
            async with self._lists.lock:
                selections = await asyncio.to_thread(self.select, subjects[chunk], datetime.now(UTC), amended)
                versions = (self._lists.rules_version, self._lists.watchlist_version)
            self.link(subjects[chunk], selections)
            decisions.extend(
                self.decide(subjects[chunk], received[chunk], selections, versions, (digests[chunk], earlier[chunk]))
            )
        return decisions

    def decode(self, records: Sequence[Record]) -> tuple[list[Subject], list[datetime], list[str], list[DeadLetter]]:
        """Valid subjects with their broker timestamps and content digests, and dead letters naming the fields of
        invalid ones."""
        return decode_records(records, self.spec.schema, f"invalid_{self.stream}")

    def select(
        self, subjects: Sequence[Subject], at: datetime, amended: Sequence[object] | None = None
    ) -> list[Selection]:
        """Rules of this stream, then watchlist screening, for every subject of a batch (`amended`: see
        `selectivity.for_rules`)."""
        selections = []
        for hits in evaluate(self._lists.rules, for_rules(subjects, amended), at, stream=self.stream):
            selection = Selection()
            for hit in hits:
                spec = hit.rule.spec
                reason = Reason(kind=ReasonKind.RULE, text=spec.reason, code=hit.rule.rule_id, weight=spec.action.score)
                selection.add(spec.action, reason)
            selections.append(selection)
        for subject, selection in zip(subjects, selections, strict=True):
            self.screen(subject, at, selection)
            for reason in selection.reasons:
                SELECTIVITY_HITS.labels(self.stream, reason.kind).inc()
        return selections

    def decide(
        self,
        subjects: Sequence[Subject],
        received: Sequence[datetime],
        selections: Sequence[Selection],
        versions: tuple[str, str],
        amendments: tuple[Sequence[str], Sequence[Lane | None]] | None = None,
    ) -> list[Decision]:
        """Lanes, scores and reasons for every subject (`amendments`: content digests and earlier selected lanes)."""
        decided_at = datetime.now(UTC)
        rules_version, watchlist_version = versions
        digests, earlier = amendments or ([""] * len(subjects), [None] * len(subjects))
        decisions = []
        for i, (subject, received_at, selection) in enumerate(zip(subjects, received, selections, strict=True)):
            indicators = sorted(self.indicators(subject), key=lambda i: -i.weight)
            base = indicator_score(indicators)
            score = combined_score(base, selection.score_added)
            subject_id = self.subject_id(subject)
            lane, score_lane, random_selection = self._policy.lane(
                subject_id, score, self._lanes, selection.lane, earlier[i]
            )
            reasons = [
                *selection.reasons,
                self._score_reason(score, base, score_lane),
                *(Reason(kind=ReasonKind.MODEL, text=ind.text, code=ind.code, weight=ind.weight) for ind in indicators),
            ]
            earlier_lane = earlier[i]
            if earlier_lane is not None:
                reasons.append(Reason.model_validate(amendment_reason(earlier_lane, lane)))
            if random_selection:
                reasons.append(Reason.model_validate(self._policy.random_reason()))
            decisions.append(
                Decision(
                    stream=self.stream,
                    subject_id=subject_id,
                    lane=lane,
                    score=round(score, 6),
                    model_version=self.scheme_version,
                    rules_version=rules_version,
                    watchlist_version=watchlist_version,
                    reasons=reasons,
                    random_selection=random_selection,
                    attributes=self.attributes(subject),
                    submitted_at=self.submitted_at(subject, received_at),
                    received_at=received_at,
                    decided_at=decided_at,
                    content_digest=digests[i] or None,
                    review=PendingReview(provisional_lane=lane, possible_matches=selection.possible_matches)
                    if selection.possible_matches
                    else None,
                )
            )
        return decisions

    def _score_reason(self, score: float, base: float, lane: Lane) -> Reason:
        described = f"risk-indicator score {score:.2f}"
        if score != base:
            described += f" ({base:.2f} from indicators plus {score - base:.2f} from rules)"
        text = against_thresholds(described, lane, self._lanes.red, self._lanes.yellow)
        return Reason(kind=ReasonKind.MODEL, text=text, code="score", weight=round(score, 6))

    def _observe(self, decisions: list[Decision]) -> None:
        observe_decisions(self.stream, decisions)
