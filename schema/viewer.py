"""`viewer`: the signed-in customer, the root of everything they can see.

Its fixed fields (profile, orders, organisation) are written here; its lists and
`actionItems` come from the declarations schema/build.py passes to `viewer_type`, and
fields added from outside (installed packages, the registry's `data:`) come last, from
`ViewerExtension`s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from strawberry.tools import create_type
from strawberry.types.field import StrawberryField

from resolvers import organisation, viewer
from resolvers._types import Info
from schema.actions import action_items_field
from schema.declarations import ListField
from schema.directives import ListSize
from schema.orders import OrderConnection, resolve_orders
from schema.organisation import Organisation
from schema.profile import Profile
from schema.viewer_extensions import ViewerExtension

__all__ = ["viewer_type"]


async def resolve_profile(info: Info) -> Profile | None:
    record = await viewer.profile(info)
    return Profile.of(record) if record else None


def resolve_organisation(info: Info) -> Organisation | None:
    tenant = organisation.tenant(info)
    return Organisation(id=strawberry.ID(tenant)) if tenant else None


def _field(python_name: str, resolver: Callable[..., Any], **options: Any) -> StrawberryField:
    """A fresh field per schema: strawberry binds a field to the one type it is built into."""
    made = strawberry.field(resolver=resolver, **options)
    assert isinstance(made, StrawberryField)
    made.python_name = python_name
    return made


def viewer_type(
    lists: Sequence[ListField[Any]], extensions: Sequence[ViewerExtension] = ()
) -> type:
    """The `Viewer` type with one field per declared list, plus `actionItems` over them,
    then one per extension; a field name given twice is a ValueError naming it."""
    fields = [
        _field(
            "orders",
            resolve_orders,
            graphql_type=OrderConnection | None,
            directives=[ListSize(slicing_arguments=["first"], sized_fields=["edges", "nodes"])],
        ),
        action_items_field(lists),
        _field(
            "profile",
            resolve_profile,
            description="Master data; null if no system knows the customer.",
        ),
        *(lst.field() for lst in lists),
        _field(
            "organisation",
            resolve_organisation,
            description="Your organisation, if you are a business customer.",
        ),
        *(extension.field() for extension in extensions),
    ]
    seen: set[str] = set()
    for made in fields:
        if made.python_name in seen:
            raise ValueError(f"viewer field {made.python_name!r} is declared twice")
        seen.add(made.python_name)
    return create_type("Viewer", fields, description="The signed-in customer.")
