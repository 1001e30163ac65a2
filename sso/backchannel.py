"""OpenID Connect Back-Channel Logout 1.0: the identity provider ends sessions here.

    POST logout_token=<JWT>   (from the provider's server, no browser, no cookie)
      ─▶ header: typ logout+jwt when present                 §2.4
      ─▶ TokenValidator: signature (JWKS), alg, iss, aud = our client, exp, iat, jti
      ─▶ events has the back-channel logout member, no nonce,
         sid and/or sub                                       §2.6 steps 3-6
      ─▶ jti not seen before (memory or Redis, until exp)     §2.6 step 10 (replays)
      ─▶ SessionStore.end_sessions(sid, sub): every replica's sessions of that sid/sub

A refused token raises `LogoutRefused` with a fixed reason (safe to answer with); nothing
is ended then, and its `jti` is not remembered, so a forged token cannot block a real one.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import jwt

from sso.errors import InvalidToken
from sso.sessions import SessionStore
from sso.tokens import TokenPolicy, TokenValidator

__all__ = [
    "BACKCHANNEL_LOGOUT_EVENT",
    "LOGOUT_TOKEN_CLAIMS",
    "BackchannelLogout",
    "LogoutRefused",
    "logout_token_policy",
]

logger = logging.getLogger(__name__)

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_CLAIMS = ("iss", "aud", "iat", "exp", "jti", "events")
_LOGOUT_TYPES = frozenset({"logout+jwt", "application/logout+jwt"})


class LogoutRefused(Exception):
    """The logout token is not acceptable; `reason` is fixed text, never token content."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def logout_token_policy(id_token_policy: TokenPolicy) -> TokenPolicy:
    """The ID-token policy (same issuer, our client as audience, same algorithms), with
    the claims a logout token must carry."""
    return dataclasses.replace(id_token_policy, use="id", required_claims=LOGOUT_TOKEN_CLAIMS)


class BackchannelLogout:
    """Validates logout tokens and ends the sessions they name; one per runtime."""

    def __init__(self, validator: TokenValidator, store: SessionStore) -> None:
        self._validator = validator
        self._store = store

    async def log_out(self, logout_token: str) -> int:
        """End the sessions `logout_token` names; how many ended. Raises LogoutRefused."""
        claims = await self._claims(logout_token)
        sid, subject = claims.get("sid"), claims.get("sub")
        ttl_s = float(claims["exp"]) - time.time() + 60.0  # outlives the validator's leeway
        if not await self._store.first_use(f"{claims['iss']} {claims['jti']}", ttl_s):
            raise LogoutRefused("the logout token was already used")
        ended = await self._store.end_sessions(sid=sid, subject=subject)
        logger.info("back-channel logout ended %d session(s)", ended)
        return ended

    async def _claims(self, token: str) -> dict[str, Any]:
        try:
            typ = jwt.get_unverified_header(token).get("typ")
        except jwt.PyJWTError:
            raise LogoutRefused("token is malformed") from None
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in _LOGOUT_TYPES):
            raise LogoutRefused("not a logout token (typ)")
        try:
            claims = await self._validator.validate(token)
        except InvalidToken as exc:
            raise LogoutRefused(exc.reason) from None
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(
            events.get(BACKCHANNEL_LOGOUT_EVENT), dict
        ):
            raise LogoutRefused("events has no back-channel logout event")
        if "nonce" in claims:
            raise LogoutRefused("a logout token must not contain a nonce")
        sid, subject = claims.get("sid"), claims.get("sub")
        if sid is None and subject is None:
            raise LogoutRefused("a logout token needs sid or sub")
        if not all(value is None or (isinstance(value, str) and value) for value in (sid, subject)):
            raise LogoutRefused("sid and sub must be strings")
        if not isinstance(claims.get("jti"), str) or not claims["jti"]:
            raise LogoutRefused("jti must be a string")
        return claims
