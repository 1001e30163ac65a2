"""Attacks on the browser login, walked over HTTP against the development issuer:

login CSRF (a callback URL opened in another browser), mix-up (`iss` from another
provider, RFC 9207), and what the cookies look like.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, Browser
from tests.integration.conftest import Gateway, open_gateway


@pytest.fixture
async def gateway(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Gateway]:
    async with open_gateway(stack, tracer_provider, public_url=PUBLIC) as running:
        yield running


@pytest.fixture
async def issuers(stack: DemoStack) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two cookie jars at the issuer: the attacker's browser and the victim's."""
    async with (
        httpx.AsyncClient(base_url=stack.issuer.url) as attacker,
        httpx.AsyncClient(base_url=stack.issuer.url) as victim,
    ):
        yield attacker, victim


def _with_query(location: str, **changes: str | None) -> str:
    parts = urlsplit(location)
    query = dict(parse_qsl(parts.query))
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def _refused_without_a_session(response: httpx.Response, gateway: Gateway) -> None:
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    name = gateway.runtime.settings.cookie_name
    assert not any(h.startswith(f"{name}=") for h in response.headers.get_list("set-cookie"))


async def test_a_callback_url_opened_in_another_browser_signs_nobody_in(
    gateway: Gateway, issuers: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    attacker = Browser(gateway, issuers[0])
    victim = Browser(gateway, issuers[1])
    assert (await victim.sign_in("cust-002")).status_code == 302
    victims_session = victim.session_cookie

    # The attacker signs in at the issuer but sends their callback URL to the victim,
    # whose browser has its own session and a login of its own under way.
    first = await attacker.authorize("cust-001")
    second = await attacker.authorize("cust-001")
    assert first.status_code == second.status_code == 302
    await victim.get("/auth/login")
    with_own_login = await victim.open_callback(first.headers["location"])
    no_cookies = await Browser(gateway, issuers[1]).open_callback(second.headers["location"])

    _refused_without_a_session(with_own_login, gateway)
    _refused_without_a_session(no_cookies, gateway)
    assert "another browser" in with_own_login.json()["errors"][0]["message"]
    assert victim.session_cookie == victims_session
    still = await gateway.client.get("/auth/session", headers=victim.headers())
    assert still.json()["subject"] == "cust-002"


async def test_a_callback_with_another_providers_iss_or_none_is_refused(
    gateway: Gateway, stack: DemoStack, issuers: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    browser = Browser(gateway, issuers[0])
    sent = await browser.authorize()
    location = sent.headers["location"]
    assert dict(parse_qsl(urlsplit(location).query))["iss"] == stack.issuer.url

    wrong_iss = await browser.open_callback(_with_query(location, iss="https://idp.example"))
    again = await browser.authorize()  # the dev issuer advertises RFC 9207, so iss is required
    no_iss = await browser.open_callback(_with_query(again.headers["location"], iss=None))

    _refused_without_a_session(wrong_iss, gateway)
    _refused_without_a_session(no_iss, gateway)
    assert "another identity provider" in wrong_iss.json()["errors"][0]["message"]
    assert "no `iss`" in no_iss.json()["errors"][0]["message"]
    ok = await browser.open_callback((await browser.authorize()).headers["location"])
    assert ok.status_code == 302


async def test_both_cookies_are_host_prefixed_secure_and_host_only(
    gateway: Gateway, issuers: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    browser = Browser(gateway, issuers[0])
    start = await browser.get("/auth/login")
    (login_cookie,) = [h.lower() for h in start.headers.get_list("set-cookie")]
    sent = await browser.authorize()
    landed = await browser.open_callback(sent.headers["location"])
    by_name = {h.split("=")[0].lower(): h.lower() for h in landed.headers.get_list("set-cookie")}
    session_cookie = by_name["__host-http-portalgate_session"]
    cleared_login = by_name["__host-http-portalgate_login"]

    assert login_cookie.startswith("__host-http-portalgate_login=")
    assert "max-age=0" in cleared_login
    assert "max-age=600" in login_cookie
    for cookie in (login_cookie, session_cookie):
        for attribute in ("httponly", "secure", "samesite=lax", "path=/"):
            assert attribute in cookie
        assert "domain=" not in cookie


async def test_without_secure_cookies_unprefixed_names_still_sign_in(
    stack: DemoStack, tracer_provider: TracerProvider, issuers: tuple[httpx.AsyncClient, ...]
) -> None:
    async with open_gateway(
        stack,
        tracer_provider,
        public_url=PUBLIC,
        cookie_secure=False,
        cookie_name="pg_session",
        login_cookie_name="pg_login",
    ) as gateway:
        browser = Browser(gateway, issuers[0])
        landed = await browser.sign_in()
        assert landed.status_code == 302
        assert set(browser.cookies) == {"pg_session"}
        assert all("secure" not in h.lower() for h in landed.headers.get_list("set-cookie"))
