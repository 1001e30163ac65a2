"""Gateway errors and the one place GraphQL errors are rendered for clients.

    GatewayError(message)            code
    ├── Unauthenticated              UNAUTHENTICATED
    ├── Forbidden                    FORBIDDEN
    ├── BadUserInput                 BAD_USER_INPUT
    ├── NotFound                     NOT_FOUND
    ├── QueryTooComplex              QUERY_TOO_COMPLEX
    └── DeadlineExceeded             DEADLINE_EXCEEDED

`ConnectorError`s (connectors/errors.py) and `GatewayError`s carry their public message and
`extensions`; every other exception is masked as "Unexpected error." so no upstream text,
token or stack trace reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from connectors.errors import ConnectorError, ErrorCode

__all__ = [
    "BadUserInput",
    "DeadlineExceeded",
    "Forbidden",
    "GatewayError",
    "MaskUnexpectedErrors",
    "NotFound",
    "QueryTooComplex",
    "Unauthenticated",
    "error_code",
    "is_public_error",
]

logger = logging.getLogger(__name__)


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


class QueryTooComplex(GatewayError):
    """The document exceeds a configured limit (depth, aliases, tokens)."""

    code = ErrorCode.QUERY_TOO_COMPLEX


class DeadlineExceeded(GatewayError):
    """The request's deadline passed before this field could be resolved."""

    code = ErrorCode.DEADLINE_EXCEEDED


def is_public_error(error: GraphQLError) -> bool:
    """True when the error's message and extensions were written for clients."""
    original = error.original_error
    if original is None:
        return True  # parse and validation errors from graphql-core describe the document
    if isinstance(original, GraphQLError) and error.path is None:
        # graphql-core's own report on the request's variables (wrong type, missing,
        # unknown input field), wrapped once more to name the variable. Errors inside a
        # field always have a path, so a GraphQLError a resolver raises stays masked.
        return True
    return isinstance(original, ConnectorError | GatewayError)


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` a rendered error carries."""
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    return str(ErrorCode.INTERNAL_SERVER_ERROR)


class MaskUnexpectedErrors(MaskErrors):
    """Keeps typed errors, replaces everything else with a generic one.

    Strawberry's MaskErrors already swaps the message; we also give the masked error a
    stable `extensions.code` so clients can always switch on it.
    """

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=lambda error: not is_public_error(error),
            error_message="Unexpected error.",
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return GraphQLError(
            message=self.error_message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": str(ErrorCode.INTERNAL_SERVER_ERROR)},
        )
