"""The shared record cache on a real Redis: replicas share entries, customers never do."""

from __future__ import annotations

from config.registry import CachePolicy
from connectors.principal import Principal
from connectors.records import LinkRecord, ProfileRecord
from gateway.data.record_cache import RecordCache
from tests.redis_server import PrefixedRedis

ALICE = Principal(subject="alice-secret-id", issuer="https://idp.test")
BOB = Principal(subject="bob", issuer="https://idp.test")
POLICY = {"support_party": CachePolicy(ttl_s=60)}


def cache(redis: PrefixedRedis) -> RecordCache:
    return RecordCache.redis(redis.url, POLICY, namespace=redis.prefix)


async def test_an_entry_written_by_one_replica_is_read_by_another(
    prefixed_redis: PrefixedRedis,
) -> None:
    one, two = cache(prefixed_redis), cache(prefixed_redis)
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


async def test_principal_scope_keeps_customers_apart(prefixed_redis: PrefixedRedis) -> None:
    shared = cache(prefixed_redis)
    try:
        await shared.set_many("support_party", ALICE, [("C-1", LinkRecord(value="P-1"))])
        assert await shared.get_many("support_party", BOB, ["C-1"]) == [None]
    finally:
        await shared.aclose()


async def test_keys_hold_no_customer_id_and_entries_expire(prefixed_redis: PrefixedRedis) -> None:
    shared = cache(prefixed_redis)
    try:
        await shared.set_many("support_party", ALICE, [("C-12345", LinkRecord(value="P-1"))])
        keys = await prefixed_redis.keys()
        assert len(keys) == 1
        assert "alice-secret-id" not in keys[0]
        assert "C-12345" not in keys[0]
        assert 0 < await prefixed_redis.client.ttl(keys[0]) <= 60
    finally:
        await shared.aclose()


async def test_an_unreadable_entry_is_a_miss(prefixed_redis: PrefixedRedis) -> None:
    shared = cache(prefixed_redis)
    try:
        await shared.set_many("support_party", ALICE, [("C-1", LinkRecord(value="P-1"))])
        (key,) = await prefixed_redis.keys()
        await prefixed_redis.client.set(key, '{"value": 5, "extra": "injected"}')
        assert await shared.get_many("support_party", ALICE, ["C-1"]) == [None]
    finally:
        await shared.aclose()


async def test_redis_entries_carry_the_layout_version(prefixed_redis: PrefixedRedis) -> None:
    shared = cache(prefixed_redis)
    try:
        await shared.set_many("support_party", ALICE, [("C-1", LinkRecord(value="P-1"))])
        (key,) = await prefixed_redis.keys()
        assert key.split(":")[1:3] == ["support_party", "v2"]
        # An entry of the older layout (no version) is never read.
        await prefixed_redis.client.set(key.replace(":v2:", ":"), '{"value": "P-old"}')
        await shared.delete("support_party", ALICE, "C-1")
        assert await shared.get_many("support_party", ALICE, ["C-1"]) == [None]
    finally:
        await shared.aclose()


async def test_in_memory_a_record_comes_back_as_the_object_stored() -> None:
    memory = RecordCache.memory(POLICY)
    record = LinkRecord(value="P-1")
    try:
        await memory.set_many("support_party", ALICE, [("C-1", record)])
        (back,) = await memory.get_many("support_party", ALICE, ["C-1"])
        assert back is record  # no decoding, no second validation
        assert await memory.get_many("support_party", BOB, ["C-1"]) == [None]
    finally:
        await memory.aclose()


async def test_in_memory_a_value_of_another_type_is_a_miss() -> None:
    memory = RecordCache.memory(POLICY)
    try:
        await memory.set_many("support_party", ALICE, [("C-1", LinkRecord(value="P-1"))])
        (key,) = memory._backend._cache.keys()
        for foreign in ('{"value": "P-1"}', {"value": "P-1"}, ProfileRecord.model_construct()):
            await memory._backend.set(key, foreign)
            assert await memory.get_many("support_party", ALICE, ["C-1"]) == [None]
    finally:
        await memory.aclose()
