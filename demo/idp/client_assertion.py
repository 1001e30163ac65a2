"""`private_key_jwt` at the dev issuer: the client's registered public keys and the
assertions already spent (RFC 7523 §3, OIDC Core §9).

    client_assertion ─▶ signature by a registered key (RS256, PS256, ES256)
                     ─▶ iss = sub = the client, aud = the token endpoint or the issuer,
                        exp in the near future, jti never seen before ─▶ the client id

Spent `jti`s are kept until their assertion expires, so the store stays small.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from demo.idp.errors import OAuthError

__all__ = ["ASSERTION_ALGORITHMS", "JWT_BEARER", "ClientAssertions", "PublicKey"]

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("RS256", "PS256", "ES256")
_MAX_LIFETIME_S = 300  # an assertion meant to live longer is refused
_LEEWAY_S = 5

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class ClientAssertions:
    """The public keys one client signs its assertions with, and the spent `jti`s."""

    def __init__(self, client_id: str) -> None:
        self._client_id = client_id
        self._keys: list[PublicKey] = []
        self._spent: dict[str, float] = {}

    def register(self, key: PublicKey) -> None:
        """Accept assertions signed by the private half of `key` from now on."""
        self._keys.append(key)

    def verify(self, assertion: str, audiences: Sequence[str]) -> str:
        """The client id the assertion proves; raises OAuthError invalid_client (401)."""
        claims = self._verified_claims(assertion, audiences)
        now = time.time()
        if claims.get("sub") != self._client_id:
            raise _refused("client_assertion sub must be the client id")
        if float(claims["exp"]) - now > _MAX_LIFETIME_S:
            raise _refused(f"client_assertion must expire within {_MAX_LIFETIME_S} s")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise _refused("client_assertion needs a jti")
        self._spent = {k: exp for k, exp in self._spent.items() if exp + _LEEWAY_S >= now}
        if jti in self._spent:
            raise _refused("client_assertion was already used")
        self._spent[jti] = float(claims["exp"])
        return self._client_id

    def _verified_claims(self, assertion: str, audiences: Sequence[str]) -> dict[str, Any]:
        if not self._keys:
            raise _refused("no key is registered for private_key_jwt")
        try:
            alg = jwt.get_unverified_header(assertion).get("alg")
        except jwt.InvalidTokenError:
            raise _refused("client_assertion is not a JWT") from None
        if alg not in ASSERTION_ALGORITHMS:
            raise _refused(
                f"client_assertion must be signed with {', '.join(ASSERTION_ALGORITHMS)}"
            )
        kind = ec.EllipticCurvePublicKey if alg == "ES256" else rsa.RSAPublicKey
        for key in (k for k in self._keys if isinstance(k, kind)):
            try:
                claims: dict[str, Any] = jwt.decode(
                    assertion,
                    key,
                    algorithms=list(ASSERTION_ALGORITHMS),
                    audience=list(audiences),
                    issuer=self._client_id,
                    leeway=_LEEWAY_S,
                    options={"require": ["iss", "sub", "aud", "exp", "jti"]},
                )
            except jwt.InvalidSignatureError:
                continue  # another registered key may have signed it
            except jwt.InvalidTokenError as exc:
                raise _refused(f"client_assertion refused: {exc}") from None
            return claims
        raise _refused("client_assertion is not signed by a registered key")


def _refused(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, status=401)
