"""Keys under attack: one Authorization header only, failed authentications limited per client address, the
secret compared in constant time, revocations announced, JSON bodies with a key twice refused."""

import hmac
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from portcullis.shared.auth import AuthSettings, Grant, KeyRing, Role, install_auth, new_key
from portcullis.shared.http import install_common


class _Record:
    def __init__(self, key: str, value: bytes | None) -> None:
        self.key = key.encode()
        self.value = value
        self.topic, self.partition, self.offset, self.timestamp, self.headers = "apikeys", 0, 0, 0, []


class Outcome(BaseModel):
    inspected: bool
    officer_id: str


def _client(ring: KeyRing, failed_limit: int = 100, address: str = "203.0.113.7") -> TestClient:
    app = FastAPI()

    @app.get("/v1/decisions/{subject_id}")
    async def read(subject_id: str) -> dict[str, str]:
        return {"subject_id": subject_id}

    @app.post("/v1/decisions/{subject_id}/outcome")
    async def outcome(subject_id: str, report: Outcome) -> dict[str, Any]:
        return report.model_dump()

    grants = [Grant("/v1/decisions", frozenset({Role.INSPECTOR}))]

    async def ready() -> dict[str, bool]:
        return {"ok": True}

    settings = AuthSettings(failed_limit=failed_limit, failed_window_s=60)
    install_auth(app, "test", grants, lambda: ring, settings)
    install_common(app, "test", ready)
    return TestClient(app, client=(address, 50000))


def _key(ring: KeyRing, role: Role = Role.INSPECTOR) -> tuple[str, str]:
    key, record = new_key(f"{role}-key", role)
    ring.add(record)
    return key, record.key_id


def test_two_authorization_headers_are_refused_even_when_the_first_is_valid() -> None:
    ring = KeyRing()
    valid, _ = _key(ring)
    other, _ = _key(ring)
    client = _client(ring)
    assert client.get("/v1/decisions/D1", headers={"Authorization": f"Bearer {valid}"}).status_code == 200
    for second in (f"Bearer {other}", "Bearer pck_0123456789ab_forged", f"Bearer {valid}"):
        answer = client.get(
            "/v1/decisions/D1", headers=[("Authorization", f"Bearer {valid}"), ("Authorization", second)]
        )
        assert answer.status_code == 401
        assert answer.json() == {"detail": "send exactly one Authorization header"}


def test_failed_authentications_of_an_address_get_429_with_retry_after_while_valid_keys_go_on() -> None:
    ring = KeyRing()
    valid, _ = _key(ring)
    attacker = _client(ring, failed_limit=5)
    statuses = [
        attacker.get("/v1/decisions/D1", headers={"Authorization": f"Bearer pck_0123456789ab_guess{n}"}).status_code
        for n in range(8)
    ]
    assert statuses == [401] * 5 + [429] * 3
    refused = attacker.get("/v1/decisions/D1")  # no key at all counts as a failure too
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json() == {"detail": "too many failed authentications"}
    # The same address with a valid key, and another address, are not held back.
    assert attacker.get("/v1/decisions/D1", headers={"Authorization": f"Bearer {valid}"}).status_code == 200
    other = _client(ring, failed_limit=5, address="198.51.100.9")
    assert other.get("/v1/decisions/D1").status_code == 401


def test_an_unknown_key_id_costs_the_same_comparison_as_a_wrong_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = KeyRing()
    valid, key_id = _key(ring)
    compared: list[tuple[str, str]] = []
    original = hmac.compare_digest

    def counting(a: str, b: str) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    assert ring.verify(valid) is not None
    assert ring.verify(f"pck_{key_id}_wrong-secret") is None
    assert ring.verify("pck_ffffffffffff_wrong-secret") is None  # no such key id: compared all the same
    assert len(compared) == 3
    assert all(len(a) == len(b) == 64 for a, b in compared)


def test_the_key_ring_announces_revoked_and_deleted_keys_once() -> None:
    ring = KeyRing()
    _, first = _key(ring)
    _, second = _key(ring)
    removed: list[str] = []
    ring.on_removed(removed.append)
    record = ring.get(first)
    assert record is not None
    revoked = record.model_copy(update={"revoked_at": datetime.now(UTC)})
    ring.apply([_Record(first, orjson.dumps(revoked.model_dump(mode="json")))])  # type: ignore[list-item]
    ring.apply([_Record(first, None), _Record(second, None)])  # type: ignore[list-item]
    assert removed == [first, second]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b'{"inspected": false, "officer_id": "OFF-1", "inspected": true}', "inspected"),
        (b'{"inspected": true, "officer_id": "OFF-1", "extra": {"a": 1, "a": 2}}', "a"),
        (b'[{"x": 1}, {"x": 1, "x": 2}]', "x"),
    ],
)
def test_a_json_body_with_a_key_twice_is_refused_with_422(body: bytes, key: str) -> None:
    ring = KeyRing()
    valid, _ = _key(ring)
    client = _client(ring)
    headers = {"Authorization": f"Bearer {valid}", "Content-Type": "application/json"}
    answer = client.post("/v1/decisions/D1/outcome", content=body, headers=headers)
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": [{"field": "body", "reason": f"invalid JSON: the key '{key}' appears twice in one object"}]
    }
    fine = client.post("/v1/decisions/D1/outcome", content=b'{"inspected": true, "officer_id": "O"}', headers=headers)
    assert fine.status_code == 200
    assert fine.json() == {"inspected": True, "officer_id": "O"}
