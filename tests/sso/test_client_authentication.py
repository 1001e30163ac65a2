"""Every grant of the gateway's token endpoint client, with each client authentication
method, against panva's certified `oidc-provider` (tests/sso/oidc_provider/server.mjs).

    client_secret_basic  <id>-basic   client_secret_post  <id>-post
    private_key_jwt      <id>-jwt     (public keys registered with the provider)
    login (code + PKCE) ─▶ refresh ─▶ client credentials ─▶ token exchange (server.mjs's grant)

The client is built the way the gateway builds it at start-up: settings ─▶ discovery ─▶
`client_authentication` ─▶ `TokenEndpointClient`.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator, Iterator

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from config.settings import Settings
from config.upstream_auth import TargetParameter
from sso.client_key import jwk_thumbprint
from sso.client_setup import client_authentication
from sso.discovery import OidcMetadata, discover
from sso.jwks import JwksCache
from sso.token_endpoint import TokenEndpointClient, TokenEndpointError, TokenGrant
from sso.tokens import TokenPolicy, TokenValidator
from tests.sso.independent_provider import (
    CLIENT_ID,
    OTHER_RESOURCE,
    REDIRECT_URI,
    RESOURCE,
    OidcProvider,
    authorize,
    install_provider,
    node_tools,
    run_provider,
)
from tests.sso.loopback_idp import Keys, public_jwk

METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
CLIENT_IDS = {
    "client_secret_basic": f"{CLIENT_ID}-basic",
    "client_secret_post": f"{CLIENT_ID}-post",
    "private_key_jwt": f"{CLIENT_ID}-jwt",
}


def private_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> SecretStr:
    return SecretStr(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
    )


@pytest.fixture(scope="module")
def provider(keys: Keys) -> Iterator[OidcProvider]:
    node, npm = node_tools()
    install_provider(npm)
    # Registered as a company would: the public JWKs, named by their RFC 7638 thumbprints
    # (the gateway's default `kid`).
    client_jwks = {"keys": [public_jwk(k, jwk_thumbprint(k)) for k in (keys.rsa, keys.ec256)]}
    with run_provider(
        node,
        secret=base64.urlsafe_b64encode(os.urandom(24)).decode(),
        jwt_client_jwks=json.dumps(client_jwks),
    ) as op:
        yield op


@pytest.fixture
async def metadata(provider: OidcProvider, session: aiohttp.ClientSession) -> OidcMetadata:
    return await discover(provider.issuer, session)


@pytest.fixture
async def jwks(metadata: OidcMetadata, session: aiohttp.ClientSession) -> AsyncIterator[JwksCache]:
    cache = JwksCache(metadata.jwks_uri, session)
    yield cache
    await cache.aclose()


def id_tokens(
    provider: OidcProvider, client: TokenEndpointClient, jwks: JwksCache
) -> TokenValidator:
    policy = TokenPolicy(
        issuer=provider.issuer,
        audience=client.client_id,
        algorithms=(provider.access_token_alg,),
        use="id",
    )
    return TokenValidator(policy, jwks)


def make_client(
    method: str,
    provider: OidcProvider,
    metadata: OidcMetadata,
    session: aiohttp.ClientSession,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
) -> TokenEndpointClient:
    settings = Settings(
        issuer=provider.issuer,
        client_id=CLIENT_IDS[method],
        client_secret=SecretStr(provider.client_secret),
        token_endpoint_auth_method=method,
        client_private_key=private_pem(key) if method == "private_key_jwt" else None,
    )
    return TokenEndpointClient(
        metadata.token_endpoint,
        settings.client_id,
        settings.client_secret,
        session,
        authentication=client_authentication(settings, metadata),
    )


@pytest.fixture(params=METHODS)
def client(
    request: pytest.FixtureRequest,
    provider: OidcProvider,
    metadata: OidcMetadata,
    session: aiohttp.ClientSession,
    keys: Keys,
) -> TokenEndpointClient:
    return make_client(request.param, provider, metadata, session, keys.rsa)


async def login(provider: OidcProvider, client: TokenEndpointClient) -> TokenGrant:
    granted = await authorize(provider, client_id=client.client_id)
    return await client.authorization_code(granted.code, REDIRECT_URI, granted.verifier)


def claims_of(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


async def test_login_with_each_method_gets_an_id_token_for_the_client(
    provider: OidcProvider, client: TokenEndpointClient, jwks: JwksCache
) -> None:
    grant = await login(provider, client)

    assert grant.id_token is not None
    claims = await id_tokens(provider, client, jwks).validate(grant.id_token)
    assert (claims["sub"], claims["aud"]) == ("cust-001", client.client_id)
    assert grant.access_token and grant.refresh_token


async def test_refresh_with_each_method_rotates_the_refresh_token(
    provider: OidcProvider, client: TokenEndpointClient, jwks: JwksCache
) -> None:
    first = await login(provider, client)
    assert first.refresh_token is not None

    second = await client.refresh(first.refresh_token)

    assert second.id_token is not None
    assert (await id_tokens(provider, client, jwks).validate(second.id_token))["sub"] == "cust-001"
    assert second.refresh_token and second.refresh_token != first.refresh_token
    with pytest.raises(TokenEndpointError) as reused:
        await client.refresh(first.refresh_token)
    assert reused.value.error == "invalid_grant"


async def test_client_credentials_with_each_method_sends_a_uri_as_resource(
    client: TokenEndpointClient,
) -> None:
    # oidc-provider knows only RFC 8707 `resource`: a URI sent as `audience` alone would
    # get the default resource (urn:portalgate) instead.
    grant = await client.client_credentials(OTHER_RESOURCE, "reports:read")

    claims = claims_of(grant.access_token)
    assert (claims["aud"], claims["sub"], claims["scope"]) == (
        OTHER_RESOURCE,
        client.client_id,
        "reports:read",
    )


async def test_token_exchange_with_each_method_keeps_the_subject(
    provider: OidcProvider, client: TokenEndpointClient
) -> None:
    user = await login(provider, client)

    exchanged = await client.exchange(user.access_token, audience=OTHER_RESOURCE)

    claims = claims_of(exchanged.access_token)
    assert (claims["sub"], claims["aud"], claims["client_id"]) == (
        "cust-001",
        OTHER_RESOURCE,
        client.client_id,
    )


async def test_an_ec_key_signs_es256_assertions(
    provider: OidcProvider,
    metadata: OidcMetadata,
    session: aiohttp.ClientSession,
    keys: Keys,
) -> None:
    client = make_client("private_key_jwt", provider, metadata, session, keys.ec256)

    grant = await client.client_credentials(RESOURCE)

    assert claims_of(grant.access_token)["sub"] == client.client_id


async def test_an_unregistered_key_is_invalid_client_with_the_providers_reason(
    provider: OidcProvider,
    metadata: OidcMetadata,
    session: aiohttp.ClientSession,
    keys: Keys,
) -> None:
    client = make_client("private_key_jwt", provider, metadata, session, keys.rsa_next)

    with pytest.raises(TokenEndpointError) as caught:
        await client.client_credentials(RESOURCE)

    assert (caught.value.error, caught.value.status) == ("invalid_client", 401)
    assert caught.value.description  # oidc-provider's words: "client authentication failed"
    assert caught.value.description in str(caught.value)


@pytest.mark.parametrize(
    ("target", "parameter", "audience"),
    [
        (OTHER_RESOURCE, "auto", OTHER_RESOURCE),  # a URI goes out as `resource`
        (OTHER_RESOURCE, "both", OTHER_RESOURCE),
        # oidc-provider ignores `audience` (RFC 8707 only): its default resource applies.
        (OTHER_RESOURCE, "audience", RESOURCE),
        ("other-api", "auto", RESOURCE),  # a plain name can only be `audience`
    ],
)
async def test_the_target_is_sent_as_the_registry_says(
    provider: OidcProvider,
    metadata: OidcMetadata,
    session: aiohttp.ClientSession,
    keys: Keys,
    target: str,
    parameter: TargetParameter,
    audience: str,
) -> None:
    client = make_client("client_secret_basic", provider, metadata, session, keys.rsa)

    grant = await client.client_credentials(target, target_parameter=parameter)

    assert claims_of(grant.access_token)["aud"] == audience


async def test_a_plain_name_forced_into_resource_is_the_providers_invalid_target(
    provider: OidcProvider, metadata: OidcMetadata, session: aiohttp.ClientSession, keys: Keys
) -> None:
    client = make_client("client_secret_post", provider, metadata, session, keys.rsa)

    with pytest.raises(TokenEndpointError) as caught:
        await client.client_credentials("other-api", target_parameter="resource")

    assert (caught.value.error, caught.value.status) == ("invalid_target", 400)
