"""Ingest reads submissions strictly: a key twice in one object (which a proxy may read one way and the service
another) and NaN or Infinity are refused, naming the body."""

import orjson
import pytest

from portcullis.ingest.publishing import InvalidSubmissionError, parse_submission
from portcullis.shared.schemas import Declaration

EXAMPLE = Declaration.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _key(declaration: Declaration) -> str:
    return declaration.declaration_id


def _twice(body: bytes, field: str, first: str, second: str) -> bytes:
    """The body with `field` given a second time, after the first, in the first object that has it."""
    needle = f'"{field}":"{first}"'.encode()
    assert needle in body
    return body.replace(needle, needle + f',"{field}":"{second}"'.encode(), 1)


@pytest.mark.parametrize("batch", [False, True])
def test_a_key_twice_in_a_declaration_is_refused(batch: bool) -> None:
    document = [EXAMPLE, {**EXAMPLE, "declaration_id": "2"}] if batch else EXAMPLE
    body = _twice(orjson.dumps(document), "importer_id", EXAMPLE["importer_id"], "SOMEONE-ELSE")
    with pytest.raises(InvalidSubmissionError) as raised:
        parse_submission(body, Declaration, 10, _key)
    [error] = raised.value.errors
    assert error.field == "body"
    assert error.reason == "invalid JSON: the key 'importer_id' appears twice in one object"


def test_a_key_twice_in_an_item_is_refused() -> None:
    body = _twice(orjson.dumps(EXAMPLE), "hs6_code", EXAMPLE["items"][0]["hs6_code"], "010121")
    with pytest.raises(InvalidSubmissionError, match="hs6_code"):
        parse_submission(body, Declaration, 10, _key)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(constant: bytes) -> None:
    body = orjson.dumps(EXAMPLE).replace(b'"tax_rate":', b'"tax_rate":' + constant + b',"x":', 1)
    with pytest.raises(InvalidSubmissionError) as raised:
        parse_submission(body, Declaration, 10, _key)
    assert raised.value.errors[0].field == "body"
    assert "invalid JSON" in raised.value.errors[0].reason


def test_a_plain_submission_still_parses() -> None:
    assert [d.declaration_id for d in parse_submission(orjson.dumps(EXAMPLE), Declaration, 10, _key)] == ["97061800"]
