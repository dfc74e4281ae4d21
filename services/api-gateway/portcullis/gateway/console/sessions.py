"""Console sessions: an API key exchanged for an opaque session id (the cookie), with a CSRF token per session.

Sessions live in this process's memory: nothing of the key travels back to the browser, a revoked key ends its
sessions at once, and a restart signs everyone out. Behind several gateway replicas, route a browser to one replica
(sticky sessions) or it signs in again.
"""

import hmac
import secrets
import time
from dataclasses import dataclass, field

from portcullis.shared.auth import ApiKeyRecord, Role

#: Roles that have console pages, and the page each starts on (managers sign in with a reader key).
HOME: dict[Role, str] = {
    Role.INSPECTOR: "/console/queue",
    Role.SUPERVISOR: "/console/overrides",
    Role.ANALYST: "/console/search",
    Role.READER: "/console/performance",
}


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in browser: the key's record, the key itself (for calls to other services), its CSRF token."""

    session_id: str
    key: str
    record: ApiKeyRecord
    csrf_token: str
    expires_at: float

    @property
    def role(self) -> Role:
        """The key's role, which decides the pages."""
        return self.record.role


@dataclass
class SessionStore:
    """The console's sessions, bounded in number and lifetime."""

    lifetime_s: float
    max_sessions: int = 10_000
    _sessions: dict[str, ConsoleSession] = field(default_factory=dict)

    def open(self, key: str, record: ApiKeyRecord) -> ConsoleSession:
        """A new session for a verified key (the oldest sessions go when the store is full)."""
        self._forget_expired()
        while len(self._sessions) >= self.max_sessions:
            del self._sessions[next(iter(self._sessions))]
        session = ConsoleSession(
            session_id=secrets.token_urlsafe(32),
            key=key,
            record=record,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=time.monotonic() + self.lifetime_s,
        )
        self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str | None) -> ConsoleSession | None:
        """The live session of a cookie's id, or None."""
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires_at < time.monotonic():
            del self._sessions[session_id]
            return None
        return session

    def close(self, session_id: str | None) -> None:
        """Sign out."""
        if session_id:
            self._sessions.pop(session_id, None)

    def revoke(self, key_id: str) -> None:
        """End every session of a key (it was revoked or deleted)."""
        for session_id in [s.session_id for s in self._sessions.values() if s.record.key_id == key_id]:
            del self._sessions[session_id]

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for session_id in [s.session_id for s in self._sessions.values() if s.expires_at < now]:
            del self._sessions[session_id]


def same_token(expected: str, presented: str | None) -> bool:
    """Whether a form's CSRF token is the session's (constant time)."""
    return presented is not None and hmac.compare_digest(expected.encode(), presented.encode())
