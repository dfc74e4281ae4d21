"""Scoring container events: rules, screening of vessel, container and parties, and risk indicators.

Lanes: green = release, yellow = non-intrusive scan, red = physical examination.
"""

from datetime import datetime

from portcullis.scoring.amendments import SelectionView
from portcullis.scoring.lists import ListState
from portcullis.scoring.review import hold_for_review, party_subject_key
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.settings import ScoringSettings
from portcullis.scoring.streams import Indicator, StreamPipeline, match_text
from portcullis.shared.kafka import Publisher
from portcullis.shared.schemas import Lane, Reason, ReasonKind
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
    ) -> None:
        super().__init__(settings, lists, publisher, selections)
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
