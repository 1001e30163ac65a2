"""Server-side browser sessions: the tokens stay here, the browser holds only a random id.

This module holds what every store shares: the Session and LoginAttempt types, the
SessionStore protocol, and the keys and indexes both stores use. The stores:

    sso/memory_sessions.py  MemorySessionStore   one process (the default)
    sso/redis_sessions.py   RedisSessionStore    several replicas share sessions and logins

Stores key everything by a SHA-256 of the id, so a dump of Redis holds no usable cookie.
Each session is also indexed by the identity provider's `sid` and by its subject (a set
of session-id digests per value; in Redis a set per value whose TTL follows its longest
session), so a back-channel logout for a `sid` or `sub` ends those sessions on every
replica (`end_sessions`). Deleting a session takes it out of both indexes. A session
ended that way leaves a short-lived mark, so a refresh already under way cannot write it
back (`put` drops a marked session).
Login attempts (state ▶ PKCE verifier, nonce, return path, browser binding) are single use
and bounded: they expire after their TTL (a Redis key TTL), and the memory store holds at
most `max_pending_logins`, dropping the oldest, because anyone can start a login.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Protocol

__all__ = [
    "ENDED_MARK_S",
    "LoginAttempt",
    "Session",
    "SessionStore",
    "id_digest",
    "index_keys",
    "matches",
    "new_session_id",
]


def new_session_id() -> str:
    """256 bits from the OS CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def id_digest(value: str) -> str:
    """The SHA-256 every store keys by, so a dump of a store holds no usable id."""
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    """One signed-in browser. Times are wall-clock epoch seconds (shared across replicas)."""

    id: str = field(repr=False)
    subject: str
    access_token: str = field(repr=False)
    access_expires_at: float
    refresh_token: str | None = field(repr=False)
    id_token: str | None = field(repr=False)
    csrf_token: str = field(repr=False)
    created_at: float
    expires_at: float
    sid: str | None = None  # the identity provider's session (ID token `sid`), if it sent one

    def with_tokens(
        self, access_token: str, expires_in: float, refresh_token: str | None
    ) -> Session:
        return replace(
            self,
            access_token=access_token,
            access_expires_at=time.time() + expires_in,
            refresh_token=refresh_token or self.refresh_token,
        )


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """What /auth/login remembers until the identity provider sends the browser back.

    `browser_hash` is the SHA-256 of the pre-login cookie of the browser that started the
    login; `issuer` is the provider it was sent to.
    """

    verifier: str = field(repr=False)
    nonce: str = field(repr=False)
    return_to: str
    browser_hash: str = field(repr=False)
    issuer: str


class SessionStore(Protocol):
    """Where sessions and login attempts live; the gateway picks one at start-up."""

    async def get(self, session_id: str) -> Session | None: ...

    async def put(self, session: Session) -> None: ...

    async def delete(self, session_id: str) -> None: ...

    async def end_sessions(self, *, sid: str | None, subject: str | None) -> int:
        """Delete the sessions of the provider session `sid` (of `subject`, when both are
        given), or every session of `subject` when there is no `sid`; how many ended."""
        ...

    async def first_use(self, token_id: str, ttl_s: float) -> bool:
        """True the first time `token_id` (a logout token's `jti`) is seen within `ttl_s`;
        False for a replay."""
        ...

    async def put_login(self, state: str, attempt: LoginAttempt, ttl_s: float) -> None: ...

    async def pop_login(self, state: str) -> LoginAttempt | None: ...

    def refresh_lock(self, session_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while a session's tokens are refreshed, so only one refresh uses a
        (rotating) refresh token."""
        ...

    async def aclose(self) -> None: ...


# How long an ended session stays marked: longer than any refresh can be under way
# (the refresh lock lives 10 s).
ENDED_MARK_S = 60.0


def index_keys(session: Session) -> list[tuple[str, str]]:
    """The (index, value) pairs a session is found under: its subject, and its `sid`."""
    keys = [("subject", session.subject)]
    if session.sid:
        keys.append(("sid", session.sid))
    return keys


def matches(session: Session, sid: str | None, subject: str | None) -> bool:
    """Whether an indexed session is one `end_sessions(sid=, subject=)` ends."""
    return sid is None or subject is None or session.subject == subject
