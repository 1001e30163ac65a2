"""Back-channel logout sent by an identity provider nobody here wrote (panva's certified
oidc-provider), to the gateway served on a real loopback port:

    gateway /auth/login ─▶ provider /auth ─▶ ... ─▶ gateway /auth/callback ─▶ session
    provider /session/end ─▶ confirm ─▶ provider POSTs logout_token to the gateway
                          ─▶ the session is gone from the shared store (Redis db 4)
"""

from __future__ import annotations

import base64
import os
import re
import socket
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

import aiohttp
import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import InProcessServer, serve_in_process
from tests.redis_server import PrefixedRedis, open_prefixed_redis
from tests.sso.independent_provider import (
    RESOURCE,
    OidcProvider,
    install_provider,
    node_tools,
    run_provider,
)

DB4 = "redis://127.0.0.1:6379/4"
MAX_REDIRECTS = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def redis4() -> AsyncIterator[PrefixedRedis]:
    async with open_prefixed_redis(DB4) as redis:
        yield redis


@pytest.fixture
async def provider_and_gateway(
    stack: DemoStack, tracer_provider: TracerProvider, redis4: PrefixedRedis
) -> AsyncIterator[tuple[OidcProvider, InProcessServer]]:
    """The provider starts first (the gateway discovers it), registered for the gateway's
    callback and back-channel logout on a port chosen for the gateway beforehand."""
    node, npm = node_tools()
    install_provider(npm)
    port = _free_port()
    secret = base64.urlsafe_b64encode(os.urandom(24)).decode()
    with run_provider(node, secret=secret, gateway_url=f"http://127.0.0.1:{port}") as op:
        async with serve_in_process(
            stack,
            tracer_provider,
            port=port,
            issuer=op.issuer,
            client_id=op.client_id,
            client_secret=op.client_secret,
            audience=RESOURCE,
            login_resource=(RESOURCE,),
            session_backend="redis",
            **redis4.settings,
        ) as served:
            yield op, served


def _cookies(response: httpx.Response) -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        for name, morsel in SimpleCookie(header).items():
            jar[name] = morsel.value
    return jar


async def _sign_in(
    op: OidcProvider, served: InProcessServer, provider_browser: aiohttp.ClientSession
) -> dict[str, str]:
    """Walk the login through the provider; the gateway's cookies at the end."""
    async with httpx.AsyncClient(base_url=served.url) as gateway:
        start = await gateway.get("/auth/login", params={"return_to": "/auth/session"})
        assert start.status_code == 302, start.text
        cookies = _cookies(start)
        url = start.headers["location"]
        for _ in range(MAX_REDIRECTS):
            if url.startswith(f"{served.url}/auth/callback"):
                break
            async with provider_browser.get(url, allow_redirects=False) as resp:
                assert resp.status in (302, 303), await resp.text()
                url = urljoin(url, resp.headers["Location"])
        else:
            pytest.fail("the provider never sent the browser back to the gateway")
        callback = urlsplit(url)
        jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
        landed = await gateway.get(f"{callback.path}?{callback.query}", headers={"Cookie": jar})
        assert landed.status_code == 302, landed.text
        return _cookies(landed)


async def _end_session_at_provider(
    op: OidcProvider, provider_browser: aiohttp.ClientSession
) -> None:
    """The provider's own sign-out page: GET /session/end, then confirm its form."""
    async with provider_browser.get(f"{op.issuer}/session/end") as page:
        assert page.status == 200, await page.text()
        html = await page.text()
    action = re.search(r'action="([^"]+)"', html)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', html)
    assert action and xsrf, html
    form = {"xsrf": xsrf.group(1), "logout": "yes"}
    target = urljoin(f"{op.issuer}/session/end", action.group(1))
    async with provider_browser.post(target, data=form, allow_redirects=False) as done:
        assert done.status in (200, 302, 303), await done.text()


async def test_the_providers_back_channel_logout_ends_the_gateway_session(
    provider_and_gateway: tuple[OidcProvider, InProcessServer], redis4: PrefixedRedis
) -> None:
    op, served = provider_and_gateway
    # unsafe=True: the provider's cookies are set by an IP address host.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        cookies = await _sign_in(op, served, browser)
        assert served.runtime.settings.cookie_name in cookies
        assert len(await redis4.keys("session:*")) == 1
        assert len(await redis4.keys("sid:*")) == 1  # the provider's ID token had a `sid`

        await _end_session_at_provider(op, browser)

    assert await redis4.keys("session:*") == []
    assert await redis4.keys("sid:*") == []
