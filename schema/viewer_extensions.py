"""Fields of `viewer` added from outside portalgate, without forking it.

    ViewerExtension(name, capabilities, resolver, graphql_type)
        a package's object, found in the entry-point group `portalgate.extensions`
        (gateway/extensions.py), or made from the registry's `data:` section
        (schema/declared_data.py)
    viewer_data(capability, view)
        the usual case: the viewer's own record of one capability, shown as `view`

An extension brings its capabilities (record types; the registry binds them to owners
like any built-in, and the data plane caches them per principal), a strawberry type and
a resolver. `build_schema(viewer_extensions=...)` attaches each as a field of `Viewer`;
nothing registers itself at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import strawberry
from strawberry.types.field import StrawberryField

from connectors.records import Capability, Record
from resolvers._types import Info
from resolvers.viewer import viewer_record

__all__ = ["ENTRY_POINT_GROUP", "ViewerExtension", "viewer_data"]

ENTRY_POINT_GROUP = "portalgate.extensions"

_R = TypeVar("_R", bound=Record)


@dataclass(frozen=True, slots=True)
class ViewerExtension:
    """One field of `viewer` (`name`, snake_case; GraphQL shows it camelCased).

    `resolver` is a strawberry resolver (it may take `info: Info` and arguments);
    `graphql_type` is what it returns, nullable, as portal-backed fields are. Capability
    names must be new: a name the gateway already has is a start-up error.
    """

    name: str
    capabilities: tuple[Capability[Record], ...]
    resolver: Callable[..., Any]
    graphql_type: Any
    description: str | None = None

    def field(self) -> StrawberryField:
        """A fresh field per schema: strawberry binds a field to the one type it is built into."""
        made = strawberry.field(
            resolver=self.resolver, graphql_type=self.graphql_type, description=self.description
        )
        assert isinstance(made, StrawberryField)
        made.python_name = self.name
        return made


def viewer_data(
    capability: Capability[_R],
    view: type,
    show: Callable[[_R], object],
    *,
    name: str | None = None,
    description: str | None = None,
) -> ViewerExtension:
    """`viewer.<name>`: the viewer's record of `capability` as `view` (`show(record)`).

    Keyed by the viewer's id in the capability's owner, like `viewer.profile`: null when
    they have none there or no connector owns it, IDENTITY_LINK_INVALID when the token's
    links did not fit the registry.
    """

    async def resolve(info: Info) -> object | None:
        record = await viewer_record(info, capability.name, capability.record)
        return show(record) if record is not None else None

    return ViewerExtension(
        name=name or capability.name,
        capabilities=(capability,),
        resolver=resolve,
        graphql_type=view | None,
        description=description or capability.description or None,
    )
