"""The shared record cache in Redis: replicas share entries, and a write on one replica
invalidates what the others would serve."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway
from tests.redis_server import connect_or_skip

REDIS_URL = "redis://127.0.0.1:6379/12"
PROFILE = "{ viewer { profile { firstName } } }"


@pytest.fixture
async def replicas(
    stack: DemoStack, tracer_provider: TracerProvider
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    client = await connect_or_skip(REDIS_URL)
    shared = {"cache_backend": "redis", "redis_url": REDIS_URL}
    try:
        async with (
            open_gateway(stack, tracer_provider, **shared) as one,
            open_gateway(stack, tracer_provider, **shared) as two,
        ):
            yield one, two
    finally:
        await client.flushdb()
        await client.aclose()


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
