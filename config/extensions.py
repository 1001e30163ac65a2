"""Data declared in the registry alone: the `data:` section, turned into capabilities.

    data:
      loyalty:                          # the capability, and the `viewer` field's name
        description: Loyalty points and rewards.
        fields:
          points: Int                   # a scalar: Int, Float, String, Boolean, Date, DateTime
          tier: String
          rewards: [{name: String, until: Date}]     # a list of scalars or of simple objects
          address: {city: String}                    # one nested object

Each entry becomes a read capability whose record is built here with
`pydantic.create_model` (a `Record`: frozen, unknown fields refused), so the owner maps it
with its kind's normal mapping (`kind: rest`) and the data plane caches it per principal
like any built-in. Every field is nullable: a portal that lacks one leaves it null, never
a made-up value. The schema's view of the record is derived from the record itself
(schema/declared_data.py), so nothing here knows GraphQL.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from config.errors import ConfigError
from connectors.records import Capability, Record

__all__ = ["SCALARS", "DataSpec", "check_name", "declared_capabilities", "declared_capability"]

SCALARS: Mapping[str, type] = {
    "Int": int,
    "Float": float,
    "String": str,
    "Boolean": bool,
    "Date": date,
    "DateTime": datetime,
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MAX_DEPTH = 3


class DataSpec(BaseModel):
    """One kind of data the registry adds: a description and its fields (see module doc)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field("", max_length=500)
    fields: dict[str, Any] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _shape(cls, fields: dict[str, Any]) -> dict[str, Any]:
        _check_fields(fields, "", 1)
        return fields


def check_name(name: str) -> str | None:
    """Why `name` cannot name a capability or field, or None if it can."""
    if not _NAME.match(name):
        return f"{name!r} must be lower snake_case (a-z, 0-9, _), starting with a letter"
    if keyword.iskeyword(name) or name.startswith("model_"):
        return f"{name!r} is a reserved word"
    return None


def _check_fields(fields: Mapping[str, Any], where: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where}: nests deeper than {_MAX_DEPTH} objects; keep the data flat")
    for name, shape in fields.items():
        problem = check_name(str(name))
        at = f"{where}.{name}" if where else str(name)
        if problem:
            raise ValueError(f"{at}: {problem}")
        _check_shape(shape, at, depth)


def _check_shape(shape: object, at: str, depth: int) -> None:
    if isinstance(shape, str):
        if shape not in SCALARS:
            raise ValueError(f"{at}: unknown type {shape!r} (known: {', '.join(SCALARS)})")
    elif isinstance(shape, list):
        if len(shape) != 1 or isinstance(shape[0], list):
            raise ValueError(f"{at}: a list gives one item type, e.g. [String] or [{{a: Int}}]")
        _check_shape(shape[0], at, depth)
    elif isinstance(shape, dict):
        if not shape:
            raise ValueError(f"{at}: an object needs at least one field")
        _check_fields(shape, at, depth + 1)
    else:
        raise ValueError(f"{at}: a type name, a list [type] or an object {{field: type}}")


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_") if part)


def _record(type_name: str, fields: Mapping[str, Any], description: str) -> type[Record]:
    definitions: dict[str, Any] = {
        name: (_annotation(shape, type_name + _pascal(name)) | None, None)
        for name, shape in fields.items()
    }
    model: type[Record] = create_model(
        type_name, __base__=Record, __doc__=description or None, **definitions
    )
    return model


def _annotation(shape: object, type_name: str) -> Any:
    if isinstance(shape, str):
        return SCALARS[shape]
    if isinstance(shape, list):
        return tuple[_annotation(shape[0], type_name), ...]  # type: ignore[misc]
    assert isinstance(shape, dict)
    return _record(type_name, shape, "")


def declared_capability(name: str, spec: DataSpec) -> Capability[Record]:
    """The read capability for `data.<name>`, with a record made for it.

    The record's class name is the GraphQL type's (`loyalty` ▶ `Loyalty`, its `rewards`
    items ▶ `LoyaltyRewards`).
    """
    record = _record(_pascal(name), spec.fields, spec.description)
    return Capability(name, record, description=spec.description)


def declared_capabilities(
    path: Path, data: Mapping[str, DataSpec], known: Mapping[str, Capability[Record]]
) -> list[Capability[Record]]:
    """A read capability per `data:` entry, with its record built from the fields."""
    declared = []
    for name in data:
        problem = check_name(name)
        if problem is None and name in known:
            problem = f"{name!r} is already a capability; give the data a name of its own"
        if problem is not None:
            raise ConfigError(path, f"data.{name}", problem)
        declared.append(declared_capability(name, data[name]))
    return declared
