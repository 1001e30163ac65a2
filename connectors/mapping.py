"""Declarative field mapping between a portal's JSON and our records.

A field spec is one of:
    "a.b.c"                          the value at that dotted path (missing ▶ absent)
    {path: "a.b", map: {X: y}}       a value translated through a table (unknown ▶ error)
    {path: "cents", scale: -2}       a number shifted by powers of ten (12990 ▶ 129.90)
    {each: "a.b", fields: {...}}     a list of objects, each mapped with `fields`
    {fields: {...}}                  a nested object, mapped from the same item
    {const: value}                   a fixed value

`read_record` maps portal JSON to a dict a record validates from; `write_body` maps a
canonical payload back to the portal's JSON, target keys being dotted paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["FieldSpec", "MappingError", "lookup", "read_record", "write_body"]

_MISSING: Any = object()


class MappingError(ValueError):
    """The portal's data did not fit the mapping (a path, a table or a list is wrong)."""


class FieldSpec(BaseModel):
    """The structured form of a field spec (a plain string is shorthand for `path`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str | None = None
    map: dict[str, Any] | None = None
    scale: int | None = None
    each: str | None = None
    fields: dict[str, FieldSpec | str] | None = None
    const: Any = Field(default=_MISSING)

    @model_validator(mode="after")
    def _one_form(self) -> FieldSpec:
        # `fields` belongs to `each`, so it only counts as a form of its own without it;
        # `path` beside `each` would be silently ignored, so it counts.
        forms = [
            self.path is not None,
            self.each is not None,
            self.fields is not None and self.each is None,
            self.const is not _MISSING,
        ]
        if sum(forms) != 1:
            raise ValueError(
                "give exactly one of `path`, `each` (with `fields`), `fields`, `const`"
            )
        if self.each is not None and self.fields is None:
            raise ValueError("`each` needs `fields`")
        if (self.map is not None or self.scale is not None) and self.path is None:
            raise ValueError("`map` and `scale` need `path`")
        return self


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path, or the _MISSING marker."""
    current = data
    for part in path.split("."):
        if isinstance(current, Mapping) and part in current:
            current = current[part]
        else:
            return _MISSING
    return current


def _value(data: Any, spec: FieldSpec | str) -> Any:
    if isinstance(spec, str):
        return lookup(data, spec)
    if spec.const is not _MISSING:
        return spec.const
    if spec.each is not None:
        items = lookup(data, spec.each)
        if items is _MISSING or items is None:
            return _MISSING
        if not isinstance(items, list):
            raise MappingError(f"{spec.each} is not a list")
        assert spec.fields is not None
        return [read_record(item, spec.fields) for item in items]
    if spec.fields is not None:
        return read_record(data, spec.fields)
    assert spec.path is not None
    value = lookup(data, spec.path)
    if spec.map is not None and value is not _MISSING:
        if not isinstance(value, str | int | bool) or str(value) not in spec.map:
            raise MappingError(f"{spec.path} has a value outside the mapping table")
        return spec.map[str(value)]
    if spec.scale is not None and value is not _MISSING:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise MappingError(f"{spec.path} is not a whole number")
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise MappingError(f"{spec.path} is not a number") from exc
        # Text must hold a whole number too: "12.5" cents or "NaN" is a portal bug, not money.
        if not number.is_finite() or number != number.to_integral_value():
            raise MappingError(f"{spec.path} is not a whole number")
        return number.scaleb(spec.scale)
    return value


def read_record(data: Any, fields: Mapping[str, FieldSpec | str]) -> dict[str, Any]:
    """Map one portal object to the fields of a record; absent values are left out."""
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        value = _value(data, spec)
        if value is not _MISSING:
            out[name] = value
    return out


def _assign(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = target
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def write_body(payload: Mapping[str, Any], fields: Mapping[str, FieldSpec | str]) -> dict[str, Any]:
    """Map a canonical payload to the portal's JSON; payload fields not given are omitted."""
    body: dict[str, Any] = {}
    for target, spec in fields.items():
        value = _value(payload, spec)
        if value is not _MISSING and value is not None:
            _assign(body, target, value)
    return body
