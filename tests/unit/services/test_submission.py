"""Reading a submission: one or a batch, all valid or nothing, no id twice, keyed by subject id."""

import orjson
import pytest

from portcullis.ingest.publishing import InvalidSubmissionError, parse_submission, to_messages
from portcullis.shared.schemas import Declaration

EXAMPLE = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _key(declaration: Declaration) -> str:
    return declaration.declaration_id


def _with_id(declaration_id: str) -> dict[str, object]:
    return {**EXAMPLE, "declaration_id": declaration_id}


def test_one_object_and_a_batch_both_parse() -> None:
    assert [d.declaration_id for d in parse_submission(orjson.dumps(EXAMPLE), Declaration, 10, _key)] == ["97061800"]
    batch = [_with_id(str(n)) for n in range(5)]
    assert len(parse_submission(orjson.dumps(batch), Declaration, 10, _key)) == 5


@pytest.mark.parametrize(
    ("body", "field", "reason_part"),
    [
        (b"[]", "body", "empty batch"),
        (b'"text"', "body", "JSON object or an array"),
        (orjson.dumps([_with_id(str(n)) for n in range(11)]), "body", "at most 10"),
        (orjson.dumps([_with_id("A"), _with_id("B"), _with_id("A")]), "2", "also at index 0"),
        (orjson.dumps([_with_id("A"), {**EXAMPLE, "items": []}]), "1.items", "at least 1"),
        (orjson.dumps({**EXAMPLE, "unexpected": 1}), "unexpected", "not permitted"),
    ],
)
def test_a_bad_submission_names_the_field(body: bytes, field: str, reason_part: str) -> None:
    with pytest.raises(InvalidSubmissionError) as raised:
        parse_submission(body, Declaration, 10, _key)
    assert any(e.field == field and reason_part in e.reason for e in raised.value.errors), raised.value.errors


def test_messages_are_keyed_by_declaration_id_and_carry_the_validated_document() -> None:
    declarations = parse_submission(orjson.dumps([_with_id("X1"), _with_id("X2")]), Declaration, 10, _key)
    messages = to_messages(declarations, "declarations", _key)
    assert [m.key for m in messages] == [b"X1", b"X2"]
    assert Declaration.model_validate_json(messages[0].value) == declarations[0]
