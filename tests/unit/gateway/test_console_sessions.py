"""Console sessions: opaque ids, a CSRF token each, expiry, revocation with the key, a bounded store."""

import time
from datetime import UTC, datetime

from portcullis.gateway.console.sessions import SessionStore, same_token
from portcullis.shared.auth import ApiKeyRecord, Role


def record(key_id: str) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=key_id, name="console-test", role=Role.INSPECTOR, secret_sha256="0" * 64, created_at=datetime.now(UTC)
    )


def test_a_session_is_found_by_its_id_only_and_carries_its_own_csrf_token() -> None:
    store = SessionStore(lifetime_s=60)
    first = store.open("pck_aaaaaaaaaaaa_secret", record("aaaaaaaaaaaa"))
    second = store.open("pck_aaaaaaaaaaaa_secret", record("aaaaaaaaaaaa"))
    assert store.get(first.session_id) is first
    assert first.session_id != second.session_id
    assert first.csrf_token != second.csrf_token
    assert "secret" not in first.session_id
    assert store.get("guessed") is None
    assert store.get(None) is None
    assert same_token(first.csrf_token, first.csrf_token)
    assert not same_token(first.csrf_token, second.csrf_token)
    assert not same_token(first.csrf_token, None)


def test_sessions_end_when_they_expire_when_signed_out_and_when_their_key_is_revoked() -> None:
    store = SessionStore(lifetime_s=0.05)
    expiring = store.open("k", record("aaaaaaaaaaaa"))
    time.sleep(0.06)
    assert store.get(expiring.session_id) is None

    store = SessionStore(lifetime_s=60)
    revoked = store.open("k", record("aaaaaaaaaaaa"))
    other = store.open("k", record("bbbbbbbbbbbb"))
    store.revoke("aaaaaaaaaaaa")
    assert store.get(revoked.session_id) is None
    assert store.get(other.session_id) is other
    store.close(other.session_id)
    assert store.get(other.session_id) is None


def test_the_store_keeps_at_most_its_bound_the_oldest_going_first() -> None:
    store = SessionStore(lifetime_s=60, max_sessions=3)
    sessions = [store.open("k", record(f"{n:012d}")) for n in range(5)]
    assert [store.get(s.session_id) is not None for s in sessions] == [False, False, True, True, True]
