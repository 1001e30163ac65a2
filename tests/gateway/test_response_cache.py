"""The response cache on its own: keys, invalidation marks, unreadable entries, ETags."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from config.registry import CachePolicy
from connectors.principal import Principal
from gateway.data.invalidation import Invalidation
from gateway.response_cache import ResponseCache, entity_tag
from gateway.response_cache_http import etag_matches
from gateway.response_cache_key import ResponseKey, response_key
from tests.redis_server import PrefixedRedis

ALICE = Principal(subject="alice-secret-id", issuer="https://idp.test", links={"crm": "C-1"})
BOB = Principal(subject="bob", issuer="https://idp.test", links={"crm": "C-2"})
POLICIES = {"profile": CachePolicy(ttl_s=30), "order_items": CachePolicy(ttl_s=300)}
QUERY = "{ viewer { profile { id } } }"
JSON = "application/json"


def key(principal: Principal = ALICE) -> ResponseKey:
    return response_key(principal, QUERY, None, None, JSON)


@pytest.fixture
async def cache() -> AsyncIterator[ResponseCache]:
    memory = ResponseCache.memory(POLICIES)
    yield memory
    await memory.aclose()


async def store(cache: ResponseCache, k: ResponseKey, body: bytes = b'{"data":{}}') -> None:
    stored = await cache.put(k, ["profile"], body, JSON, since_epoch=cache.epoch)
    assert stored is not None


def test_keys_name_no_customer_and_ignore_the_order_of_variables() -> None:
    one = response_key(ALICE, QUERY, "Q", {"a": 1, "b": {"c": 2, "d": 3}}, JSON)
    two = response_key(ALICE, QUERY, "Q", {"b": {"d": 3, "c": 2}, "a": 1}, JSON)
    assert one == two
    assert "alice" not in one.scope + one.variant and "C-1" not in one.scope + one.variant
    assert response_key(ALICE, QUERY, "Q", {}, JSON) == response_key(ALICE, QUERY, "Q", None, JSON)


def test_everything_else_about_the_principal_is_in_the_variant() -> None:
    admin = Principal(subject=ALICE.subject, issuer=ALICE.issuer, roles=frozenset({"org_admin"}))
    other_links = Principal(subject=ALICE.subject, issuer=ALICE.issuer, links={"crm": "C-9"})
    keys = {key(ALICE), key(admin), key(other_links), key(BOB)}
    assert len(keys) == 4
    assert len({k.scope for k in keys}) == 2  # one scope per customer: what writes name
    assert response_key(ALICE, QUERY, None, None, "application/graphql-response+json") != key()


async def test_an_entry_is_returned_as_stored_with_its_etag(cache: ResponseCache) -> None:
    await store(cache, key(), b'{"data":{"x":1}}')
    hit = await cache.get(key())
    assert hit is not None
    assert (hit.body, hit.media_type, hit.etag) == (
        b'{"data":{"x":1}}',
        JSON,
        entity_tag(b'{"data":{"x":1}}'),
    )
    assert await cache.get(key(BOB)) is None


async def test_an_invalidation_drops_its_scope_only_or_every_scope(cache: ResponseCache) -> None:
    await store(cache, key(ALICE))
    await store(cache, key(BOB))

    cache.invalidate(Invalidation("order_items", None, ALICE.cache_scope))  # not used by them
    assert await cache.get(key(ALICE)) is not None
    cache.invalidate(Invalidation("profile", ("C-1",), ALICE.cache_scope))
    assert await cache.get(key(ALICE)) is None
    assert await cache.get(key(BOB)) is not None
    cache.invalidate(Invalidation("profile", None, None))
    assert await cache.get(key(BOB)) is None


async def test_a_response_computed_across_an_invalidation_is_not_stored(
    cache: ResponseCache,
) -> None:
    started = cache.epoch
    cache.invalidate(Invalidation("profile", None, BOB.cache_scope))
    assert await cache.put(key(), ["profile"], b"{}", JSON, since_epoch=started) is None
    assert await cache.get(key()) is None


async def test_only_responses_from_capabilities_with_a_policy_are_stored(
    cache: ResponseCache,
) -> None:
    assert not cache.cacheable([])
    assert not cache.cacheable(["profile", "orders_by_customer"])
    assert cache.cacheable(["profile", "order_items"])
    assert await cache.put(key(), ["orders_by_customer"], b"{}", JSON, since_epoch=0) is None


@pytest.mark.parametrize(
    "raw",
    [b"no header line", b"[1,2]\n{}", b'{"capabilities": 5, "marks": []}\n{}', "not bytes"],
)
async def test_an_unreadable_entry_is_a_miss(cache: ResponseCache, raw: object) -> None:
    await store(cache, key())
    entry = f"pg:resp:v1:{key().scope}:{key().variant}"
    await cache._backend.set(entry, raw)
    assert await cache.get(key()) is None


def test_the_operation_type_decides_what_may_be_stored(cache: ResponseCache) -> None:
    document = "query A { __typename } mutation B { __typename }"
    assert cache.is_query(document, "A")
    assert not cache.is_query(document, "B")


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
    ],
)
def test_if_none_match(header: str | None, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches


async def test_in_redis_replicas_share_entries_and_invalidations(
    prefixed_redis: PrefixedRedis,
) -> None:
    one = ResponseCache.redis(prefixed_redis.url, POLICIES, namespace=prefixed_redis.prefix)
    two = ResponseCache.redis(prefixed_redis.url, POLICIES, namespace=prefixed_redis.prefix)
    try:
        await store(one, key())
        assert await two.get(key()) is not None
        (entry,) = await prefixed_redis.keys("resp:*")
        assert 0 < await prefixed_redis.client.ttl(entry) <= 30
        assert "alice" not in entry

        two.invalidate(Invalidation("profile", None, ALICE.cache_scope))
        await two.settle()
        assert await one.get(key()) is None
    finally:
        await one.aclose()
        await two.aclose()
