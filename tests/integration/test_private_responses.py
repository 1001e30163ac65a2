"""Responses that depend on who asks are never stored by a cache: `Cache-Control:
no-store` and `Vary` on every /graphql and /auth/* response, errors included."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, QUERY, UI, Browser
from tests.integration.conftest import Gateway, open_gateway


@pytest.fixture
async def browser(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Browser]:
    async with (
        open_gateway(stack, tracer_provider, public_url=PUBLIC, ui_origins=(UI,)) as gateway,
        httpx.AsyncClient(base_url=stack.issuer.url) as issuer,
    ):
        yield Browser(gateway, issuer)


def _assert_private(response: httpx.Response) -> None:
    assert response.headers["cache-control"] == "no-store", response.request.url
    vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
    assert {"authorization", "cookie", "accept"} <= vary, response.request.url


async def test_every_graphql_response_is_no_store_and_varies(gateway: Gateway) -> None:
    client, auth = gateway.client, gateway.auth()
    responses = [
        await client.post("/graphql", json=QUERY, headers=auth),
        await client.get("/graphql", params=QUERY, headers=auth),
        await client.post("/graphql", json={"query": "{ viewer { nope } }"}, headers=auth),
        await client.post("/graphql", json=QUERY),  # 401
        await client.post("/graphql", content="{", headers={"Content-Type": "application/json"}),
        await client.put("/graphql", headers=auth),  # 405
        await client.post("/graphql", json=QUERY, headers={**auth, "Accept": "text/plain"}),
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 401, 400, 405, 406]
    for response in responses:
        _assert_private(response)


async def test_session_routes_and_cookie_queries_are_no_store(browser: Browser) -> None:
    await browser.sign_in()
    client = browser.gateway.client

    responses = [
        await client.get("/auth/session", headers=browser.headers()),
        await client.get("/auth/session"),  # 401, not signed in
        await client.get("/auth/login", params={"return_to": "/"}),
        await client.get(
            "/graphql", params=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
        ),
        await client.get("/graphql", params=QUERY, headers=browser.headers()),  # 403
    ]

    assert [r.status_code for r in responses] == [200, 401, 302, 200, 403]
    for response in responses:
        _assert_private(response)


async def test_cors_keeps_its_vary_origin(browser: Browser) -> None:
    response = await browser.gateway.client.post(
        "/graphql", json=QUERY, headers={**browser.gateway.auth(), "Origin": UI}
    )

    assert response.headers["access-control-allow-origin"] == UI
    vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
    assert {"origin", "authorization", "cookie", "accept"} <= vary
    _assert_private(response)
