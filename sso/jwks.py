"""The identity provider's signing keys, fetched without blocking the event loop.

    discover(issuer)  ─▶ OidcMetadata.jwks_uri                       (sso/discovery.py)
    JwksCache(jwks_uri).get_signing_key(kid)
        cached and fresh ─▶ key
        unknown kid or TTL over ─▶ one shared refresh (at most one per min interval) ─▶ key
        refresh failed ─▶ keep serving the keys we had (stale-if-error)

pyjwt's `PyJWKClient` fetches with blocking urllib, so the fetch is ours (aiohttp) and
only the parsing is pyjwt's (`PyJWK`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

from connectors.single_flight import SingleFlight
from sso.algorithms import KEY_FAMILIES, key_fits
from sso.discovery import OidcMetadata, discover
from sso.errors import IdentityProviderError, InvalidToken
from sso.fetch import fetch_json, require_secure_url

__all__ = ["JwksCache", "OidcMetadata", "SigningKey", "discover", "parse_jwks"]

logger = logging.getLogger(__name__)

# JWK members that only a private or symmetric key has; a JWKS must never publish them.
_SECRET_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_JWKS = "jwks"  # the one refresh that can be in flight


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One verification key from the JWKS, with the JWK members the validator checks.

    `algorithm` is the `alg` the JWK itself declares (None when it declares none); a
    token signed with another algorithm must not be verified with this key.
    """

    kid: str
    key_type: str
    curve: str | None
    algorithm: str | None
    jwk: jwt.PyJWK


def parse_jwks(document: Mapping[str, Any]) -> dict[str, SigningKey]:
    """The usable signature keys of a JWKS document, by `kid`.

    Skipped: keys without a `kid`, keys for another `use` or without `verify` in
    `key_ops`, symmetric or private keys, algorithms we do not accept, and anything
    pyjwt cannot load. On a duplicate `kid` the first key wins.
    Raises IdentityProviderError when `keys` is not a list.
    """
    entries = document.get("keys")
    if not isinstance(entries, list):
        raise IdentityProviderError("JWKS document has no 'keys' list")
    keys: dict[str, SigningKey] = {}
    for entry in entries:
        key = _parse_jwk(entry)
        if key is not None and key.kid not in keys:
            keys[key.kid] = key
    return keys


def _parse_jwk(entry: object) -> SigningKey | None:
    if not isinstance(entry, dict):
        return None
    kid, kty, crv, alg = (entry.get(name) for name in ("kid", "kty", "crv", "alg"))
    if not isinstance(kid, str) or not kid or not isinstance(kty, str):
        return None
    if entry.get("use", "sig") != "sig" or _SECRET_MEMBERS & entry.keys():
        return None
    key_ops = entry.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        return None
    if crv is not None and not isinstance(crv, str):
        return None
    if alg is not None and not (isinstance(alg, str) and key_fits(alg, kty, crv)):
        return None
    if not any(family.key_type == kty for family in KEY_FAMILIES.values()):
        return None
    try:
        jwk = jwt.PyJWK.from_dict(entry)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None
    return SigningKey(kid=kid, key_type=kty, curve=crv, algorithm=alg, jwk=jwk)


class JwksCache:
    """Signing keys of one identity provider, refreshed on demand and rate limited.

    An unknown `kid` triggers a refresh at most once per `min_refresh_interval_s`, and
    concurrent callers share the one in-flight fetch, so a flood of tokens with made-up
    kids costs the identity provider one request per interval. Keys older than `ttl_s`
    are refreshed before use; if that fails, the old keys keep being served. Owned by
    the runtime, which passes the shared `session` and calls `aclose()` at shutdown.
    """

    def __init__(
        self,
        jwks_uri: str,
        session: aiohttp.ClientSession,
        *,
        min_refresh_interval_s: float = 30.0,
        ttl_s: float = 600.0,
        fetch_timeout_s: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if min_refresh_interval_s < 0 or ttl_s <= 0 or fetch_timeout_s <= 0:
            raise ValueError(
                "min_refresh_interval_s must be >= 0, ttl_s and fetch_timeout_s must be > 0"
            )
        self._jwks_uri = require_secure_url(jwks_uri, "jwks_uri")
        self._session = session
        self._min_refresh_interval_s = min_refresh_interval_s
        self._ttl_s = ttl_s
        self._fetch_timeout_s = fetch_timeout_s
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._refresh: SingleFlight[str, None] = SingleFlight("portalgate.jwks.refresh")
        self.fetch_count = 0

    async def get_key(self, kid: str) -> jwt.PyJWK:
        """The pyjwt key for `kid`; see `get_signing_key` for what it raises."""
        return (await self.get_signing_key(kid)).jwk

    async def get_signing_key(self, kid: str) -> SigningKey:
        """The key for `kid`, refreshing the JWKS when the kid is unknown or the TTL is over.

        Raises InvalidToken("signing key not found") for a kid the identity provider
        does not publish, and InvalidToken("identity provider unavailable") when no JWKS
        was ever fetched.
        """
        now = self._clock()
        fresh = self._fetched_at is not None and now - self._fetched_at < self._ttl_s
        if fresh and kid in self._keys:
            return self._keys[kid]
        if self._refresh.in_flight(_JWKS) or self._may_refresh(now):
            await self._refresh.run(_JWKS, self._start_refresh)
        key = self._keys.get(kid)
        if key is not None:
            return key
        if self._fetched_at is None:
            raise InvalidToken("identity provider unavailable")
        raise InvalidToken("signing key not found")

    async def aclose(self) -> None:
        """Cancel an in-flight refresh; the session belongs to the caller and stays open."""
        await self._refresh.aclose()

    def _may_refresh(self, now: float) -> bool:
        # Measured from the last attempt, not the last success, so a failing identity
        # provider is not hammered either.
        return (
            self._attempted_at is None or now - self._attempted_at >= self._min_refresh_interval_s
        )

    def _start_refresh(self) -> Awaitable[None]:
        # Runs once per shared refresh, when it starts; callers that come while it runs
        # join it, and one of them giving up does not cancel it for the others.
        self._attempted_at = self._clock()
        self.fetch_count += 1
        return self._fetch_and_store()

    async def _fetch_and_store(self) -> None:
        try:
            document = await fetch_json(self._session, self._jwks_uri, self._fetch_timeout_s)
            keys = parse_jwks(document)
            if not keys:
                # An empty set would lock every user out; treat it as a failed refresh.
                raise IdentityProviderError(f"{self._jwks_uri}: no usable signing keys")
        except IdentityProviderError as exc:
            logger.warning("JWKS refresh failed (%s); serving %d cached keys", exc, len(self._keys))
            return
        self._keys = keys
        self._fetched_at = self._clock()
