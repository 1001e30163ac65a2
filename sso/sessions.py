"""Server-side browser sessions: the tokens stay here, the browser holds only a random id.

    MemorySessionStore   one process (the default)
    RedisSessionStore    several replicas share sessions and login attempts

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


def _login_expiry(_key: str, entry: tuple[LoginAttempt, float], now: float) -> float:
    return now + entry[1]


def _seen_expiry(_key: str, ttl_s: float, now: float) -> float:
    return now + ttl_s


# How long an ended session stays marked: longer than any refresh can be under way
# (the refresh lock lives 10 s).
_ENDED_MARK_S = 60.0


def _index_keys(session: Session) -> list[tuple[str, str]]:
    """The (index, value) pairs a session is found under: its subject, and its `sid`."""
    keys = [("subject", session.subject)]
    if session.sid:
        keys.append(("sid", session.sid))
    return keys


def _matches(session: Session, sid: str | None, subject: str | None) -> bool:
    return sid is None or subject is None or session.subject == subject


class MemorySessionStore:
    """Sessions in this process only; expired entries are dropped when read.

    Pending logins live in a cachetools TLRUCache: each expires after its own TTL and, past
    `max_pending_logins`, the oldest is dropped, at O(log n) per insert. Seen logout-token
    ids are kept the same way.
    """

    def __init__(self, *, max_pending_logins: int = 10_000) -> None:
        self._sessions: dict[str, Session] = {}
        self._index: dict[tuple[str, str], set[str]] = {}  # (index, value digest) ▶ keys
        self._logins: TLRUCache[str, tuple[LoginAttempt, float]] = TLRUCache(
            maxsize=max_pending_logins, ttu=_login_expiry
        )
        self._seen: TLRUCache[str, float] = TLRUCache(maxsize=max_pending_logins, ttu=_seen_expiry)
        self._ended: TLRUCache[str, float] = TLRUCache(maxsize=max_pending_logins, ttu=_seen_expiry)
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, session_id: str) -> Session | None:
        key = _hash(session_id)
        session = self._sessions.get(key)
        if session is not None and session.expires_at <= time.time():
            self._remove(key)
            return None
        return session

    async def put(self, session: Session) -> None:
        key = _hash(session.id)
        if key in self._ended:
            return  # ended by a back-channel logout while it was being refreshed
        self._remove(key)
        self._sessions[key] = session
        for index, value in _index_keys(session):
            self._index.setdefault((index, _hash(value)), set()).add(key)

    async def delete(self, session_id: str) -> None:
        key = _hash(session_id)
        self._remove(key)
        self._locks.pop(key, None)

    async def end_sessions(self, *, sid: str | None, subject: str | None) -> int:
        index = ("sid", sid) if sid else ("subject", subject) if subject else None
        if index is None:
            return 0
        ended = 0
        for key in list(self._index.get((index[0], _hash(index[1])), ())):
            session = self._sessions.get(key)
            if session is not None and _matches(session, sid, subject):
                self._remove(key)
                self._locks.pop(key, None)
                self._ended[key] = _ENDED_MARK_S
                ended += 1
        return ended

    async def first_use(self, token_id: str, ttl_s: float) -> bool:
        key = _hash(token_id)
        if key in self._seen:
            return False
        self._seen[key] = max(ttl_s, 1.0)
        return True

    def _remove(self, key: str) -> None:
        session = self._sessions.pop(key, None)
        if session is None:
            return
        for index, value in _index_keys(session):
            members = self._index.get((index, _hash(value)))
            if members is not None:
                members.discard(key)
                if not members:
                    del self._index[(index, _hash(value))]

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
        self._index.clear()
        self._logins.clear()
        self._seen.clear()
        self._ended.clear()


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
        return self._digest_key(kind, _hash(value))

    def _digest_key(self, kind: str, digest: str) -> str:
        return f"{self._prefix}:{kind}:{digest}"

    async def get(self, session_id: str) -> Session | None:
        return self._parse(await self._redis.get(self._key("session", session_id)))

    async def put(self, session: Session) -> None:
        ttl_ms = int((session.expires_at - time.time()) * 1000)
        if ttl_ms <= 0:
            return
        digest = _hash(session.id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._digest_key("session", digest), json.dumps(asdict(session)), px=ttl_ms)
            for index, value in _index_keys(session):
                key = self._key(index, value)
                pipe.sadd(key, digest)
                # The set lives as long as its longest session: set a TTL on a new set
                # (NX), lengthen it for a longer session (GT), never shorten it.
                pipe.pexpire(key, ttl_ms, nx=True)
                pipe.pexpire(key, ttl_ms, gt=True)
            await pipe.execute()
        # Checked after the write: `end_sessions` marks before it deletes, so either its
        # delete comes after this write, or this check sees its mark.
        if await self._redis.exists(self._digest_key("ended", digest)):
            await self._delete_digest(digest)

    async def delete(self, session_id: str) -> None:
        await self._delete_digest(_hash(session_id))

    async def end_sessions(self, *, sid: str | None, subject: str | None) -> int:
        index = ("sid", sid) if sid else ("subject", subject) if subject else None
        if index is None:
            return 0
        ended = 0
        for member in await self._redis.smembers(self._key(*index)):
            digest = member.decode() if isinstance(member, bytes) else str(member)
            session = self._parse(await self._redis.get(self._digest_key("session", digest)))
            if session is not None and not _matches(session, sid, subject):
                continue
            mark = self._digest_key("ended", digest)
            await self._redis.set(mark, 1, px=int(_ENDED_MARK_S * 1000))
            if await self._delete_digest(digest):
                ended += 1
            else:
                await self._redis.srem(self._key(*index), digest)  # its session expired
        return ended

    async def first_use(self, token_id: str, ttl_s: float) -> bool:
        ttl_ms = max(int(ttl_s * 1000), 1000)
        return bool(await self._redis.set(self._key("logout-jti", token_id), 1, nx=True, px=ttl_ms))

    async def _delete_digest(self, digest: str) -> bool:
        """Delete one session by its id's digest and take it out of its indexes."""
        session = self._parse(await self._redis.getdel(self._digest_key("session", digest)))
        if session is None:
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            for index, value in _index_keys(session):
                pipe.srem(self._key(index, value), digest)
            await pipe.execute()
        return True

    @staticmethod
    def _parse(raw: bytes | str | None) -> Session | None:
        if raw is None:
            return None
        try:
            return Session(**json.loads(raw))
        except (TypeError, ValueError):
            return None

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
