"""Introspection refused with its own code, where the settings switch it off."""

from __future__ import annotations

from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule

from connectors.errors import ErrorCode

__all__ = ["IntrospectionDisabledRule"]


class IntrospectionDisabledRule(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule (refuses `__schema`, `__type`; `__typename` stays) with a code.

    Clients such as GraphiQL switch on the code to say why the schema is not shown.
    """

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                error.message,
                error.nodes,
                extensions={"code": str(ErrorCode.INTROSPECTION_DISABLED)},
            )
        )
