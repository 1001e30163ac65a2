"""Claims and signatures of the issuer's tokens, and verification of the ones it issued.

access token   iss aud sub iat nbf exp scope name email roles [links tenant] [act client_id]
id token       iss aud=client_id sub iat exp auth_time nonce sid at_hash name email
logout token   iss aud=client_id sub sid iat exp jti events   (Back-Channel Logout 1.0 §2.4)
client token   iss aud sub=client_id client_id iat nbf exp [scope]

Access and client tokens carry the JOSE header `typ: at+jwt` (RFC 9068), id tokens `JWT`,
logout tokens `logout+jwt`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from demo.idp.keys import KeyRing
from demo.idp.people import Directory

__all__ = ["BACKCHANNEL_LOGOUT_EVENT", "DEFAULT_SCOPE", "Mint"]

DEFAULT_SCOPE = "openid profile"
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
_LOGOUT_TOKEN_TTL_S = 120


class Mint:
    """Makes the issuer's JWTs. `issuer` is called for `iss` (the server's URL, known
    once it listens); `audience` and `token_ttl_s` may change while it runs."""

    def __init__(
        self,
        keys: KeyRing,
        people: Directory,
        *,
        issuer: Callable[[], str],
        audience: str,
        token_ttl_s: int,
    ) -> None:
        self._keys = keys
        self._people = people
        self._issuer = issuer
        self.audience = audience
        self.token_ttl_s = token_ttl_s

    @property
    def issuer(self) -> str:
        return self._issuer()

    def sign(self, claims: dict[str, Any]) -> str:
        """`claims` as an access token: RFC 9068 `typ: at+jwt`, so no one takes it for an
        ID token and the gateway can refuse ID tokens as bearer tokens."""
        return self._keys.sign(claims, typ="at+jwt")

    def access_claims(
        self,
        subject: str,
        *,
        audience: str | None = None,
        scope: str = DEFAULT_SCOPE,
        ttl_s: int | None = None,
    ) -> dict[str, Any]:
        """An access token's claims for a known subject; raises KeyError otherwise."""
        person = self._people.claims(subject)
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": audience or self.audience,
            "sub": person.pop("sub"),
            "iat": now,
            "nbf": now,
            "exp": now + (self.token_ttl_s if ttl_s is None else ttl_s),
            "scope": scope,
            **person,
        }

    def client_claims(
        self, client_id: str, *, audience: str | None, scope: str | None
    ) -> dict[str, Any]:
        """A client_credentials token's claims: the client is the subject."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience or self.audience,
            "sub": client_id,
            "client_id": client_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.token_ttl_s,
        }
        if scope:
            claims["scope"] = scope
        return claims

    def id_token(
        self,
        subject: str,
        *,
        client_id: str,
        nonce: str | None,
        sid: str,
        auth_time: int,
        access_token: str,
    ) -> str:
        """An OIDC id_token for `client_id` (OIDC Core §2, §3.1.3.6 for `at_hash`)."""
        person = self._people.claims(subject)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "sub": subject,
            "iat": now,
            "exp": now + self.token_ttl_s,
            "auth_time": auth_time,
            "sid": sid,
            "at_hash": _at_hash(access_token),
            "name": person["name"],
            "email": person["email"],
        }
        if nonce is not None:
            claims["nonce"] = nonce
        return self._keys.sign(claims, typ="JWT")

    def logout_claims(
        self, *, client_id: str, subject: str | None, sid: str | None
    ) -> dict[str, Any]:
        """A logout token's claims: no nonce, a fresh `jti`, the back-channel logout event."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + _LOGOUT_TOKEN_TTL_S,
            "jti": secrets.token_urlsafe(16),
            "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        }
        if subject is not None:
            claims["sub"] = subject
        if sid is not None:
            claims["sid"] = sid
        return claims

    def sign_logout(self, claims: dict[str, Any]) -> str:
        return self._keys.sign(claims, typ="logout+jwt")

    def verify(
        self, token: str, *, audience: str | None, verify_exp: bool = True
    ) -> Mapping[str, Any]:
        """The claims of a token this issuer signed; raises jwt.InvalidTokenError."""
        return self._keys.verify(
            token, issuer=self.issuer, audience=audience, verify_exp=verify_exp
        )


def _at_hash(access_token: str) -> str:
    # RS256 and ES256 use SHA-256: the left half of the hash, base64url without padding.
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")
