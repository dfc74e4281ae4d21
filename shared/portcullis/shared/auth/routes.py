"""The key administration API (role admin): create, list and revoke keys; served by the API gateway."""

from datetime import UTC, datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Body, HTTPException, Path, Request
from fastapi.openapi.models import Example
from pydantic import BaseModel, Field

from portcullis.shared.auth.keys import ApiKeyRecord, KeyRing, Role, new_key
from portcullis.shared.http import ErrorBody
from portcullis.shared.kafka import Message, Publisher

router = APIRouter(prefix="/v1/keys", tags=["api keys"])


class KeyRequest(BaseModel):
    """A key to create."""

    name: str = Field(min_length=1, max_length=80, pattern=r"^[\w.@:+-]+$", examples=["port-of-busan-pcs"])
    role: Role
    office_id: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[\w.-]+$", examples=["30"], description="Its office"
    )


KEY_REQUEST_EXAMPLES: dict[str, Example] = {
    "submitter": Example(
        summary="A port community system that submits declarations",
        value={"name": "port-of-busan-pcs", "role": "submitter"},
    ),
    "inspector": Example(
        summary="The inspection app of an office", value={"name": "inspection-app-office-30", "role": "inspector"}
    ),
}


class CreatedKey(BaseModel):
    """A new key: the only answer that ever shows it."""

    key: str
    record: ApiKeyRecord


async def _publish(request: Request, record: ApiKeyRecord) -> None:
    publisher: Publisher = request.app.state.keys_publisher
    topic: str = request.app.state.keys_topic
    # Unset fields left out: a key without an office reads the same to services of the release before offices.
    value = orjson.dumps(record.model_dump(mode="json", exclude_none=True))
    await publisher.publish([Message(topic, record.key_id.encode(), value)])


def _keyring(request: Request) -> KeyRing:
    keyring: KeyRing = request.app.state.keyring
    return keyring


@router.post("", status_code=201, response_model=CreatedKey, summary="Create a key (shown once)")
async def create_key(
    request: Request, body: Annotated[KeyRequest, Body(openapi_examples=KEY_REQUEST_EXAMPLES)]
) -> CreatedKey:
    key, record = new_key(body.name, body.role, body.office_id)
    await _publish(request, record)
    _keyring(request).add(record)  # usable here at once; other services follow the topic
    return CreatedKey(key=key, record=record)


@router.get("", response_model=list[ApiKeyRecord], summary="The active keys (hashes only)")
async def list_keys(request: Request) -> list[ApiKeyRecord]:
    return _keyring(request).records()


@router.delete("/{key_id}", status_code=204, responses={404: {"model": ErrorBody}}, summary="Revoke a key everywhere")
async def revoke_key(request: Request, key_id: Annotated[str, Path(pattern=r"^[a-f0-9]{12}$")]) -> None:
    record = _keyring(request).get(key_id)
    if record is None:
        raise HTTPException(404, f"no active key {key_id}")
    await _publish(request, record.model_copy(update={"revoked_at": datetime.now(UTC)}))
    _keyring(request).revoke(key_id)  # refused here at once (the follower would take a moment); others follow the topic
