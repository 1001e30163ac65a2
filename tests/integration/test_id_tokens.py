"""An ID token is never a bearer token, whichever provider signed it (issue 6, point 12).

    code flow at the provider ─▶ {access_token (typ at+jwt), id_token (aud = our client)}
    POST /graphql  Authorization: Bearer <id_token>      ─▶ 401 "not an access token"
    POST /graphql  Authorization: Bearer <access_token>  ─▶ 200

In both set-ups the ID token names the gateway's audience, so only its type tells it apart.
"""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.demo.oidc import REDIRECT_URI, LoginAttempt, client_basic, sign_in, token_request
from tests.integration.conftest import Gateway, open_gateway
from tests.sso.independent_provider import (
    RESOURCE,
    OidcProvider,
    code_flow,
    install_provider,
    node_tools,
    run_provider,
)

QUERY = {"query": "{ viewer { profile { lastName } } }"}
NOT_AN_ACCESS_TOKEN = (
    'Bearer realm="portalgate", error="invalid_token", error_description="not an access token"'
)


async def dev_issuer_tokens(gateway: Gateway) -> dict[str, Any]:
    """The token response of a real code flow at the demo stack's issuer, as cust-001."""
    issuer = gateway.stack.issuer
    attempt = LoginAttempt.new()
    secret = gateway.stack.env["PORTALGATE_CLIENT_SECRET"]
    async with aiohttp.ClientSession() as browser:
        code = await sign_in(browser, issuer, attempt)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": attempt.verifier,
        }
        status, body = await token_request(
            browser,
            issuer,
            form,
            headers=client_basic(gateway.stack.env["PORTALGATE_CLIENT_ID"], secret),
        )
    assert status == 200, body
    return body


async def test_an_id_token_from_the_dev_issuer_is_refused_as_a_bearer_token(
    gateway: Gateway,
) -> None:
    tokens = await dev_issuer_tokens(gateway)
    id_token = tokens["id_token"]
    assert jwt.decode(id_token, options={"verify_signature": False})["aud"] == "portalgate"

    response = await gateway.client.post(
        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {id_token}"}
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == NOT_AN_ACCESS_TOKEN
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_access_token_of_the_same_flow_is_accepted(gateway: Gateway) -> None:
    tokens = await dev_issuer_tokens(gateway)
    assert jwt.get_unverified_header(tokens["access_token"])["typ"] == "at+jwt"
    assert jwt.get_unverified_header(tokens["id_token"])["typ"] == "JWT"

    response = await gateway.client.post(
        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["profile"]["lastName"]


# --- the independent OpenID provider (panva's oidc-provider) -----------------------------


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcProvider]:
    """oidc-provider whose client id is also the resource, so that its ID tokens and its
    access tokens name the same audience: the gateway's."""
    node, npm = node_tools()
    install_provider(npm)
    secret = base64.urlsafe_b64encode(os.urandom(24)).decode()
    with run_provider(node, secret=secret, client_id=RESOURCE) as op:
        yield op


def _without_token_exchange(registry: dict[str, Any]) -> None:
    # oidc-provider has no token exchange grant: a registry that needs it does not start.
    registry["connectors"]["orders"]["auth"] = {"scheme": "forward"}


@pytest.fixture
async def provider_gateway(
    provider: OidcProvider,
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> AsyncIterator[Gateway]:
    async with open_gateway(
        stack,
        tracer_provider,
        registry_path=registry_variant(_without_token_exchange),
        issuer=provider.issuer,
        audience=RESOURCE,
    ) as running:
        yield running


async def test_an_id_token_from_the_independent_provider_is_refused_as_a_bearer_token(
    provider_gateway: Gateway, provider: OidcProvider
) -> None:
    tokens = await code_flow(provider)
    id_token = tokens["id_token"]
    assert jwt.decode(id_token, options={"verify_signature": False})["aud"] == RESOURCE

    response = await provider_gateway.client.post(
        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {id_token}"}
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == NOT_AN_ACCESS_TOKEN


async def test_the_independent_providers_access_token_is_accepted(
    provider_gateway: Gateway, provider: OidcProvider
) -> None:
    tokens = await code_flow(provider)
    assert jwt.get_unverified_header(tokens["access_token"])["typ"] == "at+jwt"

    response = await provider_gateway.client.post(
        "/graphql",
        json={"query": "{ viewer { __typename } }"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )

    assert response.status_code == 200, response.text
    assert response.json() == {"data": {"viewer": {"__typename": "Viewer"}}}
