"""Errors the gateway raises itself, for fields and requests: the message is safe for clients.

    GatewayError(message)            code
    ├── Unauthenticated              UNAUTHENTICATED
    ├── Forbidden                    FORBIDDEN
    ├── BadUserInput                 BAD_USER_INPUT
    ├── NotFound                     NOT_FOUND
    ├── CapabilityNotConfigured      CAPABILITY_NOT_CONFIGURED
    ├── IdentityLinkInvalid          IDENTITY_LINK_INVALID
    ├── QueryTooComplex              QUERY_TOO_COMPLEX
    └── DeadlineExceeded             DEADLINE_EXCEEDED

They live here, in the lowest part that raises them (resolvers; the schema's permissions
and the gateway's authentication sit above), so no part below the wiring imports
`gateway`. Their codes are the one public list in `connectors.errors.ErrorCode`.
`gateway.errors` renders them, with `ConnectorError`s, for clients.
"""

from __future__ import annotations

from typing import Any

from connectors.errors import ErrorCode

__all__ = [
    "BadUserInput",
    "CapabilityNotConfigured",
    "DeadlineExceeded",
    "Forbidden",
    "GatewayError",
    "IdentityLinkInvalid",
    "NotFound",
    "QueryTooComplex",
    "Unauthenticated",
]


class GatewayError(Exception):
    """Base of errors the gateway raises itself; the message is safe for clients."""

    code: ErrorCode = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": str(self.code), **self.extra}


class Unauthenticated(GatewayError):
    """No valid credentials for an operation that needs them."""

    code = ErrorCode.UNAUTHENTICATED


class Forbidden(GatewayError):
    """Authenticated, but not allowed to see or do this."""

    code = ErrorCode.FORBIDDEN


class BadUserInput(GatewayError):
    """Arguments that are well-typed but not acceptable (empty subject, bad cursor, ...)."""

    code = ErrorCode.BAD_USER_INPUT


class NotFound(GatewayError):
    """The object does not exist or is not the viewer's (the two are not told apart)."""

    code = ErrorCode.NOT_FOUND


class CapabilityNotConfigured(GatewayError):
    """A write no connector of this gateway owns (the registry leaves it out on purpose)."""

    code = ErrorCode.CAPABILITY_NOT_CONFIGURED


class IdentityLinkInvalid(GatewayError):
    """The token's identity links do not fit the registry, so the field's id is unknown.

    Raised instead of answering an empty list or null, which would look like a customer
    without data; the message names the links, never their values.
    """

    code = ErrorCode.IDENTITY_LINK_INVALID


class QueryTooComplex(GatewayError):
    """The document exceeds a configured limit (depth, aliases, tokens)."""

    code = ErrorCode.QUERY_TOO_COMPLEX


class DeadlineExceeded(GatewayError):
    """The request's deadline passed before this field could be resolved."""

    code = ErrorCode.DEADLINE_EXCEEDED
