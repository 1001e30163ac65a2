"""Our token validation against an OpenID Provider we did not write: panva's certified
`oidc-provider` (npm), run by `tests/sso/oidc_provider/server.mjs` on 127.0.0.1.

    npm ci (only when node_modules is missing) ─▶ node server.mjs ─▶ "LISTENING <issuer>"
    discover(issuer) ─▶ JwksCache(jwks_uri) ─▶ TokenValidator
    POST <token_endpoint> grant_type=client_credentials [resource=...] ─▶ JWT access token

Running the provider lives in tests/sso/independent_provider.py. Without Node.js these
tests skip, except in CI (`CI` set), where they fail.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr

from sso.basic_auth import client_authorization
from sso.claims import build_principal
from sso.discovery import OidcMetadata, discover
from sso.errors import InvalidToken
from sso.jwks import JwksCache
from sso.token_endpoint import TokenEndpointClient
from sso.tokens import TokenPolicy, TokenValidator
from tests.sso.independent_provider import (
    CLIENT_ID,
    OTHER_RESOURCE,
    RESOURCE,
    OidcProvider,
    code_flow,
    install_provider,
    node_tools,
    run_provider,
)
from tests.sso.loopback_idp import FakeClock


@pytest.fixture(scope="module")
def node() -> str:
    node, npm = node_tools()
    install_provider(npm)
    return node


@pytest.fixture(scope="module", params=["RS256", "ES256"])
def provider(node: str, request: pytest.FixtureRequest) -> Iterator[OidcProvider]:
    with run_provider(
        node, secret=base64.urlsafe_b64encode(os.urandom(24)).decode(), alg=request.param
    ) as op:
        yield op


@pytest.fixture
async def metadata(provider: OidcProvider, session: aiohttp.ClientSession) -> OidcMetadata:
    return await discover(provider.issuer, session)


@pytest.fixture
async def provider_jwks(
    metadata: OidcMetadata, session: aiohttp.ClientSession
) -> AsyncIterator[JwksCache]:
    cache = JwksCache(metadata.jwks_uri, session)
    yield cache
    await cache.aclose()


def policy_for(op: OidcProvider, audience: str = RESOURCE) -> TokenPolicy:
    return TokenPolicy(
        issuer=op.issuer,
        audience=audience,
        algorithms=(op.access_token_alg,),
    )


async def client_credentials(
    session: aiohttp.ClientSession,
    op: OidcProvider,
    metadata: OidcMetadata,
    *,
    resource: str | None = None,
    scope: str | None = None,
) -> Mapping[str, Any]:
    """The token response for a client_credentials grant, with an RFC 8707 `resource`."""
    form = {"grant_type": "client_credentials"}
    if resource is not None:
        form["resource"] = resource
    if scope is not None:
        form["scope"] = scope
    headers = {"Authorization": client_authorization(CLIENT_ID, op.client_secret)}
    async with session.post(metadata.token_endpoint, data=form, headers=headers) as resp:
        body: dict[str, Any] = await resp.json()
        assert resp.status == 200, body
    return body


def decode_segment(segment: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    )
    return decoded


def encode_segment(value: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


# --- discovery ---------------------------------------------------------------------------


async def test_discovery_reads_the_providers_metadata(
    provider: OidcProvider, metadata: OidcMetadata
) -> None:
    assert metadata.issuer == provider.issuer
    assert metadata.jwks_uri == f"{provider.issuer}/jwks"
    assert metadata.token_endpoint == f"{provider.issuer}/token"
    assert "client_credentials" in metadata.grant_types_supported


# --- a real access token ------------------------------------------------------------------


async def test_client_credentials_token_validates_and_builds_a_principal(
    provider: OidcProvider,
    metadata: OidcMetadata,
    provider_jwks: JwksCache,
    session: aiohttp.ClientSession,
) -> None:
    # The gateway's own token endpoint client; it sends no `resource`, so the provider's
    # default resource (our audience) applies.
    client = TokenEndpointClient(
        metadata.token_endpoint, CLIENT_ID, SecretStr(provider.client_secret), session
    )
    grant = await client.client_credentials(scope="orders:read profile:read")
    token = grant.access_token

    header = jwt.get_unverified_header(token)
    assert header["alg"] == provider.access_token_alg
    assert header["typ"] == "at+jwt"
    assert isinstance(header["kid"], str) and header["kid"]

    claims = await TokenValidator(policy_for(provider), provider_jwks).validate(token)
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == RESOURCE
    # oidc-provider puts the client id in `sub` for client credentials tokens.
    assert claims["sub"] == claims["client_id"] == CLIENT_ID
    assert claims["iat"] <= time.time() + 5 < claims["exp"]
    assert claims["tenant"] == "acme"  # from server.mjs's extraTokenClaims

    principal = build_principal(claims, token)
    assert principal.subject == CLIENT_ID
    assert principal.issuer == provider.issuer
    assert principal.tenant == "acme"
    assert principal.scopes == {"orders:read", "profile:read"}
    assert principal.actor is None


async def test_tampered_payload_is_refused(
    provider: OidcProvider,
    metadata: OidcMetadata,
    provider_jwks: JwksCache,
    session: aiohttp.ClientSession,
) -> None:
    token = (await client_credentials(session, provider, metadata, scope="orders:read"))[
        "access_token"
    ]
    header, payload, signature = token.split(".")
    claims = decode_segment(payload)
    forged = f"{header}.{encode_segment({**claims, 'scope': 'orders:read admin'})}.{signature}"
    validator = TokenValidator(policy_for(provider), provider_jwks)

    assert (await validator.validate(token))["scope"] == "orders:read"
    with pytest.raises(InvalidToken) as caught:
        await validator.validate(forged)
    assert caught.value.reason == "signature or algorithm not accepted"


async def test_token_for_another_resource_is_refused(
    provider: OidcProvider,
    metadata: OidcMetadata,
    provider_jwks: JwksCache,
    session: aiohttp.ClientSession,
) -> None:
    token = (await client_credentials(session, provider, metadata, resource=OTHER_RESOURCE))[
        "access_token"
    ]
    assert decode_segment(token.split(".")[1])["aud"] == OTHER_RESOURCE

    with pytest.raises(InvalidToken) as caught:
        await TokenValidator(policy_for(provider), provider_jwks).validate(token)
    assert caught.value.reason == "audience not accepted"
    # The same token is fine for a gateway whose audience it names.
    other = TokenValidator(policy_for(provider, OTHER_RESOURCE), provider_jwks)
    assert (await other.validate(token))["aud"] == OTHER_RESOURCE


async def test_keys_are_fetched_once_across_validations(
    provider: OidcProvider,
    metadata: OidcMetadata,
    provider_jwks: JwksCache,
    session: aiohttp.ClientSession,
) -> None:
    responses = await asyncio.gather(
        *(client_credentials(session, provider, metadata) for _ in range(5))
    )
    validator = TokenValidator(policy_for(provider), provider_jwks)

    validated = await asyncio.gather(*(validator.validate(r["access_token"]) for r in responses))
    for response in responses:
        await validator.validate(response["access_token"])

    assert len({claims["jti"] for claims in validated}) == 5
    assert provider_jwks.fetch_count == 1


# --- key rotation --------------------------------------------------------------------------


def private_jwk(kid: str) -> dict[str, Any]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": kid, "use": "sig", "alg": "RS256"}
    # pyjwt marks a private JWK `key_ops: ["sign"]`, and oidc-provider publishes key_ops
    # unchanged, so the public key would say it cannot verify (JwksCache skips it).
    del jwk["key_ops"]
    return jwk


async def test_rotated_signing_key_is_picked_up_and_old_tokens_stay_valid(node: str) -> None:
    """The provider is redeployed on the same issuer with a new key published first."""
    old, new = private_jwk("2024-old"), private_jwk("2025-new")
    secret = base64.urlsafe_b64encode(os.urandom(24)).decode()
    clock = FakeClock()
    # No pooled connection may outlive the first provider process.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        with run_provider(node, secret=secret, jwks=json.dumps({"keys": [old]})) as first:
            metadata = await discover(first.issuer, session)
            old_token = (await client_credentials(session, first, metadata))["access_token"]
            jwks = JwksCache(metadata.jwks_uri, session, clock=clock)
            validator = TokenValidator(policy_for(first), jwks)
            await validator.validate(old_token)
        port = int(first.issuer.rsplit(":", 1)[1])

        rotated = json.dumps({"keys": [new, old]})
        with run_provider(node, secret=secret, port=port, jwks=rotated) as second:
            assert second.issuer == first.issuer
            new_token = (await client_credentials(session, second, metadata))["access_token"]
            assert jwt.get_unverified_header(new_token)["kid"] == "2025-new"

            clock.advance(31)  # past JwksCache's default 30 s between refreshes
            assert (await validator.validate(new_token))["sub"] == CLIENT_ID
            assert (await validator.validate(old_token))["sub"] == CLIENT_ID
            assert jwks.fetch_count == 2
            await jwks.aclose()


# --- ID tokens are not access tokens -------------------------------------------------------


async def test_code_flow_id_token_is_not_an_access_token(
    provider: OidcProvider, provider_jwks: JwksCache
) -> None:
    tokens = await code_flow(provider)
    id_header = jwt.get_unverified_header(tokens["id_token"])
    assert id_header["alg"] == provider.access_token_alg
    assert id_header.get("typ", "JWT") != "at+jwt"
    validator = TokenValidator(policy_for(provider, CLIENT_ID), provider_jwks)

    with pytest.raises(InvalidToken) as caught:
        await validator.validate(tokens["id_token"])
    assert caught.value.reason == "not an access token"

    # The same flow's access token is for our resource and passes the resource's policy.
    claims = await TokenValidator(policy_for(provider), provider_jwks).validate(
        tokens["access_token"]
    )
    assert (claims["sub"], claims["aud"]) == ("cust-001", RESOURCE)
