"""A login ends the browser's previous session, on the memory and the Redis backend:
the session id changes and the old one is dead on the server, not only in the cookie jar."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from sso.redis_sessions import RedisSessionStore
from tests.integration.browser_client import PUBLIC, QUERY, Browser
from tests.integration.conftest import Gateway, open_gateway
from tests.redis_server import open_prefixed_redis


@pytest.fixture(params=["memory", "redis"])
async def gateway(
    request: pytest.FixtureRequest, stack: DemoStack, tracer_provider: TracerProvider
) -> AsyncIterator[Gateway]:
    if request.param == "memory":
        async with open_gateway(stack, tracer_provider, public_url=PUBLIC) as running:
            yield running
        return
    async with (
        open_prefixed_redis() as redis,
        open_gateway(
            stack, tracer_provider, public_url=PUBLIC, session_backend="redis", **redis.settings
        ) as running,
    ):
        yield running


async def _subject(gateway: Gateway, session_cookie: str) -> str | None:
    name = gateway.runtime.settings.cookie_name
    response = await gateway.client.get(
        "/auth/session", headers={"Cookie": f"{name}={session_cookie}"}
    )
    if response.status_code == 401:
        return None
    assert response.status_code == 200
    subject: str = response.json()["subject"]
    return subject


async def test_signing_in_again_rotates_the_id_and_ends_the_old_session(
    gateway: Gateway, stack: DemoStack
) -> None:
    async with httpx.AsyncClient(base_url=stack.issuer.url) as issuer:
        browser = Browser(gateway, issuer)
        await browser.sign_in()
        old = browser.session_cookie
        assert (await browser.sign_in()).status_code == 302  # the issuer's SSO: no form
        new = browser.session_cookie

    assert new and new != old
    assert await _subject(gateway, old) is None
    assert await _subject(gateway, new) == "cust-001"


async def test_signing_in_as_someone_else_ends_the_first_persons_session(
    gateway: Gateway, stack: DemoStack
) -> None:
    async with (
        httpx.AsyncClient(base_url=stack.issuer.url) as first_issuer_jar,
        httpx.AsyncClient(base_url=stack.issuer.url) as second_issuer_jar,
    ):
        browser = Browser(gateway, first_issuer_jar)
        await browser.sign_in("cust-001")
        first = browser.session_cookie
        browser.issuer = second_issuer_jar  # signed out at the issuer, not at the gateway
        await browser.sign_in("cust-002")

    assert await _subject(gateway, first) is None
    assert await _subject(gateway, browser.session_cookie) == "cust-002"


async def test_a_session_whose_token_turns_into_someone_elses_is_ended(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    """A provider whose refresh hands a session another person's token (a bug, or an
    attack on it) changes who is signed in without a login: the gateway ends the session
    instead of serving the other person's data under the first person's session id."""
    async with (
        open_prefixed_redis() as redis,
        open_gateway(
            stack, tracer_provider, public_url=PUBLIC, session_backend="redis", **redis.settings
        ) as gateway,
        httpx.AsyncClient(base_url=stack.issuer.url) as issuer,
    ):
        store = RedisSessionStore.from_url(redis.url, prefix=redis.prefix)
        try:
            browser = Browser(gateway, issuer)
            await browser.sign_in("cust-001")
            session = await store.get(browser.session_cookie)
            assert session is not None
            # What a refresh from such a provider would store (as another replica would).
            await store.put(session.with_tokens(gateway.token("cust-002"), 300, None))

            asked = await gateway.client.post(
                "/graphql", json=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
            )
            assert asked.status_code == 401
            assert "data" not in asked.json()
            assert await store.get(browser.session_cookie) is None
            assert await _subject(gateway, browser.session_cookie) is None
        finally:
            await store.aclose()
