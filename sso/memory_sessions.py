"""MemorySessionStore: sessions and login attempts in this process (the default store).

Good for one replica: a restart signs everyone out. See sso/sessions.py for the contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from cachetools import TLRUCache

from sso.sessions import ENDED_MARK_S, LoginAttempt, Session, id_digest, index_keys, matches

__all__ = ["MemorySessionStore"]


def _login_expiry(_key: str, entry: tuple[LoginAttempt, float], now: float) -> float:
    return now + entry[1]


def _seen_expiry(_key: str, ttl_s: float, now: float) -> float:
    return now + ttl_s


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
        key = id_digest(session_id)
        session = self._sessions.get(key)
        if session is not None and session.expires_at <= time.time():
            self._remove(key)
            return None
        return session

    async def put(self, session: Session) -> None:
        key = id_digest(session.id)
        if key in self._ended:
            return  # ended by a back-channel logout while it was being refreshed
        self._remove(key)
        self._sessions[key] = session
        for index, value in index_keys(session):
            self._index.setdefault((index, id_digest(value)), set()).add(key)

    async def delete(self, session_id: str) -> None:
        key = id_digest(session_id)
        self._remove(key)
        self._locks.pop(key, None)

    async def end_sessions(self, *, sid: str | None, subject: str | None) -> int:
        index = ("sid", sid) if sid else ("subject", subject) if subject else None
        if index is None:
            return 0
        ended = 0
        for key in list(self._index.get((index[0], id_digest(index[1])), ())):
            session = self._sessions.get(key)
            if session is not None and matches(session, sid, subject):
                self._remove(key)
                self._locks.pop(key, None)
                self._ended[key] = ENDED_MARK_S
                ended += 1
        return ended

    async def first_use(self, token_id: str, ttl_s: float) -> bool:
        key = id_digest(token_id)
        if key in self._seen:
            return False
        self._seen[key] = max(ttl_s, 1.0)
        return True

    def _remove(self, key: str) -> None:
        session = self._sessions.pop(key, None)
        if session is None:
            return
        for index, value in index_keys(session):
            members = self._index.get((index, id_digest(value)))
            if members is not None:
                members.discard(key)
                if not members:
                    del self._index[(index, id_digest(value))]

    async def put_login(self, state: str, attempt: LoginAttempt, ttl_s: float) -> None:
        if ttl_s > 0:
            self._logins[id_digest(state)] = (attempt, ttl_s)

    async def pop_login(self, state: str) -> LoginAttempt | None:
        entry = self._logins.pop(id_digest(state), None)  # None once expired, too
        return None if entry is None else entry[0]

    @contextlib.asynccontextmanager
    async def refresh_lock(self, session_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(id_digest(session_id), asyncio.Lock())
        async with lock:
            yield

    async def aclose(self) -> None:
        self._sessions.clear()
        self._index.clear()
        self._logins.clear()
        self._seen.clear()
        self._ended.clear()
