"""Bearer JWTs checked by a portal itself, against the keys of one OIDC issuer.

    first token   ─▶ GET <issuer>/.well-known/openid-configuration ─▶ GET jwks_uri ─▶ keys kept
    unknown kid   ─▶ fetch the keys again (one fetch at a time), then refuse if still unknown
    every token   ─▶ RS256 signature, iss, exp, nbf, aud ∈ the portal's audiences

The HTTP session lives as long as the portal's application (`issuer_keys_context`), and
the keys live with it, in `app[ISSUER_KEYS]`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp
import jwt
from aiohttp import web

from demo.server import CleanupContext

__all__ = [
    "ISSUER_KEYS",
    "InvalidBearer",
    "IssuerKeys",
    "IssuerUnavailable",
    "bearer_token",
    "issuer_keys_context",
]

_FETCH_TIMEOUT = aiohttp.ClientTimeout(total=5)


class InvalidBearer(Exception):
    """The token is not acceptable (bad signature, expired, wrong audience, ...)."""


class IssuerUnavailable(Exception):
    """The issuer's keys could not be fetched."""


class IssuerKeys:
    """The signing keys of `issuer`, fetched with `session` when first needed."""

    def __init__(self, issuer: str, session: aiohttp.ClientSession) -> None:
        self._issuer = issuer.rstrip("/")
        self._session = session
        self._keys: dict[str, jwt.PyJWK] = {}
        self._lock = asyncio.Lock()
        self._fetches = 0

    async def verify(self, token: str, audiences: Sequence[str]) -> dict[str, Any]:
        """The token's claims; raises InvalidBearer or IssuerUnavailable."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidBearer("not a JWT") from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise InvalidBearer("expected an RS256 token with a kid")
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=list(audiences),
                issuer=self._issuer,
                options={"require": ["iss", "sub", "aud", "exp"]},
            )
        except jwt.InvalidTokenError as exc:
            raise InvalidBearer(str(exc)) from exc
        return claims

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid in self._keys:
            return self._keys[kid]
        seen = self._fetches
        async with self._lock:
            # Whoever held the lock may have fetched already; fetch only if nobody did.
            if self._fetches == seen:
                self._keys = await self._fetch()
                self._fetches += 1
        key = self._keys.get(kid)
        if key is None:
            raise InvalidBearer("unknown kid")
        return key

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        try:
            discovery = await self._get_json(f"{self._issuer}/.well-known/openid-configuration")
            if discovery.get("issuer") != self._issuer:
                raise IssuerUnavailable("discovery names another issuer")
            jwks = await self._get_json(str(discovery["jwks_uri"]))
            keys: dict[str, jwt.PyJWK] = {}
            for entry in jwks.get("keys", []):
                if entry.get("use", "sig") == "sig" and isinstance(entry.get("kid"), str):
                    keys[entry["kid"]] = jwt.PyJWK.from_dict(entry, algorithm="RS256")
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            raise IssuerUnavailable("cannot fetch the issuer's keys") from exc
        except jwt.PyJWKError as exc:
            raise IssuerUnavailable("the issuer published an unusable key") from exc
        return keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with self._session.get(url, allow_redirects=False) as resp:
            resp.raise_for_status()
            body = await resp.json()
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body


ISSUER_KEYS = web.AppKey("demo.portals.bearer.issuer_keys", IssuerKeys)


def issuer_keys_context(issuer: str) -> CleanupContext:
    """A cleanup context that puts `IssuerKeys(issuer, session)` in `app[ISSUER_KEYS]`."""

    async def keys(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(timeout=_FETCH_TIMEOUT) as session:
            app[ISSUER_KEYS] = IssuerKeys(issuer, session)
            yield

    return keys


def bearer_token(request: web.Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
