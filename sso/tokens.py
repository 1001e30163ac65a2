"""Bearer token validation: the only way a JWT becomes trusted claims.

    Authorization: Bearer <token>
      ─▶ size and shape (three base64url segments)          "token is malformed"
      ─▶ header: alg in the policy                          "signature or algorithm ..."
      ─▶ header: typ at+jwt (access tokens, sso/token_use)   "not an access token"
      ─▶ header: kid present                                 "signing key not found"
      ─▶ JwksCache.get_signing_key(kid)                      "signing key not found"
      ─▶ the key fits alg (declared alg, kty, crv)           "signature or algorithm ..."
      ─▶ jwt.decode: signature, exp/nbf/iat, iss, aud, required claims
      ─▶ no ID-token claims (access tokens)                  "not an access token"
      ─▶ claims ─▶ build_principal (sso/claims.py)

Every refusal is an `InvalidToken` with a fixed reason; library messages are dropped,
because they can echo attacker-chosen header values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from jwt.exceptions import InvalidKeyError, InvalidSubjectError
from jwt.types import Options

from connectors.principal import Principal
from sso.algorithms import KEY_FAMILIES, key_fits
from sso.claims import ClaimMapping, build_principal
from sso.errors import InvalidToken, Reason
from sso.jwks import JwksCache
from sso.token_use import check_access_token_claims, check_access_token_type

__all__ = ["Authenticator", "TokenPolicy", "TokenUse", "TokenValidator", "bearer_token"]

# Compact JWS: header.payload.signature in base64url. The signature may be empty here so
# that an "alg": "none" token is refused for its algorithm, not for its shape.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_TIME_CLAIMS = ("exp", "nbf", "iat")
_MAX_LEEWAY_S = 300.0

TokenUse = Literal["access", "id"]


@dataclass(frozen=True)
class TokenPolicy:
    """What a token must satisfy: who issued it, for whom, signed how.

    `algorithms` may only name asymmetric algorithms (`sso.algorithms.KEY_FAMILIES`):
    keys come from a public JWKS, so "none" and HS* are refused with ValueError here,
    at start-up. A list `audience` accepts a token naming any one of them.
    `use` is what the token is for. An "access" token (a bearer token) must not look
    like an ID token (`sso.token_use`), and with `require_at_jwt_typ` its header must
    say `typ: at+jwt` (RFC 9068); turn that off only for a provider that cannot send it.
    An "id" token (browser login) skips these checks: its audience is our client.
    """

    issuer: str
    audience: str | Sequence[str]
    algorithms: tuple[str, ...] = ("RS256",)
    leeway_s: float = 30
    required_claims: tuple[str, ...] = ("exp", "iat", "sub", "iss", "aud")
    max_token_bytes: int = 8192
    use: TokenUse = "access"
    require_at_jwt_typ: bool = True

    def __post_init__(self) -> None:
        if not self.issuer:
            raise ValueError("TokenPolicy.issuer must not be empty")
        if isinstance(self.audience, str):
            if not self.audience:
                raise ValueError("TokenPolicy.audience must not be empty")
        else:
            audience = tuple(self.audience)
            if not audience or not all(isinstance(a, str) and a for a in audience):
                raise ValueError("TokenPolicy.audience must be a non-empty string or list of them")
            object.__setattr__(self, "audience", audience)
        if isinstance(self.algorithms, str):
            raise ValueError("TokenPolicy.algorithms must be a tuple of names, not one string")
        object.__setattr__(self, "algorithms", tuple(self.algorithms))
        object.__setattr__(self, "required_claims", tuple(self.required_claims))
        for alg in self.algorithms:
            _check_algorithm(alg)
        if not self.algorithms:
            raise ValueError("TokenPolicy.algorithms must name at least one algorithm")
        if "exp" not in self.required_claims:
            raise ValueError(
                "TokenPolicy.required_claims must include 'exp': a token without it never expires"
            )
        if not 0 <= self.leeway_s <= _MAX_LEEWAY_S:
            raise ValueError(
                f"TokenPolicy.leeway_s must be between 0 and {_MAX_LEEWAY_S:g} seconds"
            )
        if self.max_token_bytes <= 0:
            raise ValueError("TokenPolicy.max_token_bytes must be positive")
        if self.use not in ("access", "id"):
            raise ValueError("TokenPolicy.use must be 'access' or 'id'")


def _check_algorithm(alg: str) -> None:
    if not isinstance(alg, str) or alg.lower() == "none":
        raise ValueError(
            "TokenPolicy.algorithms must not contain 'none': it accepts unsigned tokens"
        )
    if alg.upper().startswith("HS"):
        raise ValueError(
            f"TokenPolicy.algorithms must not contain {alg!r}: keys come from a public JWKS, "
            "and an HMAC algorithm would accept tokens signed with the public key as secret"
        )
    if alg not in KEY_FAMILIES:
        raise ValueError(
            f"TokenPolicy.algorithms: {alg!r} is not supported; use one of {sorted(KEY_FAMILIES)}"
        )


class TokenValidator:
    """Turns a bearer token into verified claims, or raises InvalidToken.

    Called by `Authenticator` for every request that carries a token. It holds no
    per-request state, so one instance serves the whole runtime.
    """

    def __init__(self, policy: TokenPolicy, jwks: JwksCache) -> None:
        self._policy = policy
        self._jwks = jwks
        self._options: Options = {
            "verify_signature": True,
            "verify_exp": True,
            "verify_nbf": True,
            "verify_iat": True,
            "verify_iss": True,
            "verify_aud": True,
            "verify_sub": True,
            "verify_jti": True,
            "require": list(policy.required_claims),
            "strict_aud": False,
            "enforce_minimum_key_length": True,
        }

    async def validate(self, token: str) -> dict[str, Any]:
        """The verified claims of `token`; raises InvalidToken with the first failed check."""
        header = self._read_header(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._policy.algorithms:
            raise InvalidToken("signature or algorithm not accepted")
        if self._policy.use == "access":
            check_access_token_type(header, require_typ=self._policy.require_at_jwt_typ)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("signing key not found")
        key = await self._jwks.get_signing_key(kid)
        # The token names its algorithm; the key decides whether that is allowed.
        if key.algorithm is not None and key.algorithm != alg:
            raise InvalidToken("signature or algorithm not accepted")
        if not key_fits(alg, key.key_type, key.curve):
            raise InvalidToken("signature or algorithm not accepted")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.jwk.key,
                algorithms=[alg],
                audience=self._policy.audience,
                issuer=self._policy.issuer,
                leeway=self._policy.leeway_s,
                options=self._options,
            )
        except jwt.PyJWTError as exc:
            # `from None`: the library's message may quote header values from the token.
            raise InvalidToken(_reason_for(exc)) from None
        for name in _TIME_CLAIMS:
            # pyjwt accepts "exp": "1700000000"; RFC 7519 NumericDate is a JSON number.
            if name in claims and not _is_numeric_date(claims[name]):
                raise InvalidToken("token is malformed")
        if self._policy.use == "access":
            check_access_token_claims(claims)
        return claims

    def _read_header(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token:
            raise InvalidToken("token is malformed")
        if len(token) > self._policy.max_token_bytes or not _COMPACT_JWS.fullmatch(token):
            raise InvalidToken("token is malformed")
        try:
            return jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("token is malformed") from None


def _is_numeric_date(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _reason_for(exc: jwt.PyJWTError) -> Reason:
    """The public reason for a pyjwt failure; subclasses are tested before their bases."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        return "token has expired"
    if isinstance(exc, jwt.ImmatureSignatureError):
        return "token is not yet valid"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "issuer not accepted"
    if isinstance(exc, jwt.InvalidAudienceError):
        return "audience not accepted"
    if isinstance(exc, jwt.MissingRequiredClaimError | InvalidSubjectError):
        return "required claim missing"
    if isinstance(exc, jwt.InvalidSignatureError | jwt.InvalidAlgorithmError | InvalidKeyError):
        return "signature or algorithm not accepted"
    return "token is malformed"


def bearer_token(authorization: str | None) -> str:
    """The token in an `Authorization: Bearer <token>` header value (scheme case-insensitive).

    Raises InvalidToken("token is missing") without a header, "token is malformed" for
    another scheme or a missing or split token.
    """
    if authorization is None or not authorization.strip():
        raise InvalidToken("token is missing")
    scheme, _, credentials = authorization.strip().partition(" ")
    token = credentials.strip()
    if scheme.lower() != "bearer" or not token or any(ch.isspace() for ch in token):
        raise InvalidToken("token is malformed")
    return token


class Authenticator:
    """Reads the `Authorization` header of a request and returns who is asking.

    The gateway calls `authenticate` per request; InvalidToken becomes a 401 with
    `InvalidToken.www_authenticate()` as the header. `mapping` says which claims hold
    roles, tenant and identity links (the registry's `identity` section).
    """

    def __init__(self, validator: TokenValidator, mapping: ClaimMapping | None = None) -> None:
        self._validator = validator
        self._mapping = mapping or ClaimMapping()

    async def authenticate_header(self, authorization: str | None) -> dict[str, Any]:
        """The verified claims of the header's bearer token; raises InvalidToken."""
        return await self._validator.validate(bearer_token(authorization))

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal of the header's bearer token; raises InvalidToken."""
        token = bearer_token(authorization)
        claims = await self._validator.validate(token)
        return build_principal(claims, token, self._mapping)
