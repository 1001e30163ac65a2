"""How a domain module declares its types to the schema, once.

    NodeType(view, find)           `node(id:)` can return `view`; `find` looks up the
                                   viewer's own object by raw id
    ListField(name, view, source)  `viewer.<name>`: the viewer's own list (`source`, a
                                   resolvers.viewer_lists.ViewerList), shown as `view`;
                                   it is also a node type, and an action-item source
                                   when `source` has a `to_do` rule

`schema/build.py` lists the declarations; the viewer's list fields, the node types and
the action-item sources are all derived from that one list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from resolvers._types import Info
from resolvers.nodes import Finder
from resolvers.viewer_lists import ViewerList
from schema.common import Node

__all__ = ["ListField", "NodeType", "View", "type_name"]

_T = TypeVar("_T")
_T_contra = TypeVar("_T_contra", contravariant=True)


class View(Protocol[_T_contra]):
    """A schema type over a record: `of(record)` makes the object the client sees."""

    @classmethod
    def of(cls, record: _T_contra, /) -> Node: ...


def type_name(view: type[object]) -> str:
    """The GraphQL name of a strawberry type."""
    return get_object_definition(view, strict=True).name


@dataclass(frozen=True, slots=True)
class NodeType(Generic[_T]):
    """A type `node(id:)` can return, and how to find the viewer's own object of it."""

    view: type[View[_T]]
    find: Finder[_T]


@dataclass(frozen=True, slots=True)
class ListField(Generic[_T]):
    """A list of the viewer's own objects, as the `viewer` field `name`.

    A field with arguments brings its own `resolver` (a strawberry resolver function);
    the default one returns every item of `source` as `view`.
    """

    name: str
    view: type[View[_T]]
    source: ViewerList[Any, _T]
    resolver: Callable[..., Any] | None = None

    @property
    def node(self) -> NodeType[_T]:
        return NodeType(self.view, self.source.find)

    def field(self) -> StrawberryField:
        """The `viewer` field: a nullable list of non-null `view`s, as every list has."""
        view, source = self.view, self.source

        async def every_item(info: Info) -> list[Node] | None:
            return [view.of(item) for item in await source.load(info)]

        made = strawberry.field(
            resolver=self.resolver or every_item,
            graphql_type=None if self.resolver else list[view] | None,  # type: ignore[valid-type]
        )
        assert isinstance(made, StrawberryField)
        made.python_name = self.name
        return made
