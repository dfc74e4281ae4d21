"""API keys as a client meets them: 401 without a valid key, 403 for the wrong role, 429 past the rate."""

from datetime import UTC, datetime

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from portcullis.shared.auth import AuthSettings, Grant, KeyRing, Role, install_auth, new_key
from portcullis.shared.http import install_common


class _Record:
    def __init__(self, key: str, value: bytes | None) -> None:
        self.key = key.encode()
        self.value = value
        self.topic, self.partition, self.offset, self.timestamp, self.headers = "apikeys", 0, 0, 0, []


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing()


def _client(ring: KeyRing, burst: int = 100) -> TestClient:
    app = FastAPI()

    @app.get("/v1/decisions/{subject_id}")
    async def read(subject_id: str) -> dict[str, str]:
        return {"subject_id": subject_id}

    @app.post("/v1/decisions/{subject_id}/outcome")
    async def outcome(subject_id: str) -> dict[str, str]:
        return {"subject_id": subject_id}

    @app.get("/v1/unlisted")
    async def unlisted() -> dict[str, str]:
        return {}

    grants = [
        Grant("/v1/decisions/{subject_id}/outcome", frozenset({Role.INSPECTOR}), frozenset({"POST"})),
        Grant("/v1/decisions", frozenset({Role.READER, Role.INSPECTOR}), frozenset({"GET"})),
    ]

    async def ready() -> dict[str, bool]:
        return {"ok": True}

    install_auth(app, "test", grants, lambda: ring, AuthSettings(requests_per_second=1, burst=burst))
    install_common(app, "test", ready)
    return TestClient(app)


def _key(ring: KeyRing, role: Role) -> str:
    key, record = new_key(f"{role}-key", role)
    ring.add(record)
    return key


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_health_metrics_and_docs_need_no_key(ring: KeyRing) -> None:
    client = _client(ring)
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic abc", "Bearer pck_000000000000_wrong"])
def test_no_or_a_bad_key_gets_401(ring: KeyRing, header: str | None) -> None:
    _key(ring, Role.READER)
    response = _client(ring).get("/v1/decisions/D1", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_with_a_wrong_secret_gets_401(ring: KeyRing) -> None:
    key = _key(ring, Role.READER)
    assert _client(ring).get("/v1/decisions/D1", headers=_bearer(key[:-2] + "xx")).status_code == 401


def test_each_role_does_only_its_job(ring: KeyRing) -> None:
    client = _client(ring)
    reader, inspector, submitter = _key(ring, Role.READER), _key(ring, Role.INSPECTOR), _key(ring, Role.SUBMITTER)
    assert client.get("/v1/decisions/D1", headers=_bearer(reader)).status_code == 200
    assert client.post("/v1/decisions/D1/outcome", headers=_bearer(reader)).status_code == 403
    assert client.post("/v1/decisions/D1/outcome", headers=_bearer(inspector)).status_code == 200
    assert client.get("/v1/decisions/D1", headers=_bearer(submitter)).status_code == 403
    # A route nobody was granted is refused to everybody.
    assert client.get("/v1/unlisted", headers=_bearer(reader)).status_code == 403


def test_a_revoked_key_stops_working(ring: KeyRing) -> None:
    key, record = new_key("temporary", Role.READER)
    ring.apply([_Record(record.key_id, orjson.dumps(record.model_dump(mode="json")))])
    client = _client(ring)
    assert client.get("/v1/decisions/D1", headers=_bearer(key)).status_code == 200
    revoked = record.model_copy(update={"revoked_at": datetime.now(UTC)})
    ring.apply([_Record(record.key_id, orjson.dumps(revoked.model_dump(mode="json")))])
    assert client.get("/v1/decisions/D1", headers=_bearer(key)).status_code == 401


def test_past_the_rate_limit_a_key_gets_429_with_retry_after(ring: KeyRing) -> None:
    client = _client(ring, burst=3)
    key, other = _key(ring, Role.READER), _key(ring, Role.READER)
    statuses = [client.get("/v1/decisions/D1", headers=_bearer(key)).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    limited = client.get("/v1/decisions/D1", headers=_bearer(key))
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/v1/decisions/D1", headers=_bearer(other)).status_code == 200  # limits are per key


def test_the_store_holds_no_key(ring: KeyRing) -> None:
    key, record = new_key("x", Role.ADMIN)
    secret = key.split("_", 2)[2]  # pck_<id>_<secret>; the secret itself may hold "_" (URL-safe base64)
    assert len(secret) >= 32
    assert secret not in record.model_dump_json()


def test_openapi_documents_the_bearer_scheme_and_roles(ring: KeyRing) -> None:
    schema = _client(ring).get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    operation = schema["paths"]["/v1/decisions/{subject_id}/outcome"]["post"]
    assert operation["security"] == [{"apiKey": []}]
    assert "inspector" in operation["description"]


def test_routes_of_included_routers_are_protected_too(ring: KeyRing) -> None:
    from fastapi import APIRouter

    app = FastAPI()
    router = APIRouter(prefix="/v1/rules")

    @router.get("/{rule_id}")
    async def rule(rule_id: str) -> dict[str, str]:
        return {"rule_id": rule_id}

    app.include_router(router)
    install_auth(app, "test", [Grant("/v1/rules", frozenset({Role.ANALYST}))], lambda: ring, AuthSettings())
    client = TestClient(app)
    assert client.get("/v1/rules/r1").status_code == 401
    assert client.get("/v1/rules/r1", headers=_bearer(_key(ring, Role.READER))).status_code == 403
    assert client.get("/v1/rules/r1", headers=_bearer(_key(ring, Role.ANALYST))).status_code == 200


def test_a_key_whose_latest_record_cannot_be_read_is_no_longer_valid_and_later_records_still_apply() -> None:
    keys = KeyRing()
    key, record = new_key("app", Role.READER)
    other, other_record = new_key("other", Role.READER)
    keys.apply([_Record(record.key_id, orjson.dumps(record.model_dump(mode="json")))])
    assert keys.verify(key) is not None
    keys.apply(
        [
            _Record(record.key_id, b'{"not": "a key record"}'),  # fails closed: the key goes
            _Record(other_record.key_id, orjson.dumps(other_record.model_dump(mode="json"))),
        ]
    )
    assert keys.verify(key) is None
    assert keys.verify(other) is not None


class _AcknowledgingPublisher:
    """Stands in for Kafka's acknowledgement; what it was given is kept, and nothing reaches the key ring by it."""

    def __init__(self) -> None:
        self.published: list[object] = []

    async def publish(self, messages: list[object]) -> None:
        self.published.extend(messages)


def test_the_service_that_revokes_a_key_refuses_it_at_once() -> None:
    # The key ring follows the apikeys topic; the revoking service must not wait for its own record to come back.
    from portcullis.shared.auth.routes import router as keys_router

    ring = KeyRing()
    app = FastAPI()
    app.include_router(keys_router)
    app.state.keys_publisher = _AcknowledgingPublisher()
    app.state.keys_topic = "apikeys"
    app.state.keyring = ring
    grants = [Grant("/v1/keys", frozenset({Role.ADMIN}), frozenset({"GET", "POST", "DELETE"}))]

    async def ready() -> dict[str, bool]:
        return {"ok": True}

    install_auth(app, "test", grants, lambda: ring, AuthSettings())
    install_common(app, "test", ready)
    client = TestClient(app)
    admin = _bearer(_key(ring, Role.ADMIN))
    created = client.post("/v1/keys", json={"name": "tablet", "role": "admin"}, headers=admin)
    assert created.status_code == 201
    tablet = _bearer(created.json()["key"])
    assert client.get("/v1/keys", headers=tablet).status_code == 200
    assert client.delete(f"/v1/keys/{created.json()['record']['key_id']}", headers=admin).status_code == 204
    assert client.get("/v1/keys", headers=tablet).status_code == 401
    assert len(app.state.keys_publisher.published) == 2  # the key and its revocation, for the other services
