"""Scoring container events: rules, screening of vessel, container and parties, and risk indicators.

Lanes: green = release, yellow = non-intrusive scan, red = physical examination.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from portcullis.scoring.amendments import SelectionView
from portcullis.scoring.links import LINKED_ACTION, Fact, FactReason, LinkView, redecided
from portcullis.scoring.lists import ListState
from portcullis.scoring.review import hold_for_review, party_subject_key
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.settings import ScoringSettings
from portcullis.scoring.streams import Indicator, StreamPipeline, match_text
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.schemas import Decision, Lane, Reason, ReasonKind, Stream
from portcullis.shared.schemas.container import ContainerEvent, Party
from portcullis.shared.schemas.watchlist import Action
from portcullis.shared.screening import Match, ScreeningQuery
from portcullis.shared.streams import CONTAINERS

#: Indicator weights (noisy-or; see streams.py).
LARGE_WEIGHT_GAP_WEIGHT = 0.6
WEIGHT_GAP_WEIGHT = 0.4
SEALS_CHANGED_WEIGHT = 0.45
HIGH_RISK_PORT_WEIGHT = 0.5
MANY_TRANSSHIPMENTS_WEIGHT = 0.15
#: Relative gaps between verified gross mass and declared weight that are indicators (SOLAS VGM tolerances that
#: administrations apply are commonly 3-5%; the indicators start above them, the rules can be stricter).
WEIGHT_GAP = 0.10
LARGE_WEIGHT_GAP = 0.25
MANY_TRANSSHIPMENTS = 3
#: The indicators that are facts about the box for the declarations naming it (links.py), besides watchlist hits.
LINKED_INDICATORS = frozenset({"seals_changed", "weight_discrepancy", "high_risk_port"})


class ContainerPipeline(StreamPipeline[ContainerEvent]):
    """Container events to decisions."""

    spec = CONTAINERS
    scheme_version = "container-indicators-1"

    def __init__(
        self,
        settings: ScoringSettings,
        lists: ListState,
        publisher: Publisher,
        selections: SelectionView | None = None,
        links: LinkView | None = None,
    ) -> None:
        super().__init__(settings, lists, publisher, selections)
        self._links = links
        self._high_risk_countries = frozenset(code.upper() for code in settings.high_risk_port_countries)

    def submitted_at(self, subject: ContainerEvent, received_at: datetime) -> datetime:
        return subject.event_time

    def screen(self, subject: ContainerEvent, at: datetime, selection: Selection) -> None:
        index = self._lists.index
        threshold = self._settings.screening_threshold
        vessel = ScreeningQuery(name=subject.vessel_name, schema="Vessel", imo=subject.vessel_imo)
        for match in index.screen(vessel, limit=3, threshold=threshold):
            if match.entry.kind != "vessel":
                continue
            by_imo = match.entry.imo_number == subject.vessel_imo
            what = f"vessel IMO {subject.vessel_imo}" if by_imo else f"vessel {subject.vessel_name!r}"
            self._hit(selection, at, match, what, strong=by_imo)
        box = ScreeningQuery(container_number=subject.container_number)
        for match in index.screen(box, limit=3, threshold=threshold):
            if match.entry.kind == "container":
                self._hit(selection, at, match, f"container {subject.container_number}", strong=True)
        review_from = self._review_threshold
        for role, party in (("shipper", subject.shipper), ("consignee", subject.consignee)):
            for match in index.screen(_party_query(party), limit=3, threshold=min(threshold, review_from)):
                if match.entry.kind != "organization":
                    continue
                by_id = "document number matches" in match.evidence
                strong = by_id or match.score >= self._settings.screening_strong_score
                what = f"{role} {party.name!r}"
                if not strong and match.score >= review_from:
                    self._possible(
                        selection, at, match, what, party_subject_key(party.name, party.country, party.party_id)
                    )
                    continue
                self._hit(selection, at, match, what, strong=strong)

    def _possible(self, selection: Selection, at: datetime, match: Match, what: str, subject_key: str) -> None:
        document = self._lists.entry(match.entry.entry_id)
        if document is None or not document.entry.in_force(at):
            return
        hold_for_review(selection, self._lists.dismissals, self.stream, document, match, subject_key, what)

    def _hit(self, selection: Selection, at: datetime, match: Match, what: str, strong: bool) -> None:
        document = self._lists.entry(match.entry.entry_id)
        if document is None or not document.entry.in_force(at):
            return
        entry = match.entry
        action = document.entry.action if strong else Action(lane=Lane.YELLOW)
        relation = "is" if strong else "may be (possible match, to be checked)"
        listed = f"{entry.name!r}" if entry.name else "listed"
        text = (
            f"{what} {relation} {listed} on the watchlist {entry.list_name!r} "
            f"(entry {entry.entry_id}, {match_text(match.score, match.evidence)}): {entry.reason}"
        )
        selection.add(action, Reason(kind=ReasonKind.WATCHLIST, text=text, code=entry.entry_id, weight=match.score))

    def link(self, subjects: Sequence[ContainerEvent], selections: Sequence[Selection]) -> None:
        """A box covered by a red declaration is scanned (at least yellow), with a reason naming the declaration."""
        if self._links is None:
            return
        for subject, selection in zip(subjects, selections, strict=True):
            for covering in self._links.covering(subject.container_number):
                if covering.lane is Lane.RED:
                    text = (
                        f"container {subject.container_number} is covered by declaration {covering.declaration_id}, "
                        "which scoring sent to red (physical examination)"
                    )
                    reason = Reason(kind=ReasonKind.LINK, text=text, code="covered_by_red_declaration")
                    selection.add(LINKED_ACTION, reason)

    def follow_up(self, subjects: Sequence[ContainerEvent], decisions: Sequence[Decision]) -> list[Message]:
        """The events' risks as facts about their boxes and vessels, and the covering declarations re-decided."""
        if self._links is None:
            return []
        messages: list[Message] = []
        for subject, decision in zip(subjects, decisions, strict=True):
            box, vessel = self._facts(subject, decision)
            if not box.reasons:
                continue
            messages.append(self._links.note_fact(box))
            if vessel.reasons:
                messages.append(self._links.note_fact(vessel))
            messages.extend(self._redecide(subject.container_number))
        return messages

    def _facts(self, subject: ContainerEvent, decision: Decision) -> tuple[Fact, Fact]:
        """What the event showed about its box (linked indicators, every watchlist hit) and about its vessel."""
        box: list[FactReason] = []
        vessel: list[FactReason] = []
        for reason in decision.reasons:
            if reason.kind is ReasonKind.MODEL and reason.code in LINKED_INDICATORS:
                box.append(FactReason(reason.code, reason.text, reason.weight))
            elif reason.kind is ReasonKind.WATCHLIST:
                fact = FactReason("watchlist", reason.text, reason.weight)
                box.append(fact)
                document = self._lists.entry(reason.code or "")
                if document is not None and document.entry.kind == "vessel":
                    vessel.append(fact)
        learned = datetime.now(UTC).timestamp()
        at = (subject.event_id, subject.event_time, subject.event_location)
        return (
            Fact(f"container:{subject.container_number}", *at, tuple(box), learned),
            Fact(f"vessel:{subject.vessel_imo}", *at, tuple(vessel), learned),
        )

    def _redecide(self, container_number: str) -> list[Message]:
        """The declarations covering the box whose decisions miss a fact about their boxes, decided again."""
        assert self._links is not None
        messages: list[Message] = []
        decided_at = datetime.now(UTC)
        for covering in self._links.covering(container_number):
            facts = [fact for number in covering.containers for fact in self._links.facts(f"container:{number}")]
            again = redecided(covering, facts, decided_at)
            if again is None:
                continue
            messages.append(Message(self._decisions_topic, again.declaration_id.encode(), again.decision))
            messages.append(self._links.note_declaration(again))
            noted = self._selections.note(Stream.DECLARATION, again.declaration_id, again.lane, again.digest)
            if noted is not None:
                messages.append(noted)
        return messages

    def indicators(self, subject: ContainerEvent) -> list[Indicator]:
        found = []
        gap = subject.weight_discrepancy
        if gap >= WEIGHT_GAP:
            direction = "above" if subject.verified_gross_mass_kg > subject.declared_gross_weight_kg else "below"
            text = (
                f"verified gross mass {subject.verified_gross_mass_kg:,.0f} kg is {gap:.0%} {direction} "
                f"the {subject.declared_gross_weight_kg:,.0f} kg declared"
            )
            weight = LARGE_WEIGHT_GAP_WEIGHT if gap >= LARGE_WEIGHT_GAP else WEIGHT_GAP_WEIGHT
            found.append(Indicator("weight_discrepancy", weight, text))
        if subject.seals_changed:
            before = ", ".join(subject.previous_seal_numbers or ()) or "none"
            now = ", ".join(subject.seal_numbers) or "none"
            text = f"seals changed since the previous event (were {before}, now {now})"
            found.append(Indicator("seals_changed", SEALS_CHANGED_WEIGHT, text))
        route = [subject.port_of_loading, *subject.transshipment_ports, subject.port_of_discharge]
        risky = [code for code in dict.fromkeys(route) if code[:2] in self._high_risk_countries]
        if risky:
            text = f"route passes {', '.join(risky)}, in a jurisdiction under comprehensive sanctions"
            found.append(Indicator("high_risk_port", HIGH_RISK_PORT_WEIGHT, text))
        if len(subject.transshipment_ports) >= MANY_TRANSSHIPMENTS:
            text = f"transshipped {len(subject.transshipment_ports)} times on the way"
            found.append(Indicator("many_transshipments", MANY_TRANSSHIPMENTS_WEIGHT, text))
        return found

    def attributes(self, subject: ContainerEvent) -> dict[str, str]:
        """Where (as `office_id`), the box, the vessel, the route; the consignee's trader id as `importer_id`."""
        attributes = {
            "office_id": subject.event_location,
            "container_number": subject.container_number,
            "event_type": str(subject.event_type),
            "vessel_imo": subject.vessel_imo,
            "port_of_loading": subject.port_of_loading,
            "port_of_discharge": subject.port_of_discharge,
            "hs_chapters": ",".join(sorted({code[:2] for code in subject.hs_codes})),
        }
        if subject.consignee.party_id:
            attributes["importer_id"] = subject.consignee.party_id
        return attributes


def _party_query(party: Party) -> ScreeningQuery:
    return ScreeningQuery(name=party.name, schema="Organization", country=party.country, document_number=party.party_id)
