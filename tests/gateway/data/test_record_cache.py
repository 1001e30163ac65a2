"""The shared record cache on a real Redis: replicas share entries, customers never do."""

from __future__ import annotations

import redis.asyncio as redis

from config.registry import CachePolicy
from connectors.principal import Principal
from connectors.records import LinkRecord
from gateway.data.record_cache import RecordCache

ALICE = Principal(subject="alice-secret-id", issuer="https://idp.test")
BOB = Principal(subject="bob", issuer="https://idp.test")
POLICY = {"support_party": CachePolicy(ttl_s=60)}


async def test_an_entry_written_by_one_replica_is_read_by_another(redis_url: str) -> None:
    one, two = RecordCache.redis(redis_url, POLICY), RecordCache.redis(redis_url, POLICY)
    try:
        await one.set_many("support_party", ALICE, [("C-1", LinkRecord(value="P-1"))])
        assert await two.get_many("support_party", ALICE, ["C-1", "C-2"]) == [
            LinkRecord(value="P-1"),
            None,
        ]
        await two.delete("support_party", ALICE, "C-1")
        assert await one.get_many("support_party", ALICE, ["C-1"]) == [None]
    finally:
        await one.aclose()
        await two.aclose()


async def test_principal_scope_keeps_customers_apart(redis_url: str) -> None:
    cache = RecordCache.redis(redis_url, POLICY)
    try:
        await cache.set_many("support_party", ALICE, [("C-1", LinkRecord(value="P-1"))])
        assert await cache.get_many("support_party", BOB, ["C-1"]) == [None]
    finally:
        await cache.aclose()


async def test_keys_hold_no_customer_id_and_entries_expire(redis_url: str) -> None:
    cache = RecordCache.redis(redis_url, POLICY)
    client = redis.Redis.from_url(redis_url)
    try:
        await cache.set_many("support_party", ALICE, [("C-12345", LinkRecord(value="P-1"))])
        keys = [k.decode() for k in await client.keys("*")]
        assert len(keys) == 1
        assert "alice-secret-id" not in keys[0]
        assert "C-12345" not in keys[0]
        assert 0 < await client.ttl(keys[0]) <= 60
    finally:
        await client.aclose()
        await cache.aclose()


async def test_an_unreadable_entry_is_a_miss(redis_url: str) -> None:
    cache = RecordCache.redis(redis_url, POLICY)
    client = redis.Redis.from_url(redis_url)
    try:
        await cache.set_many("support_party", ALICE, [("C-1", LinkRecord(value="P-1"))])
        (key,) = await client.keys("*")
        await client.set(key, '{"value": 5, "extra": "injected"}')
        assert await cache.get_many("support_party", ALICE, ["C-1"]) == [None]
    finally:
        await client.aclose()
        await cache.aclose()
