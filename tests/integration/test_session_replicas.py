"""Browser sessions in Redis: any replica serves a signed-in browser; logout is everywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, QUERY, Browser
from tests.integration.conftest import Gateway, open_gateway
from tests.redis_server import PrefixedRedis


@pytest.fixture
async def replicas(
    stack: DemoStack, tracer_provider: TracerProvider, prefixed_redis: PrefixedRedis
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    shared = {"public_url": PUBLIC, "session_backend": "redis", **prefixed_redis.settings}
    async with (
        open_gateway(stack, tracer_provider, **shared) as one,
        open_gateway(stack, tracer_provider, **shared) as two,
    ):
        yield one, two


async def test_a_session_made_on_one_replica_works_on_another_until_logout(
    replicas: tuple[Gateway, Gateway], stack: DemoStack
) -> None:
    one, two = replicas
    async with httpx.AsyncClient(base_url=stack.issuer.url) as issuer:
        browser = Browser(one, issuer)
        await browser.sign_in()

    on_two = await two.client.post(
        "/graphql", json=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
    )
    assert on_two.status_code == 200
    assert on_two.json()["data"]["viewer"]["profile"]["lastName"]

    out = await two.client.post(
        "/auth/logout", headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
    )
    assert out.status_code == 200
    on_one = await one.client.get("/graphql", params=QUERY, headers=browser.headers())
    assert on_one.status_code == 401
