"""The OAuth upstream schemes against the development issuer's real token endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import jwt
import pytest
from pydantic import SecretStr

from config.errors import ConfigError
from config.upstream_auth import (
    ClientCredentialsAuth,
    ForwardTokenAuth,
    TokenExchangeAuth,
)
from connectors.errors import ConnectorUnavailable, UpstreamRejected
from connectors.principal import Principal
from demo.data import demo_customers
from demo.issuer import DevIssuer
from sso.token_endpoint import TokenEndpointClient, TokenEndpointError
from sso.upstream import UpstreamCredentials


@pytest.fixture
async def issuer() -> AsyncIterator[DevIssuer]:
    async with DevIssuer(demo_customers(5)) as running:
        yield running


@pytest.fixture
async def client(issuer: DevIssuer) -> AsyncIterator[TokenEndpointClient]:
    async with aiohttp.ClientSession() as session:
        yield TokenEndpointClient(
            f"{issuer.url}/token", issuer.client_id, SecretStr(issuer.client_secret), session
        )


def principal(issuer: DevIssuer, subject: str) -> Principal:
    return Principal(subject=subject, issuer=issuer.url, token=issuer.issue_token(subject))


def bearer(headers: Mapping[str, str]) -> dict[str, Any]:
    """The claims of the token in an Authorization header (already verified by the portal
    side in other tests; here we only read what was asked for)."""
    token = headers["Authorization"].removeprefix("Bearer ")
    return dict(jwt.decode(token, options={"verify_signature": False}))


async def test_client_credentials_token_has_the_portals_audience_and_is_reused(
    issuer: DevIssuer, client: TokenEndpointClient
) -> None:
    credentials = UpstreamCredentials(
        {"support": ClientCredentialsAuth(scheme="client_credentials", audience="support-portal")},
        {},
        token_client=client,
    )

    first = await credentials.for_call("support", None)
    second = await credentials.for_call("support", principal(issuer, "cust-001"))

    assert bearer(first.headers)["aud"] == "support-portal"
    assert bearer(first.headers)["sub"] == issuer.client_id
    assert first.headers == second.headers
    assert credentials.token_requests == 1


async def test_token_exchange_is_per_customer_and_keeps_who_they_are(
    issuer: DevIssuer, client: TokenEndpointClient
) -> None:
    credentials = UpstreamCredentials(
        {"orders": TokenExchangeAuth(scheme="token_exchange", audience="orders-portal")},
        {},
        token_client=client,
    )
    alice, bob = principal(issuer, "cust-001"), principal(issuer, "cust-002")

    for_alice = bearer((await credentials.for_call("orders", alice)).headers)
    for_bob = bearer((await credentials.for_call("orders", bob)).headers)
    await credentials.for_call("orders", alice)

    assert (for_alice["sub"], for_alice["aud"]) == ("cust-001", "orders-portal")
    assert (for_bob["sub"], for_bob["aud"]) == ("cust-002", "orders-portal")
    assert credentials.token_requests == 2


async def test_forward_passes_the_users_own_token(issuer: DevIssuer) -> None:
    credentials = UpstreamCredentials({"crm": ForwardTokenAuth(scheme="forward")}, {})
    alice = principal(issuer, "cust-001")

    auth = await credentials.for_call("crm", alice)

    assert auth.headers == {"Authorization": f"Bearer {alice.token}"}
    with pytest.raises(UpstreamRejected) as caught:
        await credentials.for_call("crm", None)
    assert caught.value.status == 401


async def test_oauth_schemes_need_a_token_client() -> None:
    with pytest.raises(ConfigError) as caught:
        UpstreamCredentials(
            {"support": ClientCredentialsAuth(scheme="client_credentials")}, {}, source="r.yaml"
        )
    assert caught.value.key == "connectors.support.auth.scheme"


async def test_a_refused_or_unreachable_token_endpoint_is_a_connector_error(
    issuer: DevIssuer,
) -> None:
    async with aiohttp.ClientSession() as session:
        wrong_secret = TokenEndpointClient(
            f"{issuer.url}/token", issuer.client_id, SecretStr("not-the-secret"), session
        )
        with pytest.raises(TokenEndpointError) as refused:
            await wrong_secret.client_credentials("support-portal")
        assert (refused.value.error, refused.value.status) == ("invalid_client", 401)
        assert "not-the-secret" not in str(refused.value)

        credentials = UpstreamCredentials(
            {"support": ClientCredentialsAuth(scheme="client_credentials")},
            {},
            token_client=wrong_secret,
        )
        with pytest.raises(UpstreamRejected):
            await credentials.for_call("support", None)

        await issuer.refuse_connections()
        unreachable = UpstreamCredentials(
            {"support": ClientCredentialsAuth(scheme="client_credentials")},
            {},
            token_client=TokenEndpointClient(
                f"{issuer.url}/token", issuer.client_id, SecretStr(issuer.client_secret), session
            ),
        )
        with pytest.raises(ConnectorUnavailable):
            await unreachable.for_call("support", None)
