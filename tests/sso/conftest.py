"""Fixtures: a loopback identity provider, a client session, a fake clock, tokens."""

from __future__ import annotations

import time
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from sso.jwks import JwksCache
from sso.tokens import TokenPolicy, TokenValidator
from tests.sso.loopback_idp import (
    AUDIENCE,
    FakeClock,
    IdentityProvider,
    IdpState,
    Keys,
    MakeToken,
    PrivateKey,
    build_idp_app,
    public_jwk,
)


@pytest.fixture(scope="session")
def keys() -> Keys:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Keys(
            rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
            rsa_next=rsa.generate_private_key(public_exponent=65537, key_size=2048),
            rsa_weak=rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505 (must be refused)
            ec256=ec.generate_private_key(ec.SECP256R1()),
            ed25519=ed25519.Ed25519PrivateKey.generate(),
        )


@pytest.fixture
async def idp(keys: Keys) -> AsyncIterator[IdentityProvider]:
    state = IdpState(
        keys=[
            public_jwk(keys.rsa, "rsa-1", alg="RS256", use="sig"),
            public_jwk(keys.ec256, "ec-1", alg="ES256", use="sig"),
        ]
    )
    server = TestServer(build_idp_app(state), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield IdentityProvider(server=server, state=state)
    finally:
        state.release.set()
        await server.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def jwks(
    idp: IdentityProvider, session: aiohttp.ClientSession, clock: FakeClock
) -> AsyncIterator[JwksCache]:
    cache = JwksCache(idp.jwks_uri, session, clock=clock)
    yield cache
    await cache.aclose()


@pytest.fixture
def make_policy(idp: IdentityProvider) -> Callable[..., TokenPolicy]:
    def make(**overrides: Any) -> TokenPolicy:
        settings: dict[str, Any] = {"issuer": idp.issuer, "audience": AUDIENCE, **overrides}
        return TokenPolicy(**settings)

    return make


@pytest.fixture
def validator(make_policy: Callable[..., TokenPolicy], jwks: JwksCache) -> TokenValidator:
    return TokenValidator(make_policy(), jwks)


@pytest.fixture
def make_token(idp: IdentityProvider, keys: Keys) -> MakeToken:
    def make(
        claims: dict[str, Any] | None = None,
        *,
        key: PrivateKey | None = None,
        kid: str | None = "rsa-1",
        alg: str = "RS256",
        drop: tuple[str, ...] = (),
        headers: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": idp.issuer,
            "aud": AUDIENCE,
            "sub": "cust-42",
            "iat": now,
            "exp": now + 300,
            **(claims or {}),
        }
        for name in drop:
            payload.pop(name, None)
        # An RFC 9068 access token unless a test says otherwise (None drops the typ).
        headers = {"typ": "at+jwt", **({"kid": kid} if kid is not None else {}), **(headers or {})}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the deliberately weak key warns
            return jwt.encode(payload, key or keys.rsa, algorithm=alg, headers=headers)

    return make
