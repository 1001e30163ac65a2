"""Browser sign-in with an identity provider registered as a company would (issue 8):
panva's oidc-provider with an API resource that gets JWT access tokens only when asked
for by `resource` (RFC 8707), refresh tokens only for `offline_access`, and no token
exchange; every failure gives its true message and a log line.

    /auth/login ─▶ provider (login, consent) ─▶ /auth/callback ─▶ /auth/session ─▶ /graphql
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from config.errors import ConfigError
from demo.stack import DemoStack
from sso.basic_auth import client_authorization
from tests.integration.browser_client import PUBLIC, QUERY, Browser
from tests.integration.conftest import open_gateway
from tests.sso.independent_provider import (
    RESOURCE,
    OidcProvider,
    install_provider,
    node_tools,
    run_provider,
)

CALLBACK = f"{PUBLIC}/auth/callback"
# As a company first registers the gateway: its callback, JWT access tokens only for the
# API's resource, and (like most providers) no token exchange.
COMPANY = {
    "OIDC_REDIRECT_URIS": CALLBACK,
    "OIDC_DEFAULT_RESOURCE": "",
    "OIDC_TOKEN_EXCHANGE": "0",
}
RegistryVariant = Callable[[Callable[[dict[str, Any]], None]], Path]


def _provider(options: Mapping[str, str]) -> Iterator[OidcProvider]:
    node, npm = node_tools()
    install_provider(npm)
    secret = base64.urlsafe_b64encode(os.urandom(24)).decode()
    with run_provider(node, secret=secret, options=options) as op:
        yield op


@pytest.fixture(scope="module")
def company_provider() -> Iterator[OidcProvider]:
    """No refresh tokens, no token exchange; employees' client tokens carry a role."""
    claims = json.dumps({"roles": ["customer_service"]})
    yield from _provider({**COMPANY, "OIDC_CLIENT_TOKEN_CLAIMS": claims})


@pytest.fixture(scope="module")
def refreshing_provider() -> Iterator[OidcProvider]:
    """The same, with offline_access and the refresh_token grant."""
    yield from _provider({**COMPANY, "OIDC_OFFLINE_ACCESS": "1"})


def _without_token_exchange(registry: dict[str, Any]) -> None:
    registry["connectors"]["orders"]["auth"] = {"scheme": "forward"}


@pytest.fixture
def provider_gateway(
    stack: DemoStack, tracer_provider: TracerProvider, registry_variant: RegistryVariant
) -> Callable[..., Any]:
    """Open a gateway with browser sign-in at `op`, with more settings."""

    def open_for(op: OidcProvider, **settings: Any) -> Any:
        return open_gateway(
            stack,
            tracer_provider,
            registry_path=registry_variant(_without_token_exchange),
            issuer=op.issuer,
            audience=RESOURCE,
            client_id=op.client_id,
            client_secret=op.client_secret,
            public_url=PUBLIC,
            **settings,
        )

    return open_for


@pytest.fixture
async def at_provider(company_provider: OidcProvider) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=company_provider.issuer) as client:
        yield client


async def walk_to_callback(browser: Browser, op: OidcProvider) -> tuple[str, str]:
    """Start a login and follow the provider's redirects (it signs in and consents at
    once); (the authorize URL the gateway sent, the callback URL the provider sent)."""
    start = await browser.get("/auth/login", params={"return_to": "/auth/session"})
    assert start.status_code == 302, start.text
    authorize = location = start.headers["location"]
    async with httpx.AsyncClient() as at_op:
        for _ in range(12):
            answer = await at_op.get(location)
            assert answer.status_code in (302, 303), answer.text
            location = urljoin(location, answer.headers["location"])
            if location.startswith(CALLBACK):
                return authorize, location
    pytest.fail(f"{op.issuer} never sent the browser back to {CALLBACK}")


async def open_callback(browser: Browser, location: str) -> httpx.Response:
    parts = urlsplit(location)
    return await browser.get(f"{parts.path}?{parts.query}")


def logged(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if text in r.getMessage()]


async def test_login_with_login_resource_yields_a_usable_session(
    company_provider: OidcProvider, provider_gateway: Callable[..., Any]
) -> None:
    async with provider_gateway(company_provider, login_resource=(RESOURCE,)) as gateway:
        browser = Browser(gateway, httpx.AsyncClient())
        authorize, location = await walk_to_callback(browser, company_provider)
        landed = await browser.open_callback(location)
        session = await gateway.client.get("/auth/session", headers=browser.headers())
        graphql = await gateway.client.post(
            "/graphql",
            json={"query": "{ viewer { __typename } }"},
            headers=browser.headers(**{"X-CSRF-Token": browser.csrf}),
        )

    assert parse_qs(urlsplit(authorize).query)["resource"] == [RESOURCE]
    assert landed.status_code == 302, landed.text
    assert session.status_code == 200, session.text
    assert session.json()["subject"] == "cust-001"
    assert graphql.status_code == 200, graphql.text
    assert graphql.json() == {"data": {"viewer": {"__typename": "Viewer"}}}


async def test_login_without_login_resource_is_refused_with_the_setting_to_change(
    company_provider: OidcProvider,
    provider_gateway: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with provider_gateway(company_provider) as gateway:
        browser = Browser(gateway, httpx.AsyncClient())
        _, location = await walk_to_callback(browser, company_provider)
        refused = await open_callback(browser, location)

    assert refused.status_code == 400
    message = refused.json()["errors"][0]["message"]
    assert "the identity provider issued an access token this gateway cannot use" in message
    assert "it is not a JWT" in message
    assert "PORTALGATE_LOGIN_RESOURCE" in message
    assert not browser.session_cookie  # no session was created
    (line,) = logged(caplog, "login refused: the identity provider issued an access token")
    assert "opaque" in line


async def test_refresh_works_with_offline_access(
    refreshing_provider: OidcProvider,
    provider_gateway: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    # A margin longer than the token's life makes every request refresh it.
    async with provider_gateway(
        refreshing_provider, login_resource=(RESOURCE,), session_refresh_margin_s=10_000
    ) as gateway:
        browser = Browser(gateway, httpx.AsyncClient())
        authorize, location = await walk_to_callback(browser, refreshing_provider)
        landed = await browser.open_callback(location)  # its /auth/session: refresh 1
        second = await gateway.client.get("/auth/session", headers=browser.headers())
        third = await gateway.client.post(
            "/graphql",
            json={"query": "{ viewer { __typename } }"},
            headers=browser.headers(**{"X-CSRF-Token": browser.csrf}),
        )

    asked = parse_qs(urlsplit(authorize).query)
    assert "offline_access" in asked["scope"][0].split()
    assert asked["prompt"] == ["consent"]  # OpenID Connect Core §11; oidc-provider needs it
    assert landed.status_code == 302, landed.text
    assert browser.csrf
    assert second.status_code == 200, second.text
    assert third.status_code == 200, third.text
    assert logged(caplog, "session ended") == []
    assert logged(caplog, "no refresh token") == []


async def test_a_session_without_refresh_token_ends_with_a_log_line(
    company_provider: OidcProvider,
    provider_gateway: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    async with provider_gateway(
        company_provider, login_resource=(RESOURCE,), session_refresh_margin_s=10_000
    ) as gateway:
        browser = Browser(gateway, httpx.AsyncClient())
        _, location = await walk_to_callback(browser, company_provider)
        landed = await open_callback(browser, location)
        session = await gateway.client.get("/auth/session", headers=browser.headers())

    assert landed.status_code == 302, landed.text
    assert session.status_code == 401
    (start_warning,) = logged(caplog, "PORTALGATE_LOGIN_REFRESH: the identity provider")
    assert "offline_access" in start_warning
    assert logged(caplog, "login: the identity provider issued no refresh token")
    (ended,) = logged(caplog, "session ended: its access token expires and it has no refresh")
    assert "PORTALGATE_LOGIN_REFRESH" in ended


async def test_login_scopes_the_provider_does_not_list_are_warned_at_start(
    company_provider: OidcProvider,
    provider_gateway: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    async with provider_gateway(company_provider, login_resource=(RESOURCE,)):
        pass

    (warning,) = logged(caplog, "PORTALGATE_LOGIN_SCOPES: ")
    assert "does not list profile, email in scopes_supported (openid, orders:read" in warning


async def test_a_connector_needing_a_grant_the_provider_lacks_stops_the_start(
    company_provider: OidcProvider, stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    with pytest.raises(ConfigError) as refused:
        async with open_gateway(
            stack, tracer_provider, issuer=company_provider.issuer, audience=RESOURCE
        ):
            pass

    assert refused.value.key == "connectors.orders.auth.scheme"
    assert "urn:ietf:params:oauth:grant-type:token-exchange grant" in refused.value.problem
    assert "lists only: implicit, authorization_code, refresh_token, client_credentials" in (
        refused.value.problem
    )


async def employee_token(at_provider: httpx.AsyncClient, op: OidcProvider) -> str:
    """An employee's access token: the client's own, with the customer_service role."""
    answer = await at_provider.post(
        "/token",
        data={"grant_type": "client_credentials", "resource": RESOURCE},
        headers={"Authorization": client_authorization(op.client_id, op.client_secret)},
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


async def test_act_as_without_token_exchange_at_the_provider_says_so(
    company_provider: OidcProvider,
    provider_gateway: Callable[..., Any],
    at_provider: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    token = await employee_token(at_provider, company_provider)
    async with provider_gateway(company_provider, login_resource=(RESOURCE,)) as gateway:
        answer = await gateway.client.post(
            "/graphql",
            json=QUERY,
            headers={"Authorization": f"Bearer {token}", "X-Act-As": "cust-001"},
        )

    assert answer.status_code == 403, answer.text
    assert answer.json()["errors"][0]["message"] == (
        "The identity provider does not support token exchange (unsupported_grant_type); "
        "acting for customers is unavailable."
    )
    (line,) = logged(caplog, "act-as: the identity provider refused the token exchange")
    assert "unsupported_grant_type (HTTP 400)" in line
    (start,) = logged(caplog, "PORTALGATE_EMPLOYEE_ROLE: acting for customers (X-Act-As)")
    assert "token-exchange" in start


# --- the development issuer ----------------------------------------------------------


async def test_a_refused_refresh_ends_the_session_and_logs_the_providers_reason(
    stack: DemoStack, tracer_provider: TracerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with (
        open_gateway(
            stack, tracer_provider, public_url=PUBLIC, session_refresh_margin_s=10_000
        ) as gateway,
        httpx.AsyncClient(base_url=stack.issuer.url) as issuer,
    ):
        browser = Browser(gateway, issuer)
        landed = await browser.sign_in()
        await issuer.get("/logout")  # the issuer ends its session and revokes the refresh
        after = await gateway.client.get("/auth/session", headers=browser.headers())
        again = await gateway.client.get("/auth/session", headers=browser.headers())

    assert landed.status_code == 302
    assert after.status_code == 401
    assert again.status_code == 401
    (line,) = logged(caplog, "session ended: the identity provider refused its refresh")
    assert "invalid_grant (HTTP 400)" in line
    assert "no error_description" not in line


async def test_an_act_claim_without_roles_is_accepted_for_configured_employees_only(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, employee_subjects=("emp-001",)) as gateway:
        configured = await gateway.client.post(
            "/graphql", json=QUERY, headers=gateway.auth(act={"sub": "emp-001"})
        )
        other = await gateway.client.post(
            "/graphql", json=QUERY, headers=gateway.auth(act={"sub": "emp-999"})
        )

    assert configured.status_code == 200, configured.text
    assert configured.json()["data"]["viewer"]["profile"]["lastName"]
    assert other.status_code == 403
    assert "without the role" in other.json()["errors"][0]["message"]


async def test_a_refused_token_exchange_for_a_portal_says_what_the_provider_said(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: RegistryVariant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)

    def ask_too_much(registry: dict[str, Any]) -> None:
        registry["connectors"]["orders"]["auth"]["scope"] = "orders:admin"

    async with open_gateway(
        stack, tracer_provider, registry_path=registry_variant(ask_too_much)
    ) as gateway:
        body = await gateway.query("{ viewer { orders(first: 3) { totalCount } } }")

    (error,) = body["errors"]
    assert error["extensions"] == {"code": "UPSTREAM_REJECTED", "connector": "orders"}
    assert error["message"] == (
        "orders: the identity provider refused to issue a token for orders: invalid_scope"
    )
    (line,) = logged(caplog, "connector orders: the identity provider refused its token_exchange")
    assert "invalid_scope (HTTP 400): the requested scope exceeds the granted scope" in line


async def test_a_refusal_at_the_provider_is_reported_with_its_error_code(
    stack: DemoStack, tracer_provider: TracerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with open_gateway(stack, tracer_provider, public_url=PUBLIC) as gateway:
        browser = Browser(gateway, httpx.AsyncClient())
        await browser.get("/auth/login", params={"return_to": "/auth/session"})
        refused = await browser.get(
            "/auth/callback",
            params={"error": "consent_required", "error_description": "the user said no"},
        )
        garbage = await browser.get("/auth/callback", params={"error": "<script>"})

    assert refused.status_code == 400
    assert refused.json()["errors"][0]["message"] == (
        "Sign-in was cancelled or refused at the identity provider (consent_required)."
    )
    assert "<script>" not in garbage.text
    (line,) = logged(caplog, "login refused at the identity provider: consent_required")
    assert line.endswith("the user said no")
