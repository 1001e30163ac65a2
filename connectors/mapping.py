"""Declarative field mapping between a portal's JSON and our records.

The vocabulary (forms, modifiers, source paths) is `connectors.field_spec`; this module
evaluates it. One value form runs as

    source (path | split | join | template)
      ─▶ missing or null? ─▶ `default` if given (used as written), else absent / null
      ─▶ `map` | `scale` | `as` (connectors.conversions)
      ─▶ `as_list`: [value]  (absent or null ▶ []; a `fields` object is absent when no
                              field it reads from the portal has a value)

`read_record` maps portal JSON to a dict a record validates from; `write_body` maps a
canonical payload back to the portal's JSON, target keys being dotted paths. A value that
does not fit raises `MappingError` with the record's field path (`orders[3].total.amount`)
and a reason that names the source path and what was expected, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.conversions import (
    ConversionError,
    convert,
    join_texts,
    render_template,
    split_text,
)
from connectors.field_spec import MISSING, PARENT, FieldSpec, SourcePath, Spec, template_paths

__all__ = [
    "FieldSpec",
    "MappingError",
    "SourcePath",
    "Spec",
    "lookup",
    "read_record",
    "write_body",
]

_MISSING = MISSING
Parents = tuple[Any, ...]


class MappingError(ValueError):
    """The portal's data did not fit the mapping (a path, a table or a list is wrong).

    `field` is the record's field path, `reason` what was expected; neither holds a value.
    """

    def __init__(self, reason: str, field: Sequence[str] = ()) -> None:
        self.reason = reason
        self.parts = tuple(field)
        super().__init__(f"{self.field}: {reason}" if self.parts else reason)

    @property
    def field(self) -> str:
        """The parts joined as `orders[3].total.amount`."""
        return "".join(
            p if p.startswith("[") or i == 0 else f".{p}" for i, p in enumerate(self.parts)
        )

    def inside(self, part: str) -> MappingError:
        """The same failure, one level further out (`amount` ▶ `total.amount`)."""
        return MappingError(self.reason, (part, *self.parts))


def lookup(data: Any, path: str, parents: Parents = ()) -> Any:
    """The value at a source path, or the _MISSING marker.

    `$` is `data` itself; each leading `$parent.` steps out to the next of `parents`
    (nearest first).
    """
    if path == "$":
        return data
    parts = path.split(".")
    current = data
    while parts and parts[0] == PARENT:
        parts.pop(0)
        if not parents:
            return _MISSING
        current, parents = parents[0], parents[1:]
    for part in parts:
        # JSON objects are dicts: the exact type check spares the ABC's slower one.
        if (type(current) is dict or isinstance(current, Mapping)) and part in current:
            current = current[part]
        else:
            return _MISSING
    return current


def _source(data: Any, spec: FieldSpec, parents: Parents) -> Any:
    """The raw value of a `split`, `join` or `template`, or _MISSING."""
    if spec.split is not None:
        assert spec.take is not None
        value = lookup(data, spec.split, parents)
        if value is _MISSING or value is None:
            return value
        try:
            part = split_text(value, spec.separator, spec.take)
        except ConversionError as exc:
            raise MappingError(f"`{spec.split}`: {exc}") from None
        return _MISSING if part is None else part
    if spec.join is not None:
        values = [lookup(data, p, parents) for p in spec.join]
        try:
            joined = join_texts([v for v in values if v is not _MISSING], spec.join_with)
        except ConversionError as exc:
            raise MappingError(f"`join` of {spec.join}: {exc}") from None
        return _MISSING if joined is None else joined
    assert spec.template is not None
    named = {name: lookup(data, name, parents) for name in template_paths(spec.template)}
    if any(v is _MISSING or v is None for v in named.values()):
        return _MISSING
    try:
        return render_template(spec.template, named)
    except ConversionError as exc:
        raise MappingError(f"template {spec.template!r}: {exc}") from None


def _where(spec: FieldSpec) -> str:
    return spec.path or spec.split or (f"{spec.join}" if spec.join else repr(spec.template))


def _shape(value: Any, spec: FieldSpec) -> Any:
    """`map`, `scale` or `as` applied to a present value."""
    if spec.map is None and spec.scale is None and spec.convert is None:
        return value
    where = _where(spec)
    if spec.map is not None:
        if not isinstance(value, str | int | bool) or str(value) not in spec.map:
            raise MappingError(f"{where} has a value outside the mapping table")
        return spec.map[str(value)]
    if spec.scale is not None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise MappingError(f"{where} is not a whole number")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise MappingError(f"{where} is not a number") from None
        # Text must hold a whole number too: "12.5" cents or "NaN" is a portal bug, not money.
        if not number.is_finite() or number != number.to_integral_value():
            raise MappingError(f"{where} is not a whole number")
        return number.scaleb(spec.scale)
    if spec.convert is not None:
        try:
            return convert(value, spec.convert, spec.timezone(), spec.format)
        except ConversionError as exc:
            raise MappingError(f"`{where}` as {spec.convert}: {exc}") from None
    return value


def _value(data: Any, spec: FieldSpec | str, parents: Parents) -> Any:
    # Ordered by how common a form is: this runs for every field of every record.
    if isinstance(spec, str):
        return lookup(data, spec, parents)
    if spec.path is not None:
        value = lookup(data, spec.path, parents)
    elif spec.each is not None:
        return _each(data, spec, parents)
    elif spec.fields is not None:
        return _object(data, spec, parents)
    elif spec.const is not _MISSING:
        return spec.const
    else:
        value = _source(data, spec, parents)
    if (value is _MISSING or value is None) and spec.default is not _MISSING:
        value = spec.default
    elif value is not _MISSING and (value is not None or spec.convert is None):
        # A table or a scale has no place for null (an error); `as` keeps null as null.
        value = _shape(value, spec)
    if spec.as_list:
        return [] if value is _MISSING or value is None else [value]
    return value


def _object(data: Any, spec: FieldSpec, parents: Parents) -> Any:
    assert spec.fields is not None
    mapped = read_record(data, spec.fields, parents)
    if not spec.as_list:
        return mapped
    # The object is there when a field read from the portal is (consts do not count).
    found = any(
        isinstance(s, str) or s.const is _MISSING
        for n, s in spec.fields.items()
        if mapped.get(n) is not None
    )
    return [mapped] if found else []


def _each(data: Any, spec: FieldSpec, parents: Parents) -> Any:
    assert spec.each is not None and spec.fields is not None
    items = lookup(data, spec.each, parents)
    if items is _MISSING or items is None:
        return spec.default if spec.default is not _MISSING else _MISSING
    if not isinstance(items, list):
        raise MappingError(f"{spec.each} is not a list")
    out = []
    inner = (data, *parents)
    for index, item in enumerate(items):
        try:
            out.append(read_record(item, spec.fields, inner))
        except MappingError as exc:
            raise exc.inside(f"[{index}]") from None
    return out


def read_record(
    data: Any, fields: Mapping[str, FieldSpec | str], parents: Parents = ()
) -> dict[str, Any]:
    """Map one portal object to the fields of a record; absent values are left out.

    `parents` are the objects `$parent.` reaches, nearest first.
    """
    out: dict[str, Any] = {}
    for name, spec in fields.items():
        try:
            value = _value(data, spec, parents)
        except MappingError as exc:
            raise exc.inside(name) from None
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
        try:
            value = _value(payload, spec, ())
        except MappingError as exc:
            raise exc.inside(target) from None
        if value is not _MISSING and value is not None:
            _assign(body, target, value)
    return body
