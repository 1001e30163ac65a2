"""Assemble the unified schema; the gateway passes in the extensions it wants."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql.execution import Executor
from strawberry.extensions import SchemaExtension

from resolvers import nodes
from resolvers._types import Info
from resolvers.errors import BadUserInput
from schema.common import Node
from schema.ids import InvalidGlobalId, decode_global_id
from schema.invoices import Invoice
from schema.mutations import Mutation
from schema.orders import Order
from schema.permissions import IsSignedIn
from schema.profile import Profile
from schema.support import Case, Ticket
from schema.viewer import Viewer

__all__ = ["Query", "build_schema"]

_VIEWS = {"Profile": Profile, "Order": Order, "Invoice": Invoice, "Ticket": Ticket, "Case": Case}


@strawberry.type
class Query:
    @strawberry.field(description="The signed-in customer.", permission_classes=[IsSignedIn])
    def viewer(self) -> Viewer:
        return Viewer()

    @strawberry.field(
        description="Fetch one of the customer's objects by its global id.",
        permission_classes=[IsSignedIn],
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            type_name, raw_id = decode_global_id(str(id))
        except InvalidGlobalId:
            raise BadUserInput("`id` is not a valid id.", argument="id") from None
        view = _VIEWS.get(type_name)
        if view is None:
            raise BadUserInput("`id` is not a valid id.", argument="id")
        record = await nodes.find_node(info, type_name, raw_id)
        node: Node = view.of(record)  # type: ignore[attr-defined]
        return node


def build_schema(
    extensions: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
    schema_class: type[strawberry.Schema] = strawberry.Schema,
    execution_context_class: type[Executor[Any]] | None = None,
) -> strawberry.Schema:
    """The one schema; every type is named for what the customer sees.

    The gateway passes its extensions, a `strawberry.Schema` subclass (error logging) and
    optionally graphql-core's executor class (to hide suggestions in errors).
    """
    return schema_class(
        query=Query,
        mutation=Mutation,
        types=list(_VIEWS.values()),
        extensions=list(extensions),
        execution_context_class=execution_context_class,
    )
