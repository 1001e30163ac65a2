"""The shared record cache in Redis: replicas share entries, and a write on one replica
invalidates what the others would serve."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway
from tests.redis_server import PrefixedRedis

PROFILE = "{ viewer { profile { firstName } } }"


@pytest.fixture
async def replicas(
    stack: DemoStack, tracer_provider: TracerProvider, prefixed_redis: PrefixedRedis
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    shared = {"cache_backend": "redis", **prefixed_redis.settings}
    async with (
        open_gateway(stack, tracer_provider, **shared) as one,
        open_gateway(stack, tracer_provider, **shared) as two,
    ):
        yield one, two


async def test_replicas_share_cached_records(replicas: tuple[Gateway, Gateway]) -> None:
    one, two = replicas
    await one.query(PROFILE)
    one.reset_counts()

    body = await two.query(PROFILE)

    assert body["data"]["viewer"]["profile"]["firstName"]
    assert two.counts() == {}  # served from the entry replica one wrote


async def test_a_write_on_one_replica_is_seen_by_the_other(
    replicas: tuple[Gateway, Gateway],
) -> None:
    one, two = replicas
    await one.query(PROFILE)  # cached in Redis

    changed = await two.query('mutation { updateProfile(input: {firstName: "Ada"}) { firstName } }')
    after = await one.query(PROFILE)

    assert changed["data"]["updateProfile"]["firstName"] == "Ada"
    assert after["data"]["viewer"]["profile"]["firstName"] == "Ada"


async def test_the_shared_cache_never_serves_another_customer(
    replicas: tuple[Gateway, Gateway],
) -> None:
    one, two = replicas
    first = await one.query("{ viewer { profile { id } } }", "cust-001")
    second = await two.query("{ viewer { profile { id } } }", "cust-002")
    assert first["data"]["viewer"]["profile"]["id"] != second["data"]["viewer"]["profile"]["id"]
