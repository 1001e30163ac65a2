"""A mapping's field names checked against the record it fills, from the record's model.

`fist_name: name.first` would otherwise load and only fail (as `BadUpstreamData`, for
every customer) when a portal answers. The check reads the record model's fields, and
follows any spec with nested `fields` (the `each` and `fields` forms, and whatever forms
`connectors.mapping` adds) into the model of that field, so it needs no list of forms.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from connectors.located import LocatedValueError

__all__ = ["check_record_fields", "check_response_fields", "nested_model"]


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: itself, optional, or as the items of a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        models = {nested_model(arg) for arg in get_args(annotation)} - {None}
        return models.pop() if len(models) == 1 else None
    return None


def check_record_fields(
    record: type[BaseModel], fields: Mapping[str, Any], loc: tuple[str | int, ...]
) -> None:
    """Raise LocatedValueError at the first name `record` does not have."""
    known = record.model_fields
    for name, spec in fields.items():
        if name not in known:
            raise LocatedValueError(
                (*loc, name),
                f"unknown field {name!r}: the {record.__name__} record has {', '.join(known)}",
            )
        nested = getattr(spec, "fields", None)
        inner = nested_model(known[name].annotation)
        if isinstance(nested, Mapping) and inner is not None:
            check_record_fields(inner, nested, (*loc, name, "fields"))


def check_response_fields(
    capability: str, record: type[BaseModel], group_as: str | None, fields: Mapping[str, Any]
) -> None:
    """A response mapping's field names against the capability's record (with `group_as`,
    against the items of that list field)."""
    loc: tuple[str, ...] = ("capabilities", capability, "response")
    if group_as is not None:
        field = record.model_fields.get(group_as)
        inner = nested_model(field.annotation) if field is not None else None
        if inner is None:
            lists = ", ".join(record.model_fields)
            raise LocatedValueError(
                (*loc, "group_as"),
                f"{capability}'s record has no list field {group_as!r} (it has {lists})",
            )
        record = inner
    check_record_fields(record, fields, (*loc, "record"))
