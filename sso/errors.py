"""Errors sso/ raises, written so that nothing secret can leak through them.

    InvalidToken(reason)         a bearer token was refused: 401 with WWW-Authenticate
    IdentityProviderError        discovery of the identity provider failed (start-up)

`InvalidToken.reason` comes from a fixed vocabulary (`Reason`): it never carries token
contents, claim values or library exception text, so it is safe in a response header.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["REASONS", "IdentityProviderError", "InvalidToken", "Reason"]

Reason = Literal[
    "token is missing",
    "token is malformed",
    "signature or algorithm not accepted",
    "token has expired",
    "token is not yet valid",
    "issuer not accepted",
    "audience not accepted",
    "signing key not found",
    "required claim missing",
    "not an access token",
    "identity provider unavailable",
]

REASONS: frozenset[str] = frozenset(get_args(Reason))

_FORBIDDEN_IN_REALM = frozenset('"\\\r\n')


class InvalidToken(Exception):
    """A bearer token was refused; `reason` is one of `REASONS` and safe to show a client.

    Raised by `TokenValidator`, `JwksCache` and `build_principal`; the gateway turns it
    into a 401 whose `WWW-Authenticate` header comes from `www_authenticate()`.
    """

    def __init__(self, reason: Reason) -> None:
        if reason not in REASONS:
            # A free-text reason is how token contents end up in headers and logs.
            raise ValueError(f"unknown InvalidToken reason: {reason!r}")
        super().__init__(reason)
        self.reason: Reason = reason

    @property
    def is_missing(self) -> bool:
        """True when no token was sent at all (RFC 6750 §3.1: no error code then)."""
        return self.reason == "token is missing"

    def www_authenticate(self, realm: str = "portalgate") -> str:
        """The RFC 6750 `WWW-Authenticate` header value for this refusal."""
        if not realm or any(ch in _FORBIDDEN_IN_REALM for ch in realm):
            raise ValueError("realm must be non-empty and free of quotes, backslashes and newlines")
        if self.is_missing:
            return f'Bearer realm="{realm}"'
        return f'Bearer realm="{realm}", error="invalid_token", error_description="{self.reason}"'


class IdentityProviderError(Exception):
    """OIDC discovery failed: unreachable, not JSON, wrong shape, or the issuer differs.

    Raised by `discover()` at start-up; the message names the issuer URL, never a token.
    """
