"""Scoring a batch of declarations: decode, rules and watchlists, one model call, lanes, reasons, decisions published.

Selectivity order: rules, watchlist hits, the model's lane, random selection. A forced lane wins over the
model's when stricter (red beats yellow beats green); score additions add to the model score, clipped to 1.

Every decision carries the score reason; decisions that end yellow or red (by the model, a rule, a watchlist
hit or random selection) also carry the model's top reasons for their riskiest item. Green ones do not: the
explanation costs more than the score itself, and nobody inspects a green declaration.

A declaration posted again with other content after it was selected is an amendment after selection (see
amendments.py): its lane is at least the earlier one, with a reason, and rules see `amended_after_selection`.

The hot path builds each decision's JSON straight from plain values (the bytes `Decision.model_dump` would
give, which a unit test checks) instead of validating a `Decision` object and dumping it again.
"""

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson

from portcullis.scoring.amendments import SelectionView, amendment_reason, unique_runs
from portcullis.scoring.blue_lane import BlueLane
from portcullis.scoring.declaration_screening import ScreeningLimits, has_parts_to_screen, screen_declarations
from portcullis.scoring.decoding import decode_records
from portcullis.scoring.drift import SCORE_DRIFT
from portcullis.scoring.links import LinkView, covering_of, link_declarations
from portcullis.scoring.lists import ListState
from portcullis.scoring.metrics import SCORE, SCORING_SECONDS, observe_decisions
from portcullis.scoring.mirror_gaps import MirrorGapTable
from portcullis.scoring.models import ActiveModel, ModelHolder
from portcullis.scoring.party_cache import PartyScreeningCache
from portcullis.scoring.policy import LanePolicy, ScoreLanes, combined_score, threshold_clauses
from portcullis.scoring.selectivity import Selection, select_declarations
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import DeadLetter, DependencyUnavailableError, Message, Publisher, Record
from portcullis.shared.metrics import observe_many
from portcullis.shared.schemas import Declaration, Lane, Reason, Stream
from portcullis.shared.streams import DECLARATIONS

_JSON_OPTIONS = orjson.OPT_UTC_Z  # "Z" for UTC, like pydantic's JSON mode
#: Batches smaller than this are decided on the event loop: a thread hop costs more than the millisecond or so
#: the loop waits for them.
_DECIDE_INLINE_BELOW = 64


class ModelUnavailableError(DependencyUnavailableError):
    """No model is loaded yet: the batch waits (it is retried, never skipped)."""


class Decided(NamedTuple):
    """A decision as published (`payload`, the JSON of a `Decision`) and what the metrics read of it (a named tuple:
    one is made per decision, at half the cost of a frozen dataclass)."""

    subject_id: str
    lane: Lane
    score: float
    random_selection: bool
    received_at: datetime
    payload: bytes
    content_digest: str = ""


class DeclarationPipeline:
    """Turns a batch of declaration records into published decisions."""

    def __init__(
        self,
        settings: ScoringSettings,
        models: ModelHolder,
        lists: ListState,
        publisher: Publisher,
        selections: SelectionView | None = None,
        links: LinkView | None = None,
        mirror: MirrorGapTable | None = None,
        parties: PartyScreeningCache | None = None,
    ) -> None:
        self._settings = settings
        self._mirror = mirror
        self._models = models
        self._links = links
        self._lists = lists
        self._publisher = publisher
        self._selections = selections or SelectionView(settings.kafka.topic("selections"))
        self._decisions_topic = settings.kafka.topic("decisions")
        secret = settings.random_selection_secret.get_secret_value().encode()
        random_lane = settings.scoring_of(DECLARATIONS).random_selection_lane
        self._policy = LanePolicy(settings.random_selection_rate, secret, random_lane, "declarations")
        self._blue = BlueLane(settings.blue_lane())
        self._screening = ScreeningLimits(
            settings.screening_threshold,
            settings.screening_strong_score,
            settings.scoring_of(DECLARATIONS).review_threshold,
        )
        # Parties' name screenings across batches (traders recur), dropped whenever the watchlist index changes.
        self._parties = parties or PartyScreeningCache(settings.party_cache_entries, settings.party_cache_bytes)

    async def handle(self, records: list[Record]) -> list[DeadLetter]:
        """Score the batch and publish its decisions; return the records that are not declarations."""
        active = self._models.current
        if active is None:
            raise ModelUnavailableError("no model published yet")
        declarations, received, digests, dead = decode_records(records, Declaration, "invalid_declaration")
        if declarations:
            started = time.perf_counter()
            decisions: list[Decided] = []
            selected: list[Message] = []
            # A subject twice in one batch: the second run sees what the first decided (its selection).
            for run in unique_runs([d.declaration_id for d in declarations]):
                decided, linked = await self._decide_run(active, declarations[run], received[run], digests[run])
                for each in decided:
                    noted = self._selections.note(Stream.DECLARATION, each.subject_id, each.lane, each.content_digest)
                    if noted is not None:
                        selected.append(noted)
                if self._links is not None:
                    selected.extend(self._note_covering(declarations[run], decided, linked))
                decisions.extend(decided)
            SCORING_SECONDS.labels(Stream.DECLARATION).observe(time.perf_counter() - started)
            topic = self._decisions_topic
            messages = [Message(topic, d.subject_id.encode(), d.payload) for d in decisions]
            await self._publisher.publish(messages + selected)
            self._observe(decisions, active)
        return dead

    async def _decide_run(
        self,
        active: ActiveModel,
        declarations: Sequence[Declaration],
        received: Sequence[datetime],
        digests: Sequence[str],
    ) -> tuple[list[Decided], list[frozenset[str]]]:
        earlier = [
            self._selections.earlier_lane(Stream.DECLARATION, declaration.declaration_id, digest)
            for declaration, digest in zip(declarations, digests, strict=True)
        ]
        amended = earlier if any(earlier) else None
        # Rules and watchlists are read in one step, so a batch sees one consistent version of them.
        async with self._lists.lock:
            at = datetime.now(UTC)
            selections = select_declarations(self._lists, declarations, at, amended, self._mirror)
            # Version 2: parties, vessel and containers by name and number (a thread: name screening takes time).
            if any(has_parts_to_screen(declaration) for declaration in declarations):
                await asyncio.to_thread(
                    screen_declarations, self._lists, declarations, selections, at, self._screening, self._parties
                )
            versions = (self._lists.rules_version, self._lists.watchlist_version)
        # What container events showed about the declarations' containers and vessels (links.py).
        linked = link_declarations(self._links, declarations, selections) if self._links is not None else []
        challenger = self._models.challenger
        amendments = (digests, earlier)
        if len(declarations) < _DECIDE_INLINE_BELOW:
            return self._decide(active, declarations, received, selections, versions, challenger, amendments), linked
        # The model releases the GIL while it predicts: the event loop meanwhile takes in fetches and acks.
        decided = await asyncio.to_thread(
            self._decide, active, declarations, received, selections, versions, challenger, amendments
        )
        return decided, linked

    def _note_covering(
        self, declarations: Sequence[Declaration], decided: Sequence[Decided], linked: Sequence[frozenset[str]]
    ) -> list[Message]:
        """The `links` records of the declarations that name containers (a later event of a box re-decides them)."""
        assert self._links is not None
        return [
            self._links.note_declaration(
                covering_of(declaration, each.lane, each.content_digest, linked[i], each.payload), each.payload
            )
            for i, (declaration, each) in enumerate(zip(declarations, decided, strict=True))
            if declaration.transport is not None and declaration.transport.container_numbers
        ]

    def _decide(
        self,
        active: ActiveModel,
        declarations: Sequence[Declaration],
        received: Sequence[datetime],
        selections: Sequence[Selection],
        versions: tuple[str, str],
        challenger: ActiveModel | None = None,
        amendments: tuple[Sequence[str], Sequence[Lane | None]] | None = None,
    ) -> list[Decided]:
        digests, earlier = amendments or ([""] * len(declarations), [None] * len(declarations))
        thresholds = ScoreLanes(yellow=active.thresholds.yellow, red=active.thresholds.red)
        red, yellow = thresholds.red, thresholds.yellow
        model = active.model
        batch = model.score_declarations(declarations)
        model_scores: list[float] = batch.scores.tolist()
        # The challenger is scored in shadow: no explanations, and its score never sets the lane.
        shadow: list[float] | None = (
            challenger.model.score_declarations(declarations).scores.tolist() if challenger is not None else None
        )
        policy = self._policy
        blue = self._blue if self._blue.enabled else None
        if blue is not None:
            blue.use_model(active.version, active.thresholds, model.stats.histories.get("importer", {}))
        scores: list[float] = []
        lanes: list[Lane] = []
        model_lanes: list[Lane] = []
        randomly: list[bool] = []
        audited: set[int] = set()  # sent blue by the blue lane (rather than kept there by an amendment)
        for i, (declaration, selection, model_score) in enumerate(
            zip(declarations, selections, model_scores, strict=True)
        ):
            score = combined_score(model_score, selection.score_added)
            lane, model_lane, random_selection = policy.lane(
                declaration.declaration_id, score, thresholds, selection.lane, earlier[i]
            )
            if blue is not None:
                flagged = bool(selection.reasons)
                blue_lane = blue.lane(lane, model_lane, score, declaration.importer_id, flagged, earlier[i])
                if blue_lane is not lane:
                    audited.add(i)
                    lane = blue_lane
            scores.append(score)
            model_lanes.append(model_lane)
            lanes.append(lane)
            randomly.append(random_selection)
        # Reasons in words for what an officer will look at: every declaration that ends blue, yellow or red.
        explained = [i for i, lane in enumerate(lanes) if lane is not Lane.GREEN]
        model_reasons: dict[int, list[dict[str, Any]]] = {
            i: [{"kind": "model", "text": text, "code": code, "weight": weight} for code, text, weight in parts]
            for i, parts in zip(explained, model.explain(batch, explained), strict=True)
        }
        decided_at = datetime.now(UTC)
        clauses = threshold_clauses(red, yellow)
        rules_version, watchlist_version = versions
        model_version = active.version
        challenger_version = challenger.version if challenger is not None else None
        decisions = []
        for i, declaration in enumerate(declarations):
            score, model_score, selection = scores[i], model_scores[i], selections[i]
            rounded = round(score, 6)
            reasons = [_reason_json(reason) for reason in selection.reasons] if selection.reasons else []
            reasons.append(_score_reason(score, rounded, model_score, clauses[model_lanes[i]]))
            found = model_reasons.get(i)
            if found:
                reasons.extend(found)
            earlier_lane = earlier[i]
            if earlier_lane is not None:
                reasons.append(amendment_reason(earlier_lane, lanes[i]))
            if randomly[i]:
                reasons.append(policy.random_reason())
            if i in audited and blue is not None:
                reasons.append(blue.reason(declaration.importer_id))
            document = {
                "stream": "declaration",
                "subject_id": declaration.declaration_id,
                "lane": lanes[i],  # a StrEnum: orjson writes its value
                "score": rounded,
                "model_version": model_version,
                "rules_version": rules_version,
                "watchlist_version": watchlist_version,
                "reasons": reasons,
                "random_selection": randomly[i],
                "challenger_version": challenger_version,
                "challenger_score": round(shadow[i], 6) if shadow is not None else None,
                "attributes": _attributes(declaration),
                "submitted_at": declaration.submitted_at,
                "received_at": received[i],
                "decided_at": decided_at,
                "content_digest": digests[i] or None,
                "version": 1,
                "amended": False,
            }
            if selection.possible_matches:
                review: dict[str, Any] = {
                    "provisional_lane": lanes[i].value,
                    "possible_matches": [match.model_dump(mode="json") for match in selection.possible_matches],
                }
                document["review"] = review
            decisions.append(
                Decided(
                    subject_id=declaration.declaration_id,
                    lane=lanes[i],
                    score=rounded,
                    random_selection=randomly[i],
                    received_at=received[i],
                    payload=orjson.dumps(document, option=_JSON_OPTIONS),
                    content_digest=digests[i],
                )
            )
        return decisions

    def _observe(self, decisions: Sequence[Decided], active: ActiveModel) -> None:
        observe_decisions(Stream.DECLARATION, decisions)
        scores = [decision.score for decision in decisions]
        observe_many(SCORE.labels(active.version), scores)
        SCORE_DRIFT.observe(active.model, scores)


def _attributes(declaration: Declaration) -> dict[str, str]:
    """What API clients filter decisions on: trader ids, office and origins (no personal data)."""
    items = declaration.items
    if len(items) == 1:
        origins, chapters = items[0].origin_country, items[0].hs6_code[:2]
    else:
        origins = ",".join(sorted({item.origin_country for item in items}))
        chapters = ",".join(sorted({item.hs6_code[:2] for item in items}))
    return {
        "office_id": declaration.office_id,
        "importer_id": declaration.importer_id,
        "declarant_id": declaration.declarant_id,
        "origin_countries": origins,
        "hs_chapters": chapters,
    }


def _reason_json(reason: Reason) -> dict[str, Any]:
    """A reason in the decision's JSON form (`Reason.model_dump(mode="json")`)."""
    return {"kind": reason.kind.value, "text": reason.text, "code": reason.code, "weight": reason.weight}


def _score_reason(score: float, rounded: float, model_score: float, clause: str) -> dict[str, Any]:
    """The score's reason: the score (`rounded` to 6 places), what rules and watchlists added, and `clause`, what
    `against_thresholds` says of the lane the score alone gives."""
    described = f"risk score {score:.2f}"
    if score != model_score:
        described += f" (model {model_score:.2f} plus {score - model_score:.2f} from rules and watchlists)"
    return {"kind": "model", "text": described + clause, "code": "score", "weight": rounded}
