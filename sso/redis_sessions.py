"""RedisSessionStore: sessions and login attempts in Redis, shared by every replica.

See sso/sessions.py for the contract; every key is `<prefix>:<kind>:<SHA-256>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import asdict

import redis.asyncio as redis

from sso.sessions import ENDED_MARK_S, LoginAttempt, Session, id_digest, index_keys, matches

__all__ = ["RedisSessionStore"]


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
        return self._digest_key(kind, id_digest(value))

    def _digest_key(self, kind: str, digest: str) -> str:
        return f"{self._prefix}:{kind}:{digest}"

    async def get(self, session_id: str) -> Session | None:
        return self._parse(await self._redis.get(self._key("session", session_id)))

    async def put(self, session: Session) -> None:
        ttl_ms = int((session.expires_at - time.time()) * 1000)
        if ttl_ms <= 0:
            return
        digest = id_digest(session.id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._digest_key("session", digest), json.dumps(asdict(session)), px=ttl_ms)
            for index, value in index_keys(session):
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
        await self._delete_digest(id_digest(session_id))

    async def end_sessions(self, *, sid: str | None, subject: str | None) -> int:
        index = ("sid", sid) if sid else ("subject", subject) if subject else None
        if index is None:
            return 0
        ended = 0
        for member in await self._redis.smembers(self._key(*index)):
            digest = member.decode() if isinstance(member, bytes) else str(member)
            session = self._parse(await self._redis.get(self._digest_key("session", digest)))
            if session is not None and not matches(session, sid, subject):
                continue
            mark = self._digest_key("ended", digest)
            await self._redis.set(mark, 1, px=int(ENDED_MARK_S * 1000))
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
            for index, value in index_keys(session):
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
