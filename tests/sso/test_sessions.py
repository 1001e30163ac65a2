"""Session stores: memory and a real Redis behave the same; ids are never stored in clear."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from sso.memory_sessions import MemorySessionStore
from sso.redis_sessions import RedisSessionStore
from sso.sessions import LoginAttempt, Session, SessionStore, new_session_id
from tests.redis_server import PrefixedRedis, open_prefixed_redis


def make_session(ttl_s: float = 60) -> Session:
    now = time.time()
    return Session(
        id=new_session_id(),
        subject="cust-001",
        access_token="access-token-value",
        access_expires_at=now + 300,
        refresh_token="refresh-token-value",
        id_token="id-token-value",
        csrf_token="csrf-value",
        created_at=now,
        expires_at=now + ttl_s,
    )


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[SessionStore]:
    if request.param == "memory":
        memory = MemorySessionStore()
        yield memory
        await memory.aclose()
        return
    async with open_prefixed_redis() as redis:
        shared = RedisSessionStore.from_url(redis.url, prefix=redis.prefix)
        yield shared
        await shared.aclose()


async def test_a_session_round_trips_and_is_deleted(store: SessionStore) -> None:
    session = make_session()
    await store.put(session)
    assert await store.get(session.id) == session
    await store.delete(session.id)
    assert await store.get(session.id) is None


async def test_an_unknown_or_expired_session_is_none(store: SessionStore) -> None:
    assert await store.get(new_session_id()) is None
    expired = make_session(ttl_s=-1)
    await store.put(expired)
    assert await store.get(expired.id) is None


async def test_a_login_attempt_can_be_used_once(store: SessionStore) -> None:
    attempt = LoginAttempt(
        verifier="v", nonce="n", return_to="/", browser_hash="b", issuer="https://i"
    )
    await store.put_login("state-1", attempt, ttl_s=60)
    assert await store.pop_login("state-1") == attempt
    assert await store.pop_login("state-1") is None
    assert await store.pop_login("never-issued") is None


async def test_refresh_lock_serialises_one_session(store: SessionStore) -> None:
    order: list[str] = []

    async def refresh(name: str) -> None:
        async with store.refresh_lock("session-x"):
            order.append(f"{name}-in")
            await asyncio.sleep(0.01)
            order.append(f"{name}-out")

    await asyncio.gather(refresh("a"), refresh("b"))
    assert order in (["a-in", "a-out", "b-in", "b-out"], ["b-in", "b-out", "a-in", "a-out"])


async def test_redis_holds_no_session_id_or_state_in_clear(prefixed_redis: PrefixedRedis) -> None:
    store = RedisSessionStore.from_url(prefixed_redis.url, prefix=prefixed_redis.prefix)
    other = RedisSessionStore.from_url(prefixed_redis.url, prefix=prefixed_redis.prefix)
    try:
        session = make_session()
        await store.put(session)
        attempt = LoginAttempt("v", "n", "/", browser_hash="b", issuer="https://i")
        await store.put_login("state-visible?", attempt, ttl_s=60)
        keys = await prefixed_redis.keys()
        assert len(keys) == 3  # the session, its subject's index, the login attempt
        assert not any(
            secret in k for k in keys for secret in (session.id, "state-visible?", "cust-001")
        )
        assert await other.get(session.id) == session
    finally:
        await other.aclose()
        await store.aclose()


def test_session_repr_shows_no_secret() -> None:
    text = repr(make_session())
    for secret in ("access-token-value", "refresh-token-value", "id-token-value", "csrf-value"):
        assert secret not in text


DB4 = "redis://127.0.0.1:6379/4"


@pytest.fixture(params=["memory", "redis"])
async def indexed_store(request: pytest.FixtureRequest) -> AsyncIterator[SessionStore]:
    if request.param == "memory":
        memory = MemorySessionStore()
        yield memory
        await memory.aclose()
        return
    async with open_prefixed_redis(DB4) as redis:
        shared = RedisSessionStore.from_url(redis.url, prefix=redis.prefix)
        yield shared
        await shared.aclose()


def signed_in(subject: str, sid: str | None) -> Session:
    return dataclasses.replace(make_session(), id=new_session_id(), subject=subject, sid=sid)


async def test_sessions_end_by_sid_or_by_subject(indexed_store: SessionStore) -> None:
    first, second = signed_in("cust-001", "sid-a"), signed_in("cust-001", "sid-b")
    other = signed_in("cust-002", "sid-c")
    for session in (first, second, other):
        await indexed_store.put(session)

    assert await indexed_store.end_sessions(sid="sid-a", subject=None) == 1
    assert await indexed_store.get(first.id) is None
    assert await indexed_store.get(second.id) == second
    assert await indexed_store.end_sessions(sid="sid-c", subject="cust-001") == 0  # not theirs
    assert await indexed_store.end_sessions(sid=None, subject="cust-001") == 1
    assert await indexed_store.get(second.id) is None
    assert await indexed_store.get(other.id) == other
    assert await indexed_store.end_sessions(sid="sid-a", subject=None) == 0


async def test_a_deleted_session_leaves_no_index_behind() -> None:
    async with open_prefixed_redis(DB4) as prefixed_redis:
        await _put_and_delete(prefixed_redis)


async def _put_and_delete(prefixed_redis: PrefixedRedis) -> None:
    store = RedisSessionStore.from_url(prefixed_redis.url, prefix=prefixed_redis.prefix)
    try:
        session = signed_in("cust-001", "sid-a")
        await store.put(session)
        assert len(await prefixed_redis.keys()) == 3  # session, sid index, subject index
        await store.delete(session.id)
        assert await prefixed_redis.keys() == []
    finally:
        await store.aclose()


async def test_a_logout_token_id_is_accepted_once(indexed_store: SessionStore) -> None:
    assert await indexed_store.first_use("jti-1", ttl_s=60) is True
    assert await indexed_store.first_use("jti-1", ttl_s=60) is False
    assert await indexed_store.first_use("jti-2", ttl_s=60) is True


async def test_a_refresh_that_lands_after_a_logout_does_not_revive_the_session(
    indexed_store: SessionStore,
) -> None:
    session = signed_in("cust-001", "sid-a")
    await indexed_store.put(session)
    assert await indexed_store.end_sessions(sid="sid-a", subject=None) == 1

    await indexed_store.put(session.with_tokens("new-access", 300, "new-refresh"))

    assert await indexed_store.get(session.id) is None
    assert await indexed_store.end_sessions(sid="sid-a", subject=None) == 0
