"""Schema evolution on the real broker: a newer ingest (declaration version 2) and an older scoring (version 1 only)
side by side during a rolling update. Scoring ignores the fields it does not know and decides the declaration; it
still dead-letters a record with a real fault. Ingest stays strict (its unit tests refuse unknown fields)."""

import json
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import BaseModel, ConfigDict, create_model

from portcullis.scoring.lists import ListState
from portcullis.scoring.metrics import UNKNOWN_FIELDS_IGNORED
from portcullis.scoring.models import ModelHolder
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.kafka import BatchConsumer, Message, Publisher
from portcullis.shared.schemas import Declaration, DeclarationItem
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic, wait_for

pytestmark = pytest.mark.integration

DOC = Path(__file__).resolve().parents[2] / "docs" / "wco-data-model.md"
V2_DECLARATION_FIELDS = {"parties", "transport"}
V2_ITEM_FIELDS = {
    "description", "quantity", "quantity_unit", "gross_mass_kg", "packages", "invoice_amount", "currency",
    "procedure_code", "documents",
}  # fmt: skip
_STRICT = ConfigDict(extra="forbid", frozen=True)


def _only(model: type[BaseModel], dropped: set[str], **replaced: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        name: (field.annotation, field) for name, field in model.model_fields.items() if name not in dropped
    }
    fields.update(replaced)
    return fields


# The classes a scoring built before version 2 decodes with: today's fields without the version-2 ones, strict.
ItemV1 = create_model("ItemV1", __config__=_STRICT, **_only(DeclarationItem, V2_ITEM_FIELDS))  # type: ignore[call-overload]
DeclarationV1 = create_model(  # type: ignore[call-overload]
    "DeclarationV1",
    __config__=_STRICT,
    **_only(Declaration, V2_DECLARATION_FIELDS, items=(list[ItemV1], Declaration.model_fields["items"])),
)


def _full_declaration(declaration_id: str) -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8").split("```json\n", 1)[1].split("\n```", 1)[0]
    document: dict[str, Any] = {**json.loads(text), "declaration_id": declaration_id}
    return document


async def test_a_version_2_declaration_is_decided_by_a_scoring_that_knows_only_version_1(
    kafka: KafkaSettings,
    model_registry: Path,
    sample_declarations: list[dict[str, object]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("portcullis.scoring.pipeline.Declaration", DeclarationV1)
    # A scoring of version 1 had no screening of version-2 parts either (its declarations have no such attributes).
    monkeypatch.setattr("portcullis.scoring.pipeline.has_parts_to_screen", lambda declaration: False)
    v2 = Declaration.model_validate(_full_declaration("V2-ROLLING-1"))
    assert v2.parties, "the example carries version-2 parts"
    assert v2.transport
    with pytest.raises(ValueError, match="Extra inputs"):
        DeclarationV1.model_validate_json(v2.model_dump_json())  # what a strict old scoring would have refused
    v1 = sample_declarations[0]
    broken = {**_full_declaration("V2-BROKEN-1"), "office_id": None}  # unknown fields and a real fault
    ignored_before = UNKNOWN_FIELDS_IGNORED.labels("DeclarationV1")._value.get()

    settings = ScoringSettings(kafka=kafka, model_registry=model_registry)
    models = ModelHolder(model_registry, None, None, Declaration.model_validate(v1))
    await models.refresh()
    publisher = Publisher(kafka)
    pipeline = DeclarationPipeline(settings, models, ListState(), publisher)
    topic = kafka.topic("declarations")
    consumer = BatchConsumer(kafka, [topic], f"evolution-{uuid.uuid4().hex[:8]}", pipeline.handle, publisher)
    consumer.start()
    try:
        # The bytes ingest publishes: the validated declaration's JSON (`publishing.py`), keyed by its id.
        await publisher.publish(
            [
                Message(topic, b"V2-ROLLING-1", v2.model_dump_json().encode()),
                Message(topic, str(v1["declaration_id"]).encode(), orjson.dumps(v1)),
                Message(topic, b"V2-BROKEN-1", orjson.dumps(broken)),
            ]
        )

        async def decided() -> dict[str, Any]:
            records = await read_topic(kafka, kafka.topic("decisions"), timeout_s=1.0)
            found = {orjson.loads(r.value)["subject_id"]: orjson.loads(r.value) for r in records}  # type: ignore[attr-defined]
            return found if len(found) >= 2 else {}

        decisions = await wait_for(decided, timeout_s=60, interval_s=0.5)
    finally:
        await consumer.close()
        await publisher.close()

    assert set(decisions) == {"V2-ROLLING-1", str(v1["declaration_id"])}
    assert decisions["V2-ROLLING-1"]["lane"] in {"green", "yellow", "red"}
    assert decisions["V2-ROLLING-1"]["attributes"]["importer_id"] == "NL812345678"
    dead = await read_topic(kafka, kafka.topic("declarations.dlq"))
    assert [orjson.loads(record.value)["declaration_id"] for record in dead] == ["V2-BROKEN-1"]  # type: ignore[attr-defined]
    assert "office_id" in dict(dead[0].headers)["reason"].decode()  # type: ignore[attr-defined]
    # parties and transport of the declaration, nine item fields on each of its two items
    assert UNKNOWN_FIELDS_IGNORED.labels("DeclarationV1")._value.get() - ignored_before == 2 + 2 * 9
