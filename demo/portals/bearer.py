"""Bearer JWTs checked by a portal itself, against the keys of one OIDC issuer.

    first token   ─▶ GET <issuer>/.well-known/openid-configuration ─▶ GET jwks_uri ─▶ keys kept
    unknown kid   ─▶ fetch the keys again (one fetch at a time), then refuse if still unknown
    every token   ─▶ signature (RS256 or ES256, the alg the key with that kid is for),
                     iss, exp, nbf, aud ∈ the portal's audiences

A key set may hold RSA and EC keys side by side (real providers publish both): each key
is loaded for its own type (pyjwt's PyJWK), a key pyjwt cannot load is skipped, and a
token is checked only with the key its `kid` names, for that key's algorithm.

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
_ALGORITHMS = frozenset({"RS256", "ES256"})


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
        kid, alg = header.get("kid"), header.get("alg")
        if alg not in _ALGORITHMS or not isinstance(kid, str):
            raise InvalidBearer("expected an RS256 or ES256 token with a kid")
        key = await self._key(kid)
        if key.algorithm_name != alg:
            raise InvalidBearer("the key with that kid is for another algorithm")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
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
            entries = jwks.get("keys", [])
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError) as exc:
            raise IssuerUnavailable("cannot fetch the issuer's keys") from exc
        keys = {}
        for entry in entries if isinstance(entries, list) else []:
            key = _load_key(entry)
            if key is not None:
                keys[entry["kid"]] = key
        if not keys:
            raise IssuerUnavailable("the issuer published no usable key")
        return keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with self._session.get(url, allow_redirects=False) as resp:
            resp.raise_for_status()
            body = await resp.json()
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body


def _load_key(entry: object) -> jwt.PyJWK | None:
    """A signature key of a supported algorithm, or None: one odd key must not make the
    whole set unusable."""
    if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
        return None
    if not isinstance(entry.get("kid"), str):
        return None
    try:
        key = jwt.PyJWK.from_dict(entry)  # the type follows `kty`/`crv` (or `alg`)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    return key if key.algorithm_name in _ALGORITHMS else None


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
