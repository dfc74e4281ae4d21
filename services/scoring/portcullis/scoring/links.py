"""Facts linked across streams: what scoring learned about a container or a vessel, and the declarations naming them.

A container event that shows a risk (seals changed, a verified mass far from the declared weight, a route through a
port under comprehensive sanctions, a watchlist hit on its vessel, box or parties) is a *fact* about the container,
and a watchlist hit on its vessel also one about the vessel. A declaration naming containers is a *covering
declaration* of each. Both live in the compacted `links` topic, which every scoring replica follows from the start
(as the watchlist and the selections), so scoring stays stateless and a restart loses nothing:

- `container:<ISO 6346 number>/event:<event id>` and `vessel:<IMO>/event:<event id>`: a fact (one record per event,
  written by the replica that scored the event; container events are partitioned by container number);
- `declaration:<declaration id>`: the containers and transport document a declaration names, its lane, the digest
  of the content scoring read, the event ids its decision already names, and the decision as published (one
  record per declaration, not one per container: the view indexes it by each container, and a version-2
  declaration costs one more small message, not one per box).

Whichever arrives second carries the link. A declaration scored after a fact about one of its containers (or its
vessel, or a container that another declaration on its transport document names) gets a reason naming the event
and at least yellow. A container event scored after a declaration covering its box: the event carries a reason
when that declaration is red (the box is scanned), and every covering declaration whose decision does not name the
new fact yet is re-decided: its published decision with the link reasons added, at least yellow, under a digest
derived from the one it had (the gateway stores it as the declaration's next version, as it does an amendment).

The window: facts and covering declarations count for `link_window_days` after scoring learned them (the topic's
retention keeps them at least that long). A replica sees its own facts at once and another replica's after the
follower's fetch (well under a second); a declaration and an event of the same box scored on two replicas within
that moment may miss each other, until the box's next event re-decides the declaration with every fact it lacks.
"""

import hashlib
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from portcullis.scoring.policy import stricter
from portcullis.scoring.selectivity import Selection
from portcullis.shared.kafka import CompactedTopicFollower, Message, Record
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Declaration, Lane, Reason, ReasonKind
from portcullis.shared.schemas.watchlist import Action
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)

#: The lane a linked fact gives at least: a documentary check of the declaration, a scan of the box.
LINKED_ACTION = Action(lane=Lane.YELLOW)
#: Facts kept per container or vessel (the latest): enough for a box's journey, bounded for a busy vessel.
MAX_FACTS = 16
_DAY_S = 24 * 3600.0
_PRUNE_EVERY_S = 600.0
_NONE_LINKED: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class FactReason:
    """One risk a container event showed: its code, weight and the sentence of the event's decision."""

    code: str
    text: str
    weight: float | None


@dataclass(frozen=True, slots=True)
class Fact:
    """What a container event showed about a container or a vessel."""

    subject: str  # "container:MSCU1234565" or "vessel:9074729"
    event_id: str
    event_time: datetime
    location: str
    reasons: tuple[FactReason, ...]
    learned_at: float  # epoch seconds

    def link_reasons(self) -> list[Reason]:
        """The reasons a declaration naming the subject gets: `container MSCU1234565: seals changed … at NLRTM on
        2026-03-01 (container event EV-1)`."""
        kind, _, number = self.subject.partition(":")
        what = f"container {number}" if kind == "container" else f"vessel IMO {number}"
        when = f"at {self.location} on {self.event_time.date().isoformat()} (container event {self.event_id})"
        return [
            Reason(kind=ReasonKind.LINK, text=f"{what}: {each.text} {when}", code=each.code, weight=each.weight)
            for each in self.reasons
        ]


@dataclass(frozen=True, slots=True)
class Covering:
    """A declaration naming containers: what it names, its lane and its latest decision as published."""

    declaration_id: str
    containers: tuple[str, ...]
    transport_document: str | None
    lane: Lane
    digest: str  # of the declaration's content as scoring read it
    linked: frozenset[str]  # event ids its decision names
    packed: bytes  # the decision as published, deflated (less memory; replicas hold every one) unless `deflated` is off
    decided_at: float  # epoch seconds
    # Off for a declaration this replica has just decided: its record comes back through the follower within a
    # second and is kept deflated from then on, so deflating it here too would be work thrown away.
    deflated: bool = True

    @property
    def decision(self) -> bytes:
        """The latest decision as published."""
        return zlib.decompress(self.packed) if self.deflated else self.packed


@dataclass
class LinkView:
    """Scoring's view of the `links` topic: facts by container and vessel, covering declarations by container."""

    topic: str
    window_s: float = 30 * _DAY_S
    _facts: dict[str, dict[str, Fact]] = field(default_factory=dict)
    _declarations: dict[str, Covering] = field(default_factory=dict)
    _by_container: dict[str, set[str]] = field(default_factory=dict)
    _by_document: dict[str, set[str]] = field(default_factory=dict)
    _pruned_at: float = 0.0

    # --- reading -------------------------------------------------------------------------------------------------

    def facts(self, subject: str, now: float | None = None) -> list[Fact]:
        """The facts about `container:N` or `vessel:IMO` within the window, oldest first."""
        found = self._facts.get(subject)
        if not found:
            return []
        since = (now or time.time()) - self.window_s
        return sorted((f for f in found.values() if f.learned_at >= since), key=lambda f: (f.event_time, f.event_id))

    def covering(self, container: str, now: float | None = None) -> list[Covering]:
        """The declarations within the window naming the container, or a transport document that another
        declaration lists it under."""
        ids = set(self._by_container.get(container, ()))
        for declaration_id in tuple(ids):
            document = self._declarations[declaration_id].transport_document
            if document is not None:
                ids |= self._by_document.get(document, set())
        since = (now or time.time()) - self.window_s
        found = (self._declarations[i] for i in sorted(ids))
        return [c for c in found if c.decided_at >= since]

    def facts_for(self, declaration: Declaration, now: float | None = None) -> list[Fact]:
        """Every fact within the window about the declaration's containers (its own, and those of other declarations
        on its transport document) and its vessel."""
        transport = declaration.transport
        if transport is None:
            return []
        containers = list(transport.container_numbers)
        if transport.transport_document is not None:
            for other in sorted(self._by_document.get(transport.transport_document, ())):
                containers.extend(self._declarations[other].containers)
        facts = self._facts
        found = [
            fact
            for number in dict.fromkeys(containers)
            if f"container:{number}" in facts  # most boxes have none: no call, no list
            for fact in self.facts(f"container:{number}", now)
        ]
        if transport.vessel_imo is not None and f"vessel:{transport.vessel_imo}" in facts:
            # An event of one of its own boxes said it already, as a fact about the box.
            seen = {fact.event_id for fact in found}
            found.extend(f for f in self.facts(f"vessel:{transport.vessel_imo}", now) if f.event_id not in seen)
        return found

    def __len__(self) -> int:
        return len(self._declarations) + sum(len(facts) for facts in self._facts.values())

    # --- writing -------------------------------------------------------------------------------------------------

    def note_fact(self, fact: Fact) -> Message:
        """Note a fact in the view; the message for the `links` topic."""
        self._put_fact(fact)
        value = {
            "event_time": fact.event_time.isoformat(),
            "location": fact.location,
            "reasons": [{"code": r.code, "text": r.text, "weight": r.weight} for r in fact.reasons],
        }
        return Message(self.topic, f"{fact.subject}/event:{fact.event_id}".encode(), orjson.dumps(value))

    def note_declaration(self, covering: Covering, decision: bytes | None = None) -> Message:
        """Note a covering declaration in the view; the message for the `links` topic (`decision`: the covering's
        decision, when the caller has it at hand)."""
        self._put_declaration(covering)
        head = orjson.dumps(
            {
                "containers": list(covering.containers),
                "transport_document": covering.transport_document,
                "lane": covering.lane.value,
                "digest": covering.digest,
                "linked": sorted(covering.linked),
                "decided_at": covering.decided_at,
            }
        )
        # The decision goes in as published (already JSON): no second parse and dump on the hot path.
        value = head[:-1] + b',"decision":' + (decision or covering.decision) + b"}"
        return Message(self.topic, f"declaration:{covering.declaration_id}".encode(), value)

    def apply(self, records: Sequence[Record]) -> None:
        """Merge topic records into the view (a tombstone removes; a record that cannot be read is logged)."""
        for record in records:
            key = (record.key or b"").decode(errors="replace")
            try:
                if key.startswith("declaration:"):
                    self._apply_declaration(key.removeprefix("declaration:"), record)
                elif "/event:" in key:
                    self._apply_fact(key, record)
                else:
                    raise ValueError("unknown key")
            except (KeyError, TypeError, ValueError):  # orjson.JSONDecodeError is a ValueError
                log.warning("link_record_rejected", offset=record.offset)
        now = time.time()
        if now - self._pruned_at >= _PRUNE_EVERY_S:
            self.prune(now)

    def prune(self, now: float) -> None:
        """Forget what is older than the window (the topic's retention deletes it later)."""
        self._pruned_at = now
        since = now - self.window_s
        for subject in list(self._facts):
            kept = {e: f for e, f in self._facts[subject].items() if f.learned_at >= since}
            if kept:
                self._facts[subject] = kept
            else:
                del self._facts[subject]
        for declaration_id in [i for i, c in self._declarations.items() if c.decided_at < since]:
            self._remove_declaration(declaration_id)

    def _apply_fact(self, key: str, record: Record) -> None:
        subject, _, event_id = key.partition("/event:")
        if record.value is None:
            self._facts.get(subject, {}).pop(event_id, None)
            return
        document = orjson.loads(record.value)
        reasons = tuple(FactReason(str(r["code"]), str(r["text"]), r.get("weight")) for r in document["reasons"])
        event_time = datetime.fromisoformat(document["event_time"])
        fact = Fact(subject, event_id, event_time, str(document["location"]), reasons, record.timestamp / 1000)
        self._put_fact(fact)

    def _apply_declaration(self, declaration_id: str, record: Record) -> None:
        if record.value is None:
            self._remove_declaration(declaration_id)
            return
        document: dict[str, Any] = orjson.loads(record.value)
        covering = Covering(
            declaration_id=declaration_id,
            containers=tuple(str(c) for c in document["containers"]),
            transport_document=document.get("transport_document"),
            lane=Lane(document["lane"]),
            digest=str(document["digest"]),
            linked=frozenset(str(e) for e in document["linked"]),
            packed=_pack(orjson.dumps(document["decision"])),
            decided_at=float(document["decided_at"]),
        )
        self._put_declaration(covering)

    def _put_fact(self, fact: Fact) -> None:
        facts = self._facts.setdefault(fact.subject, {})
        facts[fact.event_id] = fact
        if len(facts) > MAX_FACTS:
            oldest = min(facts.values(), key=lambda f: f.learned_at)
            del facts[oldest.event_id]

    def _put_declaration(self, covering: Covering) -> None:
        self._remove_declaration(covering.declaration_id)
        self._declarations[covering.declaration_id] = covering
        for number in covering.containers:
            self._by_container.setdefault(number, set()).add(covering.declaration_id)
        if covering.transport_document is not None and covering.containers:
            self._by_document.setdefault(covering.transport_document, set()).add(covering.declaration_id)

    def _remove_declaration(self, declaration_id: str) -> None:
        earlier = self._declarations.pop(declaration_id, None)
        if earlier is None:
            return
        for number in earlier.containers:
            _discard(self._by_container, number, declaration_id)
        if earlier.transport_document is not None:
            _discard(self._by_document, earlier.transport_document, declaration_id)


def _discard(index: dict[str, set[str]], key: str, declaration_id: str) -> None:
    ids = index.get(key)
    if ids is not None:
        ids.discard(declaration_id)
        if not ids:
            del index[key]


def redecided(covering: Covering, facts: Iterable[Fact], decided_at: datetime) -> Covering | None:
    """The covering declaration re-decided: its decision with the reasons of the facts it does not name yet, at least
    yellow, under a digest derived from its decision's; None when it names every fact already."""
    new = [fact for fact in facts if fact.event_id not in covering.linked]
    if not new:
        return None
    document: dict[str, Any] = orjson.loads(covering.decision)
    reasons: list[dict[str, Any]] = document["reasons"]
    added = [reason.model_dump(mode="json") for fact in new for reason in fact.link_reasons()]
    # After the rules' and watchlists' reasons, before the score's: the order selectivity applies them.
    at = next((i for i, r in enumerate(reasons) if r.get("kind") not in ("rule", "watchlist", "link")), len(reasons))
    reasons[at:at] = added
    lane = stricter(Lane(document["lane"]), LINKED_ACTION.lane) or Lane.YELLOW
    document["lane"] = lane.value
    # Another digest: the gateway stores it as the declaration's next version (the same facts again: the same one).
    chain = f"{document.get('content_digest') or covering.digest}+{','.join(sorted(f.event_id for f in new))}"
    document["content_digest"] = hashlib.sha256(chain.encode()).hexdigest()
    document["decided_at"] = decided_at
    return Covering(
        declaration_id=covering.declaration_id,
        containers=covering.containers,
        transport_document=covering.transport_document,
        lane=lane,
        digest=covering.digest,
        linked=covering.linked | {fact.event_id for fact in new},
        packed=_pack(orjson.dumps(document, option=orjson.OPT_UTC_Z)),
        decided_at=decided_at.timestamp(),
    )


def links_follower(settings: KafkaSettings, view: LinkView) -> CompactedTopicFollower:
    """A follower that applies the `links` topic to `view`; scoring waits for its `caught_up` before scoring."""

    async def apply(records: list[Record], live: bool) -> None:
        view.apply(records)

    return CompactedTopicFollower(settings, "links", apply)


def link_declarations(
    view: LinkView, declarations: Sequence[Declaration], selections: Sequence[Selection]
) -> list[frozenset[str]]:
    """Add to each declaration's selection the reasons of the facts about its containers and vessel (at least
    yellow); return the event ids each one names."""
    now = time.time()
    linked: list[frozenset[str]] = []
    for declaration, selection in zip(declarations, selections, strict=True):
        facts = view.facts_for(declaration, now) if declaration.transport is not None else []
        for fact in facts:
            for reason in fact.link_reasons():
                selection.add(LINKED_ACTION, reason)
        linked.append(frozenset(fact.event_id for fact in facts) if facts else _NONE_LINKED)
    return linked


def covering_of(declaration: Declaration, lane: Lane, digest: str, linked: frozenset[str], decision: bytes) -> Covering:
    """The covering declaration record of a decided declaration that names containers (its decision as published,
    not deflated: the follower keeps the record that comes back deflated)."""
    transport = declaration.transport
    assert transport is not None
    return Covering(
        declaration_id=declaration.declaration_id,
        containers=tuple(transport.container_numbers),
        transport_document=transport.transport_document,
        lane=lane,
        digest=digest,
        linked=linked,
        packed=decision,
        decided_at=time.time(),
        deflated=False,
    )


def _pack(decision: bytes) -> bytes:
    # Level 1: a decision of 1.6 KB deflates to about a third in some 10 microseconds.
    return zlib.compress(decision, 1)
