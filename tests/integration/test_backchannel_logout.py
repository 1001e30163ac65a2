"""Back-channel logout over real sockets: the dev issuer's end session reaches the gateway
(served on a loopback port), and the sessions of that `sid` or `sub` end on every replica
that shares Redis; forged, replayed or malformed logout tokens end nothing."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, QUERY, Browser
from tests.integration.conftest import Gateway, InProcessServer, open_gateway, serve_in_process
from tests.redis_server import PrefixedRedis, open_prefixed_redis

DB4 = "redis://127.0.0.1:6379/4"
LOGOUT = "/auth/backchannel-logout"


@contextlib.asynccontextmanager
async def as_gateway(server: InProcessServer, stack: DemoStack) -> AsyncIterator[Gateway]:
    """A served gateway driven over its real socket, in the shape `Browser` drives."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        yield Gateway(client, stack, {"runtime": server.runtime})


@contextlib.asynccontextmanager
async def browser_on(gateway: Gateway, public: str = PUBLIC) -> AsyncIterator[Browser]:
    """A browser with its own issuer cookie jar (so its own issuer session and `sid`)."""
    async with httpx.AsyncClient(base_url=gateway.stack.issuer.url) as issuer:
        yield Browser(gateway, issuer, public=public)


async def signed_in(browser: Browser, gateway: Gateway) -> bool:
    answer = await gateway.client.get("/auth/session", headers=browser.headers())
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


@pytest.fixture
async def redis4() -> AsyncIterator[PrefixedRedis]:
    async with open_prefixed_redis(DB4) as redis:
        yield redis


@pytest.fixture
async def replicas(
    stack: DemoStack, tracer_provider: TracerProvider, redis4: PrefixedRedis
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    """Replica one on a real port (the issuer's back-channel target), replica two behind
    ASGI (where browsers sign in); one Redis database and prefix for both."""
    shared: dict[str, Any] = {"session_backend": "redis", **redis4.settings}
    async with (
        serve_in_process(stack, tracer_provider, **shared) as served,
        as_gateway(served, stack) as one,
        open_gateway(stack, tracer_provider, public_url=PUBLIC, **shared) as two,
    ):
        stack.issuer.backchannel_logout_uri = f"{served.url}{LOGOUT}"
        yield one, two


async def test_ending_the_session_at_the_issuer_ends_it_on_both_replicas(
    replicas: tuple[Gateway, Gateway],
) -> None:
    one, two = replicas
    async with browser_on(two) as browser, browser_on(two) as bystander:
        await browser.sign_in()
        await bystander.sign_in()  # the same person in another browser: another `sid`
        assert await signed_in(browser, one) and await signed_in(browser, two)

        at_issuer = await browser.issuer.get("/logout")  # the issuer's own sign-out

        assert at_issuer.status_code == 200
        assert not await signed_in(browser, one)
        assert not await signed_in(browser, two)
        assert await signed_in(bystander, one)  # only that `sid` ended


async def test_a_logout_token_for_a_subject_ends_all_their_sessions_everywhere(
    replicas: tuple[Gateway, Gateway], stack: DemoStack
) -> None:
    one, two = replicas
    async with (
        browser_on(two) as first,
        browser_on(two) as second,
        browser_on(two) as someone_else,
    ):
        await first.sign_in()
        await second.sign_in()
        await someone_else.sign_in("cust-002")
        token = stack.issuer.issue_logout_token("cust-001")  # `sub` only, no `sid`

        answer = await one.client.post(LOGOUT, data={"logout_token": token})

        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-store"
        for browser in (first, second):
            assert not await signed_in(browser, one)
            assert not await signed_in(browser, two)
        assert await signed_in(someone_else, two)


async def test_a_replayed_logout_token_is_refused_on_any_replica(
    replicas: tuple[Gateway, Gateway], stack: DemoStack
) -> None:
    one, two = replicas
    token = stack.issuer.issue_logout_token("cust-001")
    assert (await two.client.post(LOGOUT, data={"logout_token": token})).status_code == 200
    async with browser_on(two) as browser:
        await browser.sign_in()  # signed in again after that logout

        replayed = await one.client.post(LOGOUT, data={"logout_token": token})

        assert replayed.status_code == 400
        assert replayed.json()["error"] == "invalid_request"
        assert await signed_in(browser, two)


def _forged(stack: DemoStack, **claims: Any) -> str:
    """A logout token signed with a key the issuer never had, under the issuer's kid."""
    genuine = stack.issuer.issue_logout_token("cust-001")
    payload = jwt.decode(genuine, options={"verify_signature": False}) | claims
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    headers = {"kid": stack.issuer.kid, "typ": "logout+jwt"}
    return jwt.encode(payload, key, algorithm="RS256", headers=headers)


BAD_TOKENS = {
    "nonce": lambda s: s.issuer.issue_logout_token("cust-001", nonce="n-1"),
    "wrong-audience": lambda s: s.issuer.issue_logout_token("cust-001", aud="someone-else"),
    "no-events": lambda s: s.issuer.issue_logout_token("cust-001", events=None),
    "other-event": lambda s: s.issuer.issue_logout_token("cust-001", events={"urn:x": {}}),
    "no-sid-or-sub": lambda s: s.issuer.issue_logout_token(),
    "no-jti": lambda s: s.issuer.issue_logout_token("cust-001", jti=None),
    "expired": lambda s: s.issuer.issue_logout_token("cust-001", iat=1, exp=2),
    "bad-signature": _forged,
    "an-id-token": lambda s: s.issuer.issue_token("cust-001", aud=s.env["PORTALGATE_CLIENT_ID"]),
}


@pytest.mark.parametrize("backend", ["memory", "redis"])
async def test_bad_logout_tokens_are_400_and_end_nothing(
    stack: DemoStack, tracer_provider: TracerProvider, redis4: PrefixedRedis, backend: str
) -> None:
    settings: dict[str, Any] = {"session_backend": backend, **redis4.settings}
    async with (
        open_gateway(stack, tracer_provider, public_url=PUBLIC, **settings) as gateway,
        browser_on(gateway) as browser,
    ):
        await browser.sign_in()
        for name, make in BAD_TOKENS.items():
            answer = await gateway.client.post(LOGOUT, data={"logout_token": make(stack)})
            assert answer.status_code == 400, name
            assert answer.json()["error"] == "invalid_request", name
            assert "eyJ" not in answer.text
        for body, content_type in [
            ("", "application/x-www-form-urlencoded"),
            ("logout_token=a&logout_token=b", "application/x-www-form-urlencoded"),
            ('{"logout_token": "x"}', "application/json"),
        ]:
            answer = await gateway.client.post(
                LOGOUT, content=body, headers={"Content-Type": content_type}
            )
            assert answer.status_code == 400
            assert answer.json()["error"] == "invalid_request"
        assert await signed_in(browser, gateway)


async def test_memory_backend_session_ends_when_the_issuer_ends_it(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with (
        serve_in_process(stack, tracer_provider) as served,
        as_gateway(served, stack) as gateway,
        browser_on(gateway, public=served.url) as browser,
    ):
        stack.issuer.backchannel_logout_uri = f"{served.url}{LOGOUT}"
        await browser.sign_in()
        assert await signed_in(browser, gateway)

        await browser.issuer.get("/logout")

        assert not await signed_in(browser, gateway)


async def test_a_session_whose_refresh_is_refused_is_ended(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    # A margin longer than the token's life makes every request refresh it.
    async with (
        open_gateway(
            stack, tracer_provider, public_url=PUBLIC, session_refresh_margin_s=10_000
        ) as gateway,
        browser_on(gateway) as browser,
    ):
        await browser.sign_in()
        await browser.issuer.get("/logout")  # no back-channel URI: only the tokens die
        before = stack.issuer.requests["token"]

        refused = await gateway.client.get(
            "/graphql", params=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
        )
        assert refused.status_code == 401
        assert stack.issuer.requests["token"] == before + 1  # the refused refresh
        assert not await signed_in(browser, gateway)
        assert stack.issuer.requests["token"] == before + 1  # the session is gone, not retried
