"""Assemble the unified schema from the domain modules' declarations.

    VIEWER_LISTS ─▶ viewer.<list> fields, their node types, actionItems' sources
    NODE_TYPES   ─▶ the other types node(id:) serves
    viewer_extensions ─▶ fields of viewer added by installed packages or the registry's
                         `data:` (schema/viewer_extensions.py), one schema per registry

Adding a read capability adds its declaration here; nothing else in the schema or the
resolvers lists capabilities or type names. The gateway passes in the extensions it wants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import strawberry
from graphql.execution import Executor
from strawberry.exceptions import DuplicatedTypeName
from strawberry.extensions import SchemaExtension
from strawberry.tools import create_type
from strawberry.types.field import StrawberryField

from resolvers import nodes
from resolvers._types import Info
from resolvers.errors import BadUserInput
from schema.common import Node
from schema.declarations import ListField, NodeType, type_name
from schema.ids import InvalidGlobalId, decode_global_id
from schema.invoices import INVOICE_LIST
from schema.mutations import Mutation
from schema.orders import ORDER_NODE
from schema.permissions import IsSignedIn
from schema.profile import PROFILE_NODE
from schema.support import CASE_LIST, TICKET_LIST
from schema.viewer import viewer_type
from schema.viewer_extensions import ViewerExtension

__all__ = ["NODE_TYPES", "VIEWER_LISTS", "build_schema", "node_types"]

VIEWER_LISTS: tuple[ListField[Any], ...] = (INVOICE_LIST, TICKET_LIST, CASE_LIST)
NODE_TYPES: tuple[NodeType[Any], ...] = (PROFILE_NODE, ORDER_NODE)


def node_types(
    lists: Sequence[ListField[Any]], others: Sequence[NodeType[Any]]
) -> dict[str, NodeType[Any]]:
    """Every type `node(id:)` serves, by GraphQL name; a name declared twice is an error."""
    found: dict[str, NodeType[Any]] = {}
    for declared in (*others, *(lst.node for lst in lists)):
        name = type_name(declared.view)
        if name in found:
            raise ValueError(f"node type {name!r} is declared twice")
        found[name] = declared
    return found


def _query_type(viewer: type, served: Mapping[str, NodeType[Any]]) -> type:
    def resolve_viewer() -> Any:
        return viewer()

    async def resolve_node(info: Info, id: strawberry.ID) -> Node | None:
        try:
            name, raw_id = decode_global_id(str(id))
        except InvalidGlobalId:
            raise BadUserInput("`id` is not a valid id.", argument="id") from None
        declared = served.get(name)
        if declared is None:
            raise BadUserInput("`id` is not a valid id.", argument="id")
        return declared.view.of(await nodes.find_node(info, declared.find, raw_id))

    fields = [
        strawberry.field(
            resolver=resolve_viewer,
            graphql_type=viewer,
            description="The signed-in customer.",
            permission_classes=[IsSignedIn],
        ),
        strawberry.field(
            resolver=resolve_node,
            description="Fetch one of the customer's objects by its global id.",
            permission_classes=[IsSignedIn],
        ),
    ]
    for made, python_name in zip(fields, ("viewer", "node"), strict=True):
        assert isinstance(made, StrawberryField)
        made.python_name = python_name
    return create_type("Query", fields)


def build_schema(
    extensions: Sequence[type[SchemaExtension] | Callable[[], SchemaExtension]] = (),
    schema_class: type[strawberry.Schema] = strawberry.Schema,
    execution_context_class: type[Executor[Any]] | None = None,
    lists: Sequence[ListField[Any]] = VIEWER_LISTS,
    other_nodes: Sequence[NodeType[Any]] = NODE_TYPES,
    viewer_extensions: Sequence[ViewerExtension] = (),
) -> strawberry.Schema:
    """The one schema; every type is named for what the customer sees.

    The gateway passes its extensions, a `strawberry.Schema` subclass (error logging) and
    optionally graphql-core's executor class (to hide suggestions in errors). `lists` and
    `other_nodes` are the declarations the viewer and `node(id:)` are derived from;
    `viewer_extensions` add fields to the viewer. A field or type name an extension
    gives twice, or takes from the schema, is a ValueError naming it.
    """
    served = node_types(lists, other_nodes)
    try:
        return schema_class(
            query=_query_type(viewer_type(lists, viewer_extensions), served),
            mutation=Mutation,
            types=[declared.view for declared in served.values()],
            extensions=list(extensions),
            execution_context_class=execution_context_class,
        )
    except DuplicatedTypeName as exc:
        raise ValueError(str(exc)) from None
