"""Anyone can start a login, so what `GET /auth/login` stores is bounded: by count in
memory (the oldest go first), by the key's TTL in Redis."""

from __future__ import annotations

import httpx
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, Browser
from tests.integration.conftest import open_gateway
from tests.redis_server import PrefixedRedis


async def test_past_the_limit_the_oldest_pending_login_is_dropped(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with (
        open_gateway(stack, tracer_provider, public_url=PUBLIC, max_pending_logins=3) as gateway,
        httpx.AsyncClient(base_url=stack.issuer.url) as issuer,
    ):
        browser = Browser(gateway, issuer)
        oldest = await browser.authorize()
        for _ in range(3):  # anonymous clients starting logins they never finish
            assert (await gateway.client.get("/auth/login")).status_code == 302
        dropped = await browser.open_callback(oldest.headers["location"])
        latest = await browser.sign_in()

    assert dropped.status_code == 400
    assert "unknown or expired" in dropped.json()["errors"][0]["message"]
    assert latest.status_code == 302


async def test_in_redis_every_pending_login_expires_with_the_pre_login_cookie(
    stack: DemoStack, tracer_provider: TracerProvider, prefixed_redis: PrefixedRedis
) -> None:
    async with open_gateway(
        stack,
        tracer_provider,
        public_url=PUBLIC,
        session_backend="redis",
        pending_login_ttl_s=120,
        **prefixed_redis.settings,
    ) as gateway:
        starts = [await gateway.client.get("/auth/login") for _ in range(20)]
        keys = await prefixed_redis.keys("login:*")
        ttls = [await prefixed_redis.client.ttl(key) for key in keys]

    assert len(keys) == 20
    assert all(0 < ttl <= 120 for ttl in ttls)
    for start in starts:
        (cookie,) = start.headers.get_list("set-cookie")
        assert "max-age=120" in cookie.lower()
