"""The one place GraphQL errors are rendered for clients.

`ConnectorError`s (connectors/errors.py) and `GatewayError`s (resolvers/errors.py) carry
their public message and `extensions`; every other exception is masked as "Unexpected
error." so no upstream text, token or stack trace reaches a client.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from connectors.errors import ConnectorError, ErrorCode
from resolvers.errors import GatewayError

__all__ = ["MaskUnexpectedErrors", "error_code", "is_public_error"]

logger = logging.getLogger(__name__)


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
