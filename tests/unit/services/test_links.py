"""Streams linked in process: a container event's risks reach the declarations naming the box, in either order, and
what scoring learned survives a restart (a new view rebuilt from the `links` messages alone)."""

import asyncio
import copy
import time
from typing import Any

import orjson
import pytest

from portcullis.scoring.amendments import SelectionView
from portcullis.scoring.containers import ContainerPipeline
from portcullis.scoring.links import LinkView
from portcullis.scoring.lists import ListState
from portcullis.scoring.models import ActiveModel
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.schemas import Decision, Declaration, Lane, ReasonKind
from tests.unit.services.stream_fixtures import SETTINGS, CapturingPublisher, FakeRecord, container, lists_with
from tests.unit.services.test_declaration_pipeline import Holder, models  # noqa: F401 (the model fixture)

SEALED_BOX, OTHER_BOX, RED_BOX = "MSCU1234566", "MSCU7654329", "TGHU1000018"
ARMS_RULE = {
    "name": "arms and ammunition",
    "reason": "arms and ammunition (HS chapter 93): examine",
    "action": {"lane": "red"},
    "condition": {"field": "hs6_code", "op": "prefix", "value": "93"},
}
EXAMPLE: dict[str, Any] = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


class Scoring:
    """One scoring process: the declaration and container pipelines over one links view and one selections view."""

    def __init__(self, model: RiskModel, lists: ListState, links: LinkView) -> None:
        self.links = links
        self.publisher = CapturingPublisher()
        selections = SelectionView(SETTINGS.kafka.topic("selections"))
        holder = Holder(ActiveModel(model, model.thresholds.with_rates(0.05, 0.10)))
        self.declarations = DeclarationPipeline(SETTINGS, holder, lists, self.publisher, selections, links)  # type: ignore[arg-type]
        self.containers = ContainerPipeline(SETTINGS, lists, self.publisher, selections, links)  # type: ignore[arg-type]
        self._offset = 0

    def declare(self, *documents: dict[str, Any]) -> None:
        asyncio.run(self.declarations.handle(self._records(documents, "declaration_id")))  # type: ignore[arg-type]

    def event(self, *documents: dict[str, Any]) -> None:
        asyncio.run(self.containers.handle(self._records(documents, "event_id")))  # type: ignore[arg-type]

    def decisions(self) -> list[Decision]:
        return [
            Decision.model_validate_json(m.value or b"")
            for m in self.publisher.messages
            if m.topic == SETTINGS.kafka.topic("decisions")
        ]

    def links_topic(self) -> list[FakeRecord]:
        """What this process wrote to `links`, as a restarted process reads it back."""
        return [
            FakeRecord(m.key, m.value, offset=n, timestamp=int(time.time() * 1000))
            for n, m in enumerate(m for m in self.publisher.messages if m.topic == SETTINGS.kafka.topic("links"))
        ]

    def _records(self, documents: tuple[dict[str, Any], ...], id_field: str) -> list[FakeRecord]:
        records = []
        for document in documents:
            self._offset += 1
            records.append(FakeRecord(str(document[id_field]).encode(), orjson.dumps(document), self._offset))
        return records


def declaration(declaration_id: str, *boxes: str, hs6_code: str = "440890") -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    document["declaration_id"] = declaration_id
    document["items"][0]["hs6_code"] = hs6_code
    document["transport"] = {"vessel_imo": "9074729", "container_numbers": list(boxes)}
    return document


def seals_changed(event_id: str, box: str) -> dict[str, Any]:
    return container(
        event_id=event_id, container_number=box, seal_numbers=["CN7654321"], previous_seal_numbers=["CN1234567"]
    )


def linked(decision: Decision) -> list[str]:
    return [reason.text for reason in decision.reasons if reason.kind is ReasonKind.LINK]


def latest(decisions: list[Decision], subject_id: str) -> Decision:
    return [d for d in decisions if d.subject_id == subject_id][-1]


@pytest.fixture
def lists() -> ListState:
    return lists_with(("rule", "R-ARMS", ARMS_RULE))


def test_a_declaration_after_a_seal_change_of_its_box_gets_the_event_as_a_reason_and_a_restart_keeps_it(
    models: tuple[RiskModel, RiskModel],  # noqa: F811
    lists: ListState,
) -> None:
    first = Scoring(models[0], lists, LinkView(SETTINGS.kafka.topic("links")))
    first.event(seals_changed("EV-SEAL-1", SEALED_BOX))
    # A restart: a new process, whose view is rebuilt from the topic alone.
    rebuilt = LinkView(SETTINGS.kafka.topic("links"))
    rebuilt.apply(first.links_topic())  # type: ignore[arg-type]
    second = Scoring(models[0], lists, rebuilt)
    second.declare(declaration("D-LINKED", SEALED_BOX), declaration("D-UNRELATED", OTHER_BOX))

    decisions = {d.subject_id: d for d in second.decisions()}
    assert linked(decisions["D-LINKED"]) == [
        f"container {SEALED_BOX}: seals changed since the previous event (were CN1234567, now CN7654321) "
        "at CNSHA on 2026-03-01 (container event EV-SEAL-1)"
    ]
    assert decisions["D-LINKED"].lane in (Lane.YELLOW, Lane.RED)
    assert linked(decisions["D-UNRELATED"]) == []


def test_a_seal_change_after_the_declaration_re_decides_it_and_a_red_declaration_gets_its_box_scanned(
    models: tuple[RiskModel, RiskModel],  # noqa: F811
    lists: ListState,
) -> None:
    first = Scoring(models[0], lists, LinkView(SETTINGS.kafka.topic("links")))
    first.declare(
        declaration("D-FIRST", SEALED_BOX, OTHER_BOX),
        declaration("D-ARMS", RED_BOX, hs6_code="930200"),
        declaration("D-ELSEWHERE", OTHER_BOX),
    )
    before = {d.subject_id: d for d in first.decisions()}
    assert [linked(d) for d in before.values()] == [[], [], []]
    assert before["D-ARMS"].lane is Lane.RED
    rebuilt = LinkView(SETTINGS.kafka.topic("links"))
    rebuilt.apply(first.links_topic())  # type: ignore[arg-type]
    second = Scoring(models[0], lists, rebuilt)

    second.event(seals_changed("EV-SEAL-2", SEALED_BOX), container(event_id="EV-CLEAN-3", container_number=RED_BOX))
    after = second.decisions()
    again = latest(after, "D-FIRST")
    assert linked(again) == [
        f"container {SEALED_BOX}: seals changed since the previous event (were CN1234567, now CN7654321) "
        "at CNSHA on 2026-03-01 (container event EV-SEAL-2)"
    ]
    assert again.lane in (Lane.YELLOW, Lane.RED)
    assert again.content_digest != before["D-FIRST"].content_digest  # the gateway stores it as the next version
    assert [r.text for r in again.reasons if r.kind is not ReasonKind.LINK] == [
        r.text for r in before["D-FIRST"].reasons
    ]
    assert {d.subject_id for d in after} == {"D-FIRST", "EV-SEAL-2", "EV-CLEAN-3"}  # D-ELSEWHERE: not this box
    scanned = latest(after, "EV-CLEAN-3")
    assert scanned.lane is Lane.YELLOW
    assert linked(scanned) == [
        f"container {RED_BOX} is covered by declaration D-ARMS, which scoring sent to red (physical examination)"
    ]

    # The same event again (a redelivery) re-decides nothing; a further one adds only itself.
    second.event(seals_changed("EV-SEAL-2", SEALED_BOX))
    assert [d.subject_id for d in second.decisions()].count("D-FIRST") == 1
    second.event(seals_changed("EV-SEAL-4", SEALED_BOX))
    assert len(linked(latest(second.decisions(), "D-FIRST"))) == 2

    # Another restart: the redelivery still re-decides nothing (what each decision names is on the topic too).
    third_view = LinkView(SETTINGS.kafka.topic("links"))
    third_view.apply([*first.links_topic(), *second.links_topic()])  # type: ignore[list-item]
    third = Scoring(models[0], lists, third_view)
    third.event(seals_changed("EV-SEAL-4", SEALED_BOX))
    assert [d.subject_id for d in third.decisions()] == ["EV-SEAL-4"]


def test_the_window_forgets_old_facts() -> None:
    view = LinkView("links", window_s=3600)
    view.apply(
        [
            FakeRecord(
                b"container:MSCU1234566/event:OLD",
                orjson.dumps({"event_time": "2026-01-01T00:00:00+00:00", "location": "CNSHA", "reasons": []}),
                timestamp=0,
            )
        ]  # type: ignore[list-item]
    )
    assert view.facts("container:MSCU1234566") == []
    assert len(view) == 0


def test_a_declaration_naming_only_the_transport_document_of_a_box_gets_its_facts(
    models: tuple[RiskModel, RiskModel],  # noqa: F811
    lists: ListState,
) -> None:
    scoring = Scoring(models[0], lists, LinkView(SETTINGS.kafka.topic("links")))
    master = declaration("D-MASTER", SEALED_BOX)
    master["transport"]["transport_document"] = "MSCUBL0001"
    scoring.declare(master)
    scoring.event(seals_changed("EV-SEAL-5", SEALED_BOX))
    house = declaration("D-HOUSE")
    house["transport"] = {"transport_document": "MSCUBL0001"}
    other = declaration("D-OTHER-DOCUMENT")
    other["transport"] = {"transport_document": "MSCUBL0002"}
    scoring.declare(house, other)

    assert linked(latest(scoring.decisions(), "D-HOUSE")) == [
        f"container {SEALED_BOX}: seals changed since the previous event (were CN1234567, now CN7654321) "
        "at CNSHA on 2026-03-01 (container event EV-SEAL-5)"
    ]
    assert linked(latest(scoring.decisions(), "D-OTHER-DOCUMENT")) == []


def test_a_declaration_decided_by_this_process_is_re_decided_from_its_decision_before_and_after_it_comes_back(
    models: tuple[RiskModel, RiskModel],  # noqa: F811
    lists: ListState,
) -> None:
    # The replica's own covering declaration is kept as published until its record comes back through the follower.
    view = LinkView(SETTINGS.kafka.topic("links"))
    scoring = Scoring(models[0], lists, view)
    scoring.declare(declaration("D-OWN", SEALED_BOX), declaration("D-BACK", SEALED_BOX))
    published = {d.subject_id: d for d in scoring.decisions()}
    view.apply([r for r in scoring.links_topic() if r.key == b"declaration:D-BACK"])  # type: ignore[arg-type]
    coverings = {c.declaration_id: c for c in view.covering(SEALED_BOX)}
    own, back = coverings["D-OWN"], coverings["D-BACK"]
    assert Decision.model_validate_json(own.decision) == published["D-OWN"]
    assert Decision.model_validate_json(back.decision) == published["D-BACK"]
    assert len(back.packed) < len(back.decision)  # kept deflated once read back

    scoring.event(seals_changed("EV-SEAL-6", SEALED_BOX))
    for subject_id in ("D-OWN", "D-BACK"):
        again = latest(scoring.decisions(), subject_id)
        assert len(linked(again)) == 1
        assert [r.text for r in again.reasons if r.kind is not ReasonKind.LINK] == [
            r.text for r in published[subject_id].reasons
        ]
