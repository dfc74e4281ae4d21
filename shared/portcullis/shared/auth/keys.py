"""API keys: roles, how keys look, how they are stored (hashed), and the in-memory key ring every service holds."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from enum import StrEnum

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from portcullis.shared.kafka.consumer import Record
from portcullis.shared.kafka.follower import CompactedTopicFollower
from portcullis.shared.logging import get_logger
from portcullis.shared.settings import KafkaSettings

log = get_logger(__name__)

KEY_PREFIX = "pck"
#: Compared against when the key id is unknown, so that a miss costs what a wrong secret costs.
_NO_DIGEST = "0" * 64


class Role(StrEnum):
    """What a key may do; each key has exactly one role."""

    SUBMITTER = "submitter"  # post declarations, passengers, containers to ingest
    READER = "reader"  # read decisions and statistics
    INSPECTOR = "inspector"  # report inspection outcomes
    SUPERVISOR = "supervisor"  # override lanes (re-route a decided subject), with a reason
    ANALYST = "analyst"  # maintain watchlists and rules
    ADMIN = "admin"  # manage keys


class ApiKeyRecord(BaseModel):
    """A key as stored and published: never the key itself, only the SHA-256 of its secret part."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_id: str = Field(pattern=r"^[a-f0-9]{12}$")
    name: str = Field(min_length=1, max_length=80, description="Who or what uses it, e.g. `port-of-busan-pcs`")
    role: Role
    office_id: str | None = Field(
        default=None, max_length=64, description="The customs office the key works for (inspectors' queues)"
    )
    secret_sha256: str = Field(pattern=r"^[a-f0-9]{64}$")
    created_at: AwareDatetime
    revoked_at: AwareDatetime | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(name: str, role: Role, office_id: str | None = None) -> tuple[str, ApiKeyRecord]:
    """A new key (`pck_<id>_<secret>`, shown once) and the record to store.

    The secret has 256 bits of entropy, so a plain SHA-256 is a sound verifier (a slow password hash guards
    low-entropy secrets, which these are not) and keeps every request's check in microseconds.
    """
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    record = ApiKeyRecord(
        key_id=key_id,
        name=name,
        role=role,
        office_id=office_id,
        secret_sha256=_digest(secret),
        created_at=datetime.now(UTC),
    )
    return f"{KEY_PREFIX}_{key_id}_{secret}", record


class KeyRing:
    """The keys a service accepts, kept in step with the `apikeys` topic."""

    def __init__(self) -> None:
        self._records: dict[str, ApiKeyRecord] = {}
        self._on_removed: list[Callable[[str], None]] = []

    def on_removed(self, callback: Callable[[str], None]) -> None:
        """Call `callback(key_id)` whenever a key is revoked or deleted (to end what it holds open)."""
        self._on_removed.append(callback)

    def apply(self, records: list[Record]) -> None:
        """Apply records of the `apikeys` topic (a tombstone or a revoked record removes the key)."""
        for record in records:
            key_id = (record.key or b"").decode()
            if record.value is None:
                self._remove(key_id)
                continue
            try:
                stored = ApiKeyRecord.model_validate(orjson.loads(record.value))
            except ValueError:  # not JSON (orjson's error is a ValueError), or not a key record (ValidationError)
                # Fail closed: a key whose latest record cannot be read is no longer valid.
                log.error("api_key_record_unreadable", key_id=key_id[:40], offset=record.offset)
                self._remove(key_id)
                continue
            if stored.revoked_at is not None:
                self._remove(stored.key_id)
            else:
                self._records[stored.key_id] = stored

    def _remove(self, key_id: str) -> None:
        if self._records.pop(key_id, None) is not None:
            for callback in self._on_removed:
                callback(key_id)

    def add(self, record: ApiKeyRecord) -> None:
        """Accept a key directly (tests, bootstrap, the service that created it)."""
        self._records[record.key_id] = record

    def revoke(self, key_id: str) -> None:
        """Drop a key directly (the service that revoked it: refused there at once, elsewhere once the topic says)."""
        self._remove(key_id)

    def verify(self, presented: str) -> ApiKeyRecord | None:
        """The record of a valid, unrevoked key, or None."""
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != KEY_PREFIX:
            return None
        record = self._records.get(parts[1])
        # Constant time in the secret, and the same work whether or not the key id exists.
        expected = record.secret_sha256 if record is not None else _NO_DIGEST
        if not hmac.compare_digest(expected, _digest(parts[2])) or record is None:
            return None
        return record

    def records(self) -> list[ApiKeyRecord]:
        """The active keys' records, oldest first."""
        return sorted(self._records.values(), key=lambda record: record.created_at)

    def get(self, key_id: str) -> ApiKeyRecord | None:
        """An active key's record."""
        return self._records.get(key_id)

    def __len__(self) -> int:
        return len(self._records)


async def open_keyring(stack: AsyncExitStack, kafka: KafkaSettings) -> tuple[KeyRing, CompactedTopicFollower]:
    """A key ring that follows the `apikeys` topic for as long as the stack is open (a service's lifespan)."""
    keyring = KeyRing()

    async def apply(records: list[Record], _live: bool) -> None:
        keyring.apply(records)

    follower = CompactedTopicFollower(kafka, "apikeys", apply)
    follower.start()
    stack.push_async_callback(follower.close)
    return keyring, follower
