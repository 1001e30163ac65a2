"""A development OpenID Connect provider for the demo customers.

    GET  /.well-known/openid-configuration   discovery
    GET  /jwks.json                          jwks (every key ever used, newest last)
    POST /token                              token: grant_type=password, password "demo"
    GET  /dev/token?customer=cust-001        dev_token: same answer, no password
    GET  /authorize                          authorize: 501, not implemented yet
    GET  /logout                             logout

Tokens are RS256 JWTs whose `kid` is the RFC 7638 thumbprint of the signing key. Keys
are generated at start, never stored. For development and tests only.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from demo.data import DemoCustomer
from demo.portals.base import same_secret
from demo.server import DemoServer

__all__ = ["DEMO_PASSWORD", "DevIssuer"]

DEMO_PASSWORD = "demo"  # every demo customer's password at the token endpoint
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class _SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, str]

    @classmethod
    def generate(cls) -> _SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        # RFC 7638: SHA-256 over the required members, sorted, without whitespace.
        required = {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}
        digest = hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest()
        kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        public = {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256"}
        return cls(kid, private_key, {**public, "n": jwk["n"], "e": jwk["e"]})


class DevIssuer(DemoServer):
    """Development identity provider for `customers`; the issuer is its own URL.

    Call `issue_token()` (after `start()`) to mint tokens directly in tests and tools.
    """

    def __init__(
        self,
        customers: Sequence[DemoCustomer],
        *,
        audience: str = "portalgate",
        token_ttl_s: int = 900,
    ) -> None:
        super().__init__()
        self.audience = audience
        self.token_ttl_s = token_ttl_s
        self._customers = {c.subject: c for c in customers}
        self._keys: list[_SigningKey] = []  # all published; the last one signs

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Generate the first signing key (once) and listen."""
        if not self._keys:
            self._keys.append(await asyncio.to_thread(_SigningKey.generate))
        await super().start(host, port)

    @property
    def issuer(self) -> str:
        """The `iss` of every token: this server's URL."""
        return self.url

    @property
    def kid(self) -> str:
        """The id of the key that signs new tokens; RuntimeError before the first key."""
        return self._signing_key().kid

    def _signing_key(self) -> _SigningKey:
        if not self._keys:
            raise RuntimeError("DevIssuer has no signing key before start()")
        return self._keys[-1]

    def rotate_key(self) -> str:
        """Sign new tokens with a fresh key, keep publishing the old ones; returns the kid."""
        key = _SigningKey.generate()
        self._keys.append(key)
        return key.kid

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public key set, as served at /jwks.json."""
        return {"keys": [dict(k.public_jwk) for k in self._keys]}

    def issue_token(self, subject: str, **overrides: Any) -> str:
        """A signed access token for the demo customer `subject`.

        `overrides` replace or add claims; a value of None removes the claim. Raises
        KeyError for an unknown subject and RuntimeError before `start()`.
        """
        customer = self._customers[subject]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": customer.subject,
            "iat": now,
            "nbf": now,
            "exp": now + self.token_ttl_s,
            "scope": "openid profile",
            "name": f"{customer.first_name} {customer.last_name}",
            "email": customer.email,
            "links": {
                "crm": customer.crm_id,
                "orders": customer.shop_no,
                "billing": customer.billing_account,
                "support": customer.support_party,
            },
        }
        if customer.tenant is None:
            claims["roles"] = ["customer"]
        else:
            claims["tenant"] = customer.tenant
            claims["roles"] = ["org_admin" if customer.org_role == "admin" else "org_member"]
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self._signing_key()
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})

    def _routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get("/.well-known/openid-configuration", self._discovery, name="discovery"),
            web.get("/jwks.json", self._jwks, name="jwks"),
            web.post("/token", self._token, name="token"),
            web.get("/dev/token", self._dev_token, name="dev_token"),
            web.get("/authorize", self._authorize, name="authorize"),
            web.get("/logout", self._logout, name="logout"),
        ]

    async def _discovery(self, request: web.Request) -> web.Response:
        base = self.url
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks.json",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "grant_types_supported": ["password"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": ["openid", "profile", "email"],
            "claims_supported": ["sub", "name", "email", "tenant", "roles", "links"],
        }
        return web.json_response(document, headers={"Access-Control-Allow-Origin": "*"})

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks(), headers={"Access-Control-Allow-Origin": "*"})

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        if fields.get("grant_type") != "password":
            return _oauth_error("unsupported_grant_type", "only grant_type=password")
        username = fields.get("username", "")
        if username not in self._customers or not same_secret(
            fields.get("password"), DEMO_PASSWORD
        ):
            return _oauth_error("invalid_grant", "unknown user or wrong password")
        return self._token_response(username)

    async def _dev_token(self, request: web.Request) -> web.Response:
        subject = request.query.get("customer", "")
        if not subject:
            return web.json_response({"error": "customer is required"}, status=400)
        if subject not in self._customers:
            return web.json_response({"error": "unknown customer"}, status=404)
        return self._token_response(subject)

    def _token_response(self, subject: str) -> web.Response:
        body = {
            "access_token": self.issue_token(subject),
            "token_type": "Bearer",
            "expires_in": self.token_ttl_s,
        }
        return web.json_response(body, headers={"Cache-Control": "no-store"})

    async def _authorize(self, request: web.Request) -> web.Response:
        return web.json_response({"error": "authorization code flow not implemented"}, status=501)

    async def _logout(self, request: web.Request) -> web.Response:
        target = request.query.get("post_logout_redirect_uri")
        if target is None:
            return web.json_response({"status": "logged out"})
        # Redirects only to loopback, so the dev issuer is never an open redirect.
        if urlsplit(target).hostname not in _LOOPBACK:
            return web.json_response({"error": "redirect must point to loopback"}, status=400)
        raise web.HTTPFound(target)


def _oauth_error(error: str, description: str) -> web.Response:
    body = {"error": error, "error_description": description}
    return web.json_response(body, status=400, headers={"Cache-Control": "no-store"})
