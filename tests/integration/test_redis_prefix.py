"""Every Redis user of the gateway (record cache, sessions, rate limits) writes under
`redis_prefix` only, and the tests remove exactly their own keys: a Redis that holds
other data loses nothing."""

from __future__ import annotations

import uuid

import httpx
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, QUERY, Browser
from tests.integration.conftest import open_gateway
from tests.redis_server import PrefixedRedis, open_prefixed_redis


async def test_cache_sessions_and_rate_limits_write_only_under_the_prefix(
    stack: DemoStack, tracer_provider: TracerProvider, prefixed_redis: PrefixedRedis
) -> None:
    async with (
        open_gateway(
            stack,
            tracer_provider,
            public_url=PUBLIC,
            cache_backend="redis",
            session_backend="redis",
            rate_limit_backend="redis",
            **prefixed_redis.settings,
        ) as gateway,
        httpx.AsyncClient(base_url=stack.issuer.url) as issuer,
    ):
        browser = Browser(gateway, issuer)
        await browser.sign_in("cust-001")
        answered = await gateway.client.post(
            "/graphql", json=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
        )
        assert answered.status_code == 200 and "errors" not in answered.json()

        kinds = {key.split(":")[1] for key in await prefixed_redis.keys()}

    assert {"session", "rate", "profile"} <= kinds


async def test_a_tests_redis_cleanup_leaves_other_data_alone() -> None:
    outside = f"pg:session:not-a-test-{uuid.uuid4().hex}"  # another gateway's key
    async with open_prefixed_redis() as first:
        await first.client.set(outside, "keep me", ex=60)
        try:
            async with open_prefixed_redis() as second:
                await second.client.set(f"{second.prefix}:mine", "scratch")
                await first.client.set(f"{first.prefix}:mine", "scratch")
                assert await second.keys() == [f"{second.prefix}:mine"]
            assert await first.client.get(f"{second.prefix}:mine") is None
            assert await first.client.get(f"{first.prefix}:mine") == b"scratch"
            assert await first.client.get(outside) == b"keep me"
        finally:
            await first.client.delete(outside)
