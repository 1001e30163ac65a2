"""Pydantic's validation errors, said in the registry file's own words.

    ValidationError ─▶ ConfigError(file, "connectors.crm.config.capabilities.profile
                                          .response.record.first_name.pth",
                                   "unknown key (expected one of: path, ...)", line=...)

Pydantic's locations include its own internals: union members (`str`,
`function-after[_one_form(), FieldSpec]`) and discriminator tags (`api_key`). The error's
location is walked together with the model's types, so only the keys the file has are
kept and, for an unknown key, the keys the model does know can be listed. Messages come
from a small table by error type; the input value is never part of one (it may be a
secret or a customer's data).
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from config.errors import ConfigError
from config.yaml_loading import KeyPath, YamlDocument, dotted, undotted
from connectors.located import LocatedValueError, NestedValueError

__all__ = ["config_error", "describe_error", "known_keys", "with_line"]

_SEQUENCES = (list, tuple, set, frozenset)
_TEXT = {
    "missing": "is required",
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "decimal_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "set_type": "expected a list",
    "frozen_set_type": "expected a list",
    "url_type": "expected a URL",
    "date_type": "expected a date (YYYY-MM-DD)",
    "date_parsing": "expected a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "expected a date (YYYY-MM-DD)",
    "datetime_type": "expected a date and time (ISO 8601)",
    "datetime_parsing": "expected a date and time (ISO 8601)",
    "datetime_from_date_parsing": "expected a date and time (ISO 8601)",
}
_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _model(annotation: Any) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _member_for(members: tuple[Any, ...], tag: str) -> Any:
    """The union member a pydantic location tag names (a class name or a discriminator)."""
    for member in members:
        model = _model(_strip(member))
        if model is None:
            if getattr(_strip(member), "__name__", None) == tag:
                return member
            continue
        if model.__name__ in tag:
            return member
        for info in model.model_fields.values():
            if get_origin(info.annotation) is Literal and tag in get_args(info.annotation):
                return member
    return None


def _step(current: Any, part: str | int) -> tuple[Any, type[BaseModel] | None, bool]:
    """The type below `part`, the model holding `part`, and whether `part` is a file key
    (False for a union member's tag)."""
    current = _strip(current)
    if _is_union(current):
        members = tuple(m for m in get_args(current) if m is not type(None))
        if len(members) == 1:  # Optional[X]: pydantic adds no part of its own
            return _step(members[0], part)
        chosen = _member_for(members, str(part))
        if chosen is not None:
            return chosen, None, False
        # A union validated by a function of our own (a plain validator) adds no tag of
        # pydantic's: `part` is already a key of the member model that has it.
        for member in members:
            model = _model(_strip(member))
            if model is not None and str(part) in model.model_fields:
                return _step(member, part)
        return Any, None, False
    model = _model(current)
    if model is not None:
        info = model.model_fields.get(str(part)) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        return (Any if info is None else info.annotation), model, True
    origin = get_origin(current)
    if origin in (dict, Mapping):
        return get_args(current)[1], None, True
    if origin in _SEQUENCES:
        return get_args(current)[0], None, True
    return Any, None, True


def clean_location(root: type[BaseModel], loc: KeyPath) -> tuple[KeyPath, type[BaseModel] | None]:
    """`loc` without pydantic's union parts, and the model that holds its last key."""
    current: Any = root
    holder: type[BaseModel] | None = root
    out: list[str | int] = []
    for part in loc:
        current, model, is_key = _step(current, part)
        if is_key:
            out.append(part)
            holder = model
    return tuple(out), holder


def known_keys(root: type[BaseModel], path: KeyPath) -> list[str]:
    """The keys the model at `path` (a key path of the file) accepts."""
    model = clean_location(root, (*path, "_"))[1]
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def describe_error(error: ErrorDetails, root: type[BaseModel]) -> tuple[KeyPath, str]:
    """The clean key path and a plain message for one of pydantic's errors."""
    path, holder = clean_location(root, tuple(error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), NestedValueError):
        nested: NestedValueError = ctx["error"]
        inner, problem = describe_error(sorted(nested.errors, key=_rank)[0], nested.model)
        return (*path, *inner), problem
    if kind == "value_error" and isinstance(ctx.get("error"), LocatedValueError):
        located: LocatedValueError = ctx["error"]
        return (*path, *located.loc), located.problem
    if kind == "extra_forbidden" and holder is not None:
        names = [info.alias or name for name, info in holder.model_fields.items()]
        return path, f"unknown key (expected one of: {', '.join(names)})"
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        name = str(ctx.get("discriminator", "")).strip("'")
        return (*path, name), f"unknown {name} {ctx.get('tag')!r} (expected one of: {tags})"
    if kind == "union_tag_not_found":
        return path, f"{str(ctx.get('discriminator', '')).strip(chr(39))} is required"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return path, f"expected one of: {expected}"
    if kind in ("value_error", "assertion_error"):
        return path, error["msg"].split(", ", 1)[-1]
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return path, f"must be {words} {ctx.get(key)}"
    if kind.startswith("url_"):
        return (
            path,
            f"expected a URL ({error['msg'].removeprefix('Input should be a valid URL, ')})",
        )
    return path, _TEXT.get(kind, error["msg"])


def _rank(error: ErrorDetails) -> int:
    """Which error of several to report: a union member's type mismatch is the least
    telling (the value was meant as another member), an unknown or missing key the most."""
    if error["type"].endswith("_type") and error["type"] not in ("union_tag_invalid",):
        return 2
    return 0 if error["type"] in ("extra_forbidden", "missing") else 1


def config_error(
    source: Any,
    exc: ValidationError,
    root: type[BaseModel],
    *,
    prefix: KeyPath = (),
    document: YamlDocument | None = None,
) -> ConfigError:
    """One ConfigError for a model's validation failure, at the file's key path and line."""
    errors = sorted(exc.errors(include_input=False, include_url=False), key=_rank)
    path, problem = describe_error(errors[0], root)
    if _rank(errors[0]) == 2:
        # Only type mismatches: the value fits none of a union's members; name them all.
        wanted = [describe_error(e, root) for e in errors if _rank(e) == 2]
        kinds = dict.fromkeys(m.removeprefix("expected ") for p, m in wanted if p == path)
        problem = "expected " + " or ".join(kinds)
    full = (*prefix, *path)
    line = document.line_of(full) if document is not None else None
    return ConfigError(source, dotted(full), problem, line=line)


def with_line(error: ConfigError, document: YamlDocument) -> ConfigError:
    """`error` with the line of its key in `document`, when it has none yet."""
    if error.line is not None or not error.key:
        return error
    line = document.line_of(undotted(error.key))
    if line is None:
        return error
    return ConfigError(error.file, error.key, error.problem, line=line)
