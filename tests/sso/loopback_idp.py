"""A real identity provider on loopback (discovery + JWKS) and the keys it publishes."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

AUDIENCE = "customer-api"

PrivateKey = RSAPrivateKey | ec.EllipticCurvePrivateKey | Ed25519PrivateKey


@dataclass(frozen=True)
class Keys:
    """Signing keys made once per test session (RSA generation is slow)."""

    rsa: RSAPrivateKey
    rsa_next: RSAPrivateKey
    rsa_weak: RSAPrivateKey
    ec256: ec.EllipticCurvePrivateKey
    ed25519: Ed25519PrivateKey


def public_jwk(key: PrivateKey, kid: str | None, **members: Any) -> dict[str, Any]:
    """The public JWK of `key`, with `kid` and any extra members (alg, use, ...)."""
    jwk: dict[str, Any]
    if isinstance(key, RSAPrivateKey):
        jwk = dict(RSAAlgorithm.to_jwk(key.public_key(), as_dict=True))
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        jwk = dict(ECAlgorithm.to_jwk(key.public_key(), as_dict=True))
    else:
        jwk = dict(OKPAlgorithm.to_jwk(key.public_key(), as_dict=True))
    if kid is not None:
        jwk["kid"] = kid
    jwk.update(members)
    return jwk


@dataclass
class IdpState:
    """What the loopback identity provider serves; tests change it between requests."""

    keys: list[dict[str, Any]]
    advertised_issuer: str | None = None
    jwks_status: int = 200
    jwks_body: bytes | None = None
    hits: Counter[str] = field(default_factory=Counter)
    # When `hold` is set, /jwks.json signals `entered` and waits for `release`.
    hold: bool = False
    entered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)


IDP_STATE = web.AppKey("idp_state", IdpState)


async def _openid_configuration(request: web.Request) -> web.Response:
    state = request.app[IDP_STATE]
    state.hits["discovery"] += 1
    base = str(request.url.origin())
    return web.json_response(
        {
            "issuer": state.advertised_issuer or base,
            "jwks_uri": f"{base}/jwks.json",
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "subject_types_supported": ["public"],
        }
    )


async def _jwks(request: web.Request) -> web.Response:
    state = request.app[IDP_STATE]
    state.hits["jwks"] += 1
    if state.hold:
        state.entered.set()
        await state.release.wait()
    if state.jwks_status != 200:
        return web.Response(status=state.jwks_status, text="down")
    if state.jwks_body is not None:
        return web.Response(body=state.jwks_body, content_type="application/json")
    return web.json_response({"keys": state.keys})


def build_idp_app(state: IdpState) -> web.Application:
    """The provider's two routes: the discovery document and the JWKS."""
    app = web.Application()
    app[IDP_STATE] = state
    app.router.add_get("/.well-known/openid-configuration", _openid_configuration)
    app.router.add_get("/jwks.json", _jwks)
    return app


@dataclass
class IdentityProvider:
    """A running loopback OIDC provider and the state behind it."""

    server: TestServer
    state: IdpState

    @property
    def issuer(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/jwks.json"

    def publish(self, *jwks: dict[str, Any]) -> None:
        self.state.keys = list(jwks)


class FakeClock:
    """An injected monotonic clock that moves only when a test says so."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class MakeToken(Protocol):
    def __call__(
        self,
        claims: dict[str, Any] | None = None,
        *,
        key: PrivateKey | None = None,
        kid: str | None = "rsa-1",
        alg: str = "RS256",
        drop: tuple[str, ...] = (),
        headers: dict[str, Any] | None = None,
    ) -> str: ...
