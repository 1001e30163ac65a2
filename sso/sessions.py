"""Server-side browser sessions: the tokens stay here, the browser holds only a random id.

    MemorySessionStore   one process (the default)
    RedisSessionStore    several replicas share sessions and login attempts

Stores key everything by a SHA-256 of the id, so a dump of Redis holds no usable cookie.
Login attempts (state ▶ PKCE verifier, nonce, return path, browser binding) are single use
and bounded: they expire after their TTL (a Redis key TTL), and the memory store holds at
most `max_pending_logins`, dropping the oldest, because anyone can start a login.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field, replace
from typing import Protocol

import redis.asyncio as redis
from cachetools import TLRUCache

__all__ = [
    "LoginAttempt",
    "MemorySessionStore",
    "RedisSessionStore",
    "Session",
    "SessionStore",
    "new_session_id",
]


def new_session_id() -> str:
    """256 bits from the OS CSPRNG, URL-safe."""
    return secrets.token_urlsafe(32)


def _hash(value: str) -> str:
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

    async def put_login(self, state: str, attempt: LoginAttempt, ttl_s: float) -> None: ...

    async def pop_login(self, state: str) -> LoginAttempt | None: ...

    def refresh_lock(self, session_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while a session's tokens are refreshed, so only one refresh uses a
        (rotating) refresh token."""
        ...

    async def aclose(self) -> None: ...


def _login_expiry(_key: str, entry: tuple[LoginAttempt, float], now: float) -> float:
    return now + entry[1]


class MemorySessionStore:
    """Sessions in this process only; expired entries are dropped when read.

    Pending logins live in a cachetools TLRUCache: each expires after its own TTL and, past
    `max_pending_logins`, the oldest is dropped, at O(log n) per insert.
    """

    def __init__(self, *, max_pending_logins: int = 10_000) -> None:
        self._sessions: dict[str, Session] = {}
        self._logins: TLRUCache[str, tuple[LoginAttempt, float]] = TLRUCache(
            maxsize=max_pending_logins, ttu=_login_expiry
        )
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, session_id: str) -> Session | None:
        key = _hash(session_id)
        session = self._sessions.get(key)
        if session is not None and session.expires_at <= time.time():
            del self._sessions[key]
            return None
        return session

    async def put(self, session: Session) -> None:
        self._sessions[_hash(session.id)] = session

    async def delete(self, session_id: str) -> None:
        key = _hash(session_id)
        self._sessions.pop(key, None)
        self._locks.pop(key, None)

    async def put_login(self, state: str, attempt: LoginAttempt, ttl_s: float) -> None:
        if ttl_s > 0:
            self._logins[_hash(state)] = (attempt, ttl_s)

    async def pop_login(self, state: str) -> LoginAttempt | None:
        entry = self._logins.pop(_hash(state), None)  # None once expired, too
        return None if entry is None else entry[0]

    @contextlib.asynccontextmanager
    async def refresh_lock(self, session_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(_hash(session_id), asyncio.Lock())
        async with lock:
            yield

    async def aclose(self) -> None:
        self._sessions.clear()
        self._logins.clear()


class RedisSessionStore:
    """Sessions in Redis, so any replica can serve any browser and logout is everywhere."""

    _LOCK_TTL_MS = 10_000

    def __init__(self, client: redis.Redis, *, prefix: str = "pg") -> None:
        self._redis = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "pg") -> RedisSessionStore:
        return cls(redis.Redis.from_url(url), prefix=prefix)

    def _key(self, kind: str, value: str) -> str:
        return f"{self._prefix}:{kind}:{_hash(value)}"

    async def get(self, session_id: str) -> Session | None:
        raw = await self._redis.get(self._key("session", session_id))
        if raw is None:
            return None
        try:
            return Session(**json.loads(raw))
        except (TypeError, ValueError):
            return None

    async def put(self, session: Session) -> None:
        ttl_ms = int((session.expires_at - time.time()) * 1000)
        if ttl_ms <= 0:
            return
        await self._redis.set(
            self._key("session", session.id), json.dumps(asdict(session)), px=ttl_ms
        )

    async def delete(self, session_id: str) -> None:
        await self._redis.delete(self._key("session", session_id))

    async def put_login(self, state: str, attempt: LoginAttempt, ttl_s: float) -> None:
        ttl_ms = int(ttl_s * 1000)
        if ttl_ms <= 0:
            return
        # The key's own TTL bounds what piles up: nothing to sweep, nothing to count.
        await self._redis.set(self._key("login", state), json.dumps(asdict(attempt)), px=ttl_ms)

    async def pop_login(self, state: str) -> LoginAttempt | None:
        raw = await self._redis.getdel(self._key("login", state))
        if raw is None:
            return None
        try:
            return LoginAttempt(**json.loads(raw))
        except (TypeError, ValueError):
            return None

    @contextlib.asynccontextmanager
    async def refresh_lock(self, session_id: str) -> AsyncIterator[None]:
        key = self._key("refresh-lock", session_id)
        token = secrets.token_hex(8)
        deadline = time.monotonic() + self._LOCK_TTL_MS / 1000
        while not await self._redis.set(key, token, nx=True, px=self._LOCK_TTL_MS):
            if time.monotonic() > deadline:
                break  # the holder died; its lock has expired or is about to
            await asyncio.sleep(0.05)
        try:
            yield
        finally:
            # Release only our own lock (another holder may have it after expiry).
            if await self._redis.get(key) == token.encode():
                await self._redis.delete(key)

    async def aclose(self) -> None:
        await self._redis.aclose()
