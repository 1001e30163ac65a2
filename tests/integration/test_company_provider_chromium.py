"""Issue 8, shown end to end: headless Chromium signs in at panva's certified oidc-provider,
registered as a company registers the gateway, in front of two gateway replicas that share
Redis.

    Chromium ─▶ replica A /auth/login ─▶ provider /auth (PKCE, resource, offline_access)
             ─▶ /interaction (signs in, consents) ─▶ A /auth/callback ─▶ A /auth/session
             ─▶ A /graphql + CSRF (refresh 1) ─▶ A /graphql + CSRF (refresh 2)
    httpx    ─▶ replica B, the same cookie: signed in (B does not refresh; it reads Redis)
    Chromium ─▶ provider /session/end ─▶ provider POSTs a logout_token to A
             ─▶ the session is gone from Redis ─▶ the old cookie is 401 on A and on B

The provider: a confidential client (client_secret_basic) with PKCE, JWT access tokens only
for the API's resource (`urn:portalgate`), refresh tokens rotated on every use, its own
token-exchange grant (the registry's orders connector needs one), and the customer's CRM
and billing ids as flat claims of the company's own naming, mapped by the registry.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from playwright.async_api import Page, async_playwright

from demo.data import DemoCustomer
from demo.stack import DemoStack
from tests.integration.conftest import InProcessServer, serve_in_process
from tests.integration.test_browser_chromium import BROWSER_FLAGS, POST_GRAPHQL, _chromium
from tests.redis_server import PrefixedRedis
from tests.sso.independent_provider import (
    RESOURCE,
    OidcProvider,
    install_provider,
    node_tools,
    run_provider,
)

SUBJECT = "cust-001"  # the one end-user server.mjs signs in
CRM_CLAIM = "https://crm.example.com/customer_id"
QUERY = json.dumps({"query": "{ viewer { profile { lastName } invoices { number } } }"})
GET_SESSION = """async () => {
    const r = await fetch("/auth/session", {credentials: "include"});
    return [r.status, await r.text()];
}"""
RegistryVariant = Callable[[Callable[[dict[str, Any]], None]], Path]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _company_links(registry: dict[str, Any]) -> None:
    """Identity links from the provider's own claim names, not the gateway's `links`."""
    registry["identity"]["links"] = {
        "crm": {"path": [CRM_CLAIM]},
        "billing": {"path": "billing_account"},
        "orders": {"path": "shop_no"},
        "support": {"lookup": "support_party", "from": "crm"},
    }


@dataclass(frozen=True)
class Deployment:
    """The provider, replica A (its public URL is the provider's registered gateway) and
    replica B, one Redis prefix for both."""

    op: OidcProvider
    a: InProcessServer
    b: InProcessServer
    redis: PrefixedRedis
    customer: DemoCustomer


@pytest.fixture
async def deployment(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    prefixed_redis: PrefixedRedis,
    registry_variant: RegistryVariant,
) -> AsyncIterator[Deployment]:
    node, npm = node_tools()
    install_provider(npm)
    customer = next(c for c in stack.customers if c.subject == SUBJECT)
    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    options = {
        "OIDC_REDIRECT_URIS": f"{public}/auth/callback",
        "OIDC_DEFAULT_RESOURCE": "",  # no resource asked for: an opaque, userinfo-only token
        "OIDC_OFFLINE_ACCESS": "1",
        "OIDC_USER_TOKEN_CLAIMS": json.dumps(
            {
                CRM_CLAIM: customer.crm_id,
                "billing_account": customer.billing_account,
                "shop_no": customer.shop_no,
            }
        ),
    }
    secret = base64.urlsafe_b64encode(os.urandom(24)).decode()
    registry = registry_variant(_company_links)
    with run_provider(node, secret=secret, gateway_url=public, options=options) as op:
        shared: dict[str, Any] = {
            "registry_path": registry,
            "issuer": op.issuer,
            "client_id": op.client_id,
            "client_secret": op.client_secret,
            "audience": RESOURCE,
            "login_resource": (RESOURCE,),
            "login_refresh": True,
            "session_backend": "redis",
            **prefixed_redis.settings,
        }
        async with (
            # A margin longer than the access token's life: every request on A refreshes.
            serve_in_process(
                stack, tracer_provider, port=port, session_refresh_margin_s=10_000, **shared
            ) as a,
            # B keeps the default margin, so it never refreshes here: it only reads Redis.
            serve_in_process(stack, tracer_provider, **shared) as b,
        ):
            yield Deployment(op, a, b, prefixed_redis, customer)


async def _stored_session(redis: PrefixedRedis) -> dict[str, Any]:
    """The one session behind the API, as Redis holds it."""
    (key,) = await redis.keys("session:*")
    raw = await redis.client.get(key)
    assert raw is not None
    stored: dict[str, Any] = json.loads(raw)
    return stored


async def _graphql(page: Page, csrf: str) -> dict[str, Any]:
    status, body = await page.evaluate(POST_GRAPHQL, [QUERY, csrf])
    assert status == 200, body
    result: dict[str, Any] = body
    return result


async def _status_on(replica: InProcessServer, cookie: str, csrf: str) -> tuple[int, int]:
    """(/auth/session, /graphql) statuses for a browser sending `cookie` to `replica`."""
    headers = {"Cookie": f"{replica.runtime.settings.cookie_name}={cookie}"}
    async with httpx.AsyncClient(base_url=replica.url, headers=headers) as client:
        session = await client.get("/auth/session")
        graphql = await client.post(
            "/graphql",
            content=QUERY,
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
    return session.status_code, graphql.status_code


async def _sign_out_at_provider(page: Page, op: OidcProvider) -> None:
    """The provider's own sign-out page, confirmed as a person would."""
    await page.goto(f"{op.issuer}/session/end")
    async with page.expect_navigation():
        await page.click('button[name="logout"][value="yes"]')


async def test_a_company_provider_signs_in_refreshes_and_logs_out_on_both_replicas(
    deployment: Deployment, stack: DemoStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    op, a, b, redis = deployment.op, deployment.a, deployment.b, deployment.redis
    customer = deployment.customer
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=_chromium(), args=BROWSER_FLAGS)
        try:
            page = await browser.new_page()
            asked: list[str] = []
            page.on("request", lambda r: asked.append(r.url))
            await page.goto(f"{a.url}/auth/login?return_to=/auth/session")
            await page.wait_for_url(f"{a.url}/auth/session")
            session = json.loads(await page.inner_text("body"))
            assert session["authenticated"] is True
            assert session["subject"] == SUBJECT
            (authorize,) = [u for u in asked if u.startswith(f"{op.issuer}/auth?")]
            query = parse_qs(urlsplit(authorize).query)
            assert query["code_challenge_method"] == ["S256"]
            assert query["resource"] == [RESOURCE]
            assert "offline_access" in query["scope"][0].split()

            cookie = {c["name"]: c["value"] for c in await page.context.cookies(a.url)}[
                a.runtime.settings.cookie_name
            ]
            csrf = session["csrfToken"]
            stored = [await _stored_session(redis)]
            for _ in range(2):  # each request on A refreshes, and the provider rotates
                body = await _graphql(page, csrf)
                assert "errors" not in body, body
                assert body["data"]["viewer"]["profile"]["lastName"] == customer.last_name
                assert {i["number"] for i in body["data"]["viewer"]["invoices"]} == {
                    i.invoice_id for i in stack.dataset.invoices[customer.billing_account]
                }
                stored.append(await _stored_session(redis))
            assert len({s["refresh_token"] for s in stored}) == 3
            assert len({s["access_token"] for s in stored}) == 3
            assert {s["id"] for s in stored} == {stored[0]["id"]}  # one session throughout
            assert stored[0]["sid"]  # the provider's ID token named its session
            assert await _status_on(b, cookie, csrf) == (200, 200)

            await _sign_out_at_provider(page, op)

            # Before any request reaches a gateway: only the logout_token can have done this.
            assert await redis.keys("session:*") == []
            assert await redis.keys("sid:*") == []
            assert await _status_on(b, cookie, csrf) == (401, 401)
            await page.goto(f"{a.url}/healthz")  # back on the gateway's origin
            status, _ = await page.evaluate(GET_SESSION)
            assert status == 401
            refused, _ = await page.evaluate(POST_GRAPHQL, [QUERY, csrf])
            assert refused == 401
        finally:
            await browser.close()

    # The old cookie, replayed after logout, is refused everywhere.
    assert await _status_on(a, cookie, csrf) == (401, 401)
    assert await _status_on(b, cookie, csrf) == (401, 401)
    logged = [r.getMessage() for r in caplog.records]
    assert "back-channel logout ended 1 session(s)" in logged
    assert not [line for line in logged if "session ended" in line or "refused" in line]
