"""The schema's view of data declared in the registry alone (`data:`, config/extensions.py).

The record is a pydantic model made at start-up; its GraphQL type is derived from it with
strawberry's pydantic integration (`strawberry.experimental.pydantic.type`, every field,
nested records first), so a declared field appears in `portalgate schema` under the same
name and type it has in the registry, nullable. Nothing is written by hand per field.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from strawberry.experimental.pydantic import type as pydantic_type

from connectors.records import Capability, Record
from schema.viewer_extensions import ViewerExtension, viewer_data

__all__ = ["declared_extension"]


def _nested_models(annotation: Any) -> list[type[BaseModel]]:
    """The record types inside a field's annotation (`X | None`, `tuple[X, ...]`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        if arg is not type(None) and arg is not Ellipsis:
            found += _nested_models(arg)
    return found


def _view(model: type[BaseModel], made: dict[type[BaseModel], type]) -> type:
    """The strawberry type of `model`, its nested records converted first (and once)."""
    if model in made:
        return made[model]
    for field in model.model_fields.values():
        for nested in _nested_models(field.annotation):
            _view(nested, made)
    # A fresh class per schema: strawberry keeps its definition on the class it decorates.
    shell = types.new_class(model.__name__)
    view = pydantic_type(model, all_fields=True, name=model.__name__, description=model.__doc__)(
        shell
    )
    made[model] = view
    return view


def declared_extension(capability: Capability[Record]) -> ViewerExtension:
    """`viewer.<capability>`: the viewer's declared data, as its derived GraphQL type."""
    view = _view(capability.record, {})
    return viewer_data(
        capability,
        view,
        view.from_pydantic,  # type: ignore[attr-defined]  # added by the decorator
        description=capability.description or None,
    )
