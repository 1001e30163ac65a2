"""The vocabulary of a declarative mapping, checked when the registry loads.

A field spec is one *form* (where the value comes from) and optional *modifiers*:

    forms
    "a.b" / {path: "a.b"}            the value at a source path (missing ▶ absent)
    {split: "name", take: first}     a part of a text (separator: ", "; default whitespace;
                                     take: first | rest | last | all_but_last | all)
    {join: ["a", "b"], with: " "}    the texts that are there, joined
    {template: "{street} {no}"}      text from fields; absent unless every field is there
    {each: "a.b", fields: {...}}     a list of objects, each mapped with `fields`
    {fields: {...}}                  a nested object, mapped from the same item
    {const: value}                   a fixed value
    modifiers (of the value forms: path, split, join, template)
    map: {X: y} | scale: -2 | as: C  a table, a power of ten, or a conversion
                                     (connectors.conversions; zone/format for dates)
    default: value                   when the value is missing or null
    as_list: true                    the value as a one-element list (absent ▶ [])

A source path is dotted keys (`total.amount`); `$` is the item itself (a list answered as
the whole response, a list of plain strings); `$parent.` (repeatable) starts at the object
an `each` list was read from. An empty path, an empty segment or another `$word` fails.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    model_validator,
)

from connectors.conversions import Conversion, Take
from connectors.located import NestedValueError

__all__ = [
    "MISSING",
    "FieldSpec",
    "SourcePath",
    "Spec",
    "check_source_path",
    "template_paths",
]

MISSING: Any = object()
PARENT = "$parent"
_DATES = (Conversion.DATE, Conversion.DATETIME)


def check_source_path(path: str) -> str:
    """Raise ValueError for a path no portal answer can have; return it otherwise."""
    if path == "":
        raise ValueError("a path may not be empty: write `$` for the item itself")
    if path == "$":
        return path
    parts = path.split(".")
    while parts and parts[0] == PARENT:
        parts.pop(0)
    for part in parts:
        if part == "":
            raise ValueError(f"path {path!r} has an empty segment")
        if part.startswith("$"):
            raise ValueError(
                f"path {path!r}: `$` alone is the item and `$parent.` may only lead the path"
            )
    return path


SourcePath = Annotated[str, AfterValidator(check_source_path)]


def template_paths(template: str) -> tuple[str, ...]:
    """The source paths a template names; ValueError for one that is not a plain template."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"template {template!r}: {exc}") from None
    names: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"template {template!r}: write `{{path}}` without `!` or `:`")
        names.append(check_source_path(name))
    if not names:
        raise ValueError(f"template {template!r} names no field: write e.g. `{{street}}`")
    return tuple(names)


class FieldSpec(BaseModel):
    """The structured form of a field spec (a plain string is shorthand for `path`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: SourcePath | None = None
    split: SourcePath | None = None
    # Not `on:`, which YAML 1.1 (PyYAML) reads as the key `True`.
    separator: str | None = Field(default=None, min_length=1)
    take: Take | None = None
    join: list[SourcePath] | None = Field(default=None, min_length=1)
    join_with: str = Field(default=" ", alias="with")
    template: str | None = None
    map: dict[str, Any] | None = None
    scale: int | None = None
    convert: Conversion | None = Field(default=None, alias="as")
    zone: str | None = None
    format: str | None = Field(default=None, min_length=1)
    default: Any = Field(default=MISSING)
    as_list: bool = False
    each: SourcePath | None = None
    fields: dict[str, Spec] | None = None
    const: Any = Field(default=MISSING)

    @property
    def is_value_form(self) -> bool:
        """A form that reads one value, which the modifiers then work on."""
        return any(f is not None for f in (self.path, self.split, self.join, self.template))

    def timezone(self) -> ZoneInfo | None:
        """The zone for naive dates and date-times (checked to exist at load time)."""
        return ZoneInfo(self.zone) if self.zone is not None else None

    @model_validator(mode="after")
    def _one_form(self) -> FieldSpec:
        # `fields` belongs to `each`, so it only counts as a form of its own without it;
        # `path` beside `each` would be silently ignored, so it counts.
        forms = [
            self.path is not None,
            self.split is not None,
            self.join is not None,
            self.template is not None,
            self.each is not None,
            self.fields is not None and self.each is None,
            self.const is not MISSING,
        ]
        if sum(forms) != 1:
            raise ValueError(
                "give exactly one of `path`, `split`, `join`, `template`, "
                "`each` (with `fields`), `fields`, `const`"
            )
        if self.each is not None and self.fields is None:
            raise ValueError("`each` needs `fields`")
        if self.template is not None:
            template_paths(self.template)
        self._check_modifiers()
        return self

    def _check_modifiers(self) -> None:
        given = self.model_fields_set
        if (self.separator is not None or self.take is not None) and self.split is None:
            raise ValueError("`separator` and `take` belong to `split`")
        if self.split is not None and self.take is None:
            raise ValueError("`split` needs `take` (first, rest, last, all_but_last, all)")
        if "join_with" in given and self.join is None:
            raise ValueError("`with` belongs to `join`")
        shaping = [self.map is not None, self.scale is not None, self.convert is not None]
        if any(shaping) and not self.is_value_form:
            raise ValueError("`map`, `scale` and `as` need `path`, `split`, `join` or `template`")
        if sum(shaping) > 1:
            raise ValueError("give at most one of `map`, `scale`, `as`")
        if (self.zone is not None or self.format is not None) and self.convert not in _DATES:
            raise ValueError("`zone` and `format` need `as: date` or `as: datetime`")
        if self.zone is not None:
            try:
                ZoneInfo(self.zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {self.zone!r} (e.g. Europe/Berlin)") from None
        if self.default is not MISSING and not (self.is_value_form or self.each is not None):
            raise ValueError("`default` needs `path`, `split`, `join`, `template` or `each`")
        if self.as_list and (self.each is not None or self.const is not MISSING):
            raise ValueError("`as_list` needs `path`, `split`, `join`, `template` or `fields`")


def _spec(value: Any) -> FieldSpec | str:
    if isinstance(value, str):
        return check_source_path(value)
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping (key: value) or text")
    try:
        return FieldSpec.model_validate(value)
    except ValidationError as exc:
        raise NestedValueError(exc, FieldSpec) from None


# A field spec as written in the registry: the structured form, or a path as shorthand.
# One validator rather than a union, so an error names the key and the real problem, not
# both branches of a union; a shorthand stays a string, the cheapest spec to map.
Spec = Annotated[FieldSpec | str, PlainValidator(_spec)]
FieldSpec.model_rebuild()
