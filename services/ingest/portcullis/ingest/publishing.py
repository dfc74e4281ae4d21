"""Reading a submission (one item or a batch), validating it whole, and publishing it keyed by subject id."""

from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, TypeAdapter, ValidationError

from portcullis.shared.http import FieldError, field_errors, loads_strict
from portcullis.shared.kafka import Message

Item = TypeVar("Item", bound=BaseModel)
T = TypeVar("T")


class InvalidSubmissionError(Exception):
    """The body is not acceptable; nothing of it is published."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors)
        self.errors = errors


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing with 413 as soon as it exceeds `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_submission(body: bytes, model: type[Item], max_batch: int, key: Callable[[Item], str]) -> list[Item]:
    """One object or a list of 1..max_batch objects, each valid, with no id twice; else InvalidSubmissionError."""
    try:
        document = loads_strict(body)  # a key twice in one object is refused, not resolved
    except ValueError as error:
        reason = str(error) if str(error).startswith("invalid JSON") else f"invalid JSON: {error}"
        raise InvalidSubmissionError([FieldError(field="body", reason=reason)]) from error
    if isinstance(document, list):
        if not document:
            raise InvalidSubmissionError([FieldError(field="body", reason="an empty batch")])
        if len(document) > max_batch:
            raise InvalidSubmissionError(
                [FieldError(field="body", reason=f"a batch holds at most {max_batch} items, got {len(document)}")]
            )
        adapter: TypeAdapter[list[Item]] = _list_adapter(model)
        items = _validate(adapter, document)
    elif isinstance(document, dict):
        items = [_validate(_single_adapter(model), document)]
    else:
        raise InvalidSubmissionError([FieldError(field="body", reason="expected a JSON object or an array of objects")])
    seen: dict[str, int] = {}
    duplicates = []
    for index, item in enumerate(items):
        item_key = key(item)
        if item_key in seen:
            duplicates.append(FieldError(field=f"{index}", reason=f"id {item_key!r} also at index {seen[item_key]}"))
        seen.setdefault(item_key, index)
    if duplicates:
        raise InvalidSubmissionError(duplicates)
    return items


_ADAPTERS: dict[type[BaseModel], TypeAdapter[list[BaseModel]]] = {}


def _list_adapter(model: type[Item]) -> TypeAdapter[list[Item]]:
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return _ADAPTERS[model]  # type: ignore[return-value]


_SINGLE_ADAPTERS: dict[type[BaseModel], TypeAdapter[BaseModel]] = {}


def _single_adapter(model: type[Item]) -> TypeAdapter[Item]:
    # Building an adapter compiles the schema (milliseconds): once per model, never per request.
    if model not in _SINGLE_ADAPTERS:
        _SINGLE_ADAPTERS[model] = TypeAdapter(model)
    return _SINGLE_ADAPTERS[model]  # type: ignore[return-value]


def _validate(adapter: TypeAdapter[T], document: object) -> T:
    try:
        return adapter.validate_python(document)
    except ValidationError as error:
        raise InvalidSubmissionError(field_errors(error.errors())) from error


def to_messages(items: list[Item], topic: str, key: Callable[[Item], str]) -> list[Message]:
    """Kafka messages keyed by subject id, so one subject stays on one partition and in order."""
    return [Message(topic=topic, key=key(item).encode(), value=item.model_dump_json().encode()) for item in items]
