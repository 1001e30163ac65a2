"""Which operation of a document runs: the one `operationName` names, or the only one.

strawberry falls back to a document's first operation when the client names none, so a
document with two operations would silently run one of them. The GraphQL spec's
GetOperation() makes that a request error; this extension restores it.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from connectors.errors import ErrorCode
from gateway.context import RequestContext

__all__ = ["RequireOperationName"]


class RequireOperationName(SchemaExtension):
    """Refuses a document with several operations when the request names none of them.

    Raised once the document is parsed, so nothing is validated or executed; strawberry
    turns the raised GraphQLError into a pre-execution (request) error.
    """

    def on_parse(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        if document is None or not isinstance(context, RequestContext):
            return
        if context.operation_name is not None:
            return
        operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
        if operations > 1:
            raise GraphQLError(
                "The document has several operations; name the one to run in `operationName`.",
                extensions={"code": str(ErrorCode.GRAPHQL_VALIDATION_FAILED)},
            )
