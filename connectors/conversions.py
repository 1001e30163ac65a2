"""Value conversions and text shapes for declarative mappings (`connectors.mapping`).

    as: text | integer | decimal | boolean     a scalar read as that type
    as: date | datetime  (+ zone, format)      ISO text (or `format`), naive ones in `zone`
    as: epoch_s | epoch_ms                     a Unix time, to an aware UTC datetime
    split / join / template                    text cut into parts, or put together

Each function raises `ConversionError` with a reason that names what was expected and
never the value itself: the reason reaches logs and spans, the value may be a customer's.
Hand-written (a few lines each) because pydantic's own coercion is the record's, and
these run before it, on the portal's shape, with rules a portal owner can read here.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "Conversion",
    "ConversionError",
    "Take",
    "convert",
    "join_texts",
    "render_template",
    "split_text",
    "text_of",
]

Take = Literal["first", "rest", "last", "all_but_last", "all"]

_WHOLE = re.compile(r"[+-]?\d+")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})


class Conversion(StrEnum):
    """What `as:` turns a portal's value into."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    EPOCH_S = "epoch_s"
    EPOCH_MS = "epoch_ms"


class ConversionError(ValueError):
    """A value that is not what its conversion expects; the message names no value."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def text_of(value: Any) -> str:
    """Text or a number as text (12.0 ▶ "12"); anything else is a ConversionError."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if _is_number(value):
        return str(value)
    raise ConversionError("expected text or a number")


def _integer(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    raise ConversionError("expected a whole number")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ConversionError("expected a number")
    try:
        # A float goes through its shortest text, so 0.1 stays 0.1 and not its binary value.
        number = Decimal(str(value).strip() if not isinstance(value, Decimal) else value)
    except InvalidOperation:
        raise ConversionError("expected a number") from None
    if not number.is_finite():
        raise ConversionError("expected a finite number")
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
    raise ConversionError("expected a boolean (true/false, yes/no, 1/0)")


def _parse(value: Any, fmt: str | None) -> datetime | date:
    """A date or datetime from ISO 8601 text (or `fmt`, strptime's codes)."""
    if isinstance(value, datetime | date):
        return value
    if not isinstance(value, str):
        raise ConversionError("expected a date or date-time as text")
    text = value.strip()
    try:
        if fmt is not None:
            return datetime.strptime(text, fmt)  # naive: `zone` says where
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        expected = f"the format {fmt!r}" if fmt else "ISO 8601"
        raise ConversionError(f"expected a date or date-time in {expected}") from None


def _date(value: Any, zone: tzinfo | None, fmt: str | None) -> date:
    parsed = _parse(value, fmt)
    if not isinstance(parsed, datetime):
        return parsed
    if parsed.tzinfo is not None and zone is not None:
        parsed = parsed.astimezone(zone)
    return parsed.date()


def _datetime(value: Any, zone: tzinfo | None, fmt: str | None) -> datetime:
    parsed = _parse(value, fmt)
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day)  # naive: `zone` below
    if parsed.tzinfo is not None:
        return parsed
    if zone is None:
        raise ConversionError("a date-time without a UTC offset needs `zone`")
    return parsed.replace(tzinfo=zone)


def _epoch(value: Any, per_second: int) -> datetime:
    seconds = _decimal(value) / per_second
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        raise ConversionError("expected a Unix time within the years 1-9999") from None


def convert(
    value: Any, conversion: Conversion, zone: tzinfo | None = None, fmt: str | None = None
) -> Any:
    """`value` as `conversion` says; raises ConversionError (naming no value)."""
    match conversion:
        case Conversion.TEXT:
            if isinstance(value, bool):
                raise ConversionError("expected text or a number")
            return text_of(value)
        case Conversion.INTEGER:
            return _integer(value)
        case Conversion.DECIMAL:
            return _decimal(value)
        case Conversion.BOOLEAN:
            return _boolean(value)
        case Conversion.DATE:
            return _date(value, zone, fmt)
        case Conversion.DATETIME:
            return _datetime(value, zone, fmt)
        case Conversion.EPOCH_S:
            return _epoch(value, 1)
        case Conversion.EPOCH_MS:
            return _epoch(value, 1000)


def split_text(value: Any, separator: str | None, take: Take) -> str | list[str] | None:
    """The part(s) of `value` that `take` names, or None when there is no such part.

    Parts are cut at `separator` (at any whitespace when None), stripped, and empty ones
    dropped; `rest` and `all_but_last` are joined again with it (a space for whitespace).
    """
    if not isinstance(value, str):
        raise ConversionError("expected text to split")
    parts = [p.strip() for p in (value.split(separator) if separator else value.split())]
    parts = [p for p in parts if p]
    glue = separator if separator else " "
    if take == "all":
        return parts
    if not parts:
        return None
    if take == "first":
        return parts[0]
    if take == "last":
        return parts[-1]
    chosen = parts[1:] if take == "rest" else parts[:-1]
    return glue.join(chosen) if chosen else None


def join_texts(values: Sequence[Any], glue: str) -> str | None:
    """The values that are there (not None, not empty) as text joined by `glue`."""
    texts = [text_of(v) for v in values if v is not None]
    texts = [t for t in texts if t]
    return glue.join(texts) if texts else None


def render_template(template: str, values: dict[str, Any]) -> str:
    """`template` with each `{name}` replaced by `values[name]` as text.

    Names are dotted paths, which `str.format` would read as attribute access, so the
    template is put together from `string.Formatter().parse` (which also keeps `{{`).
    """
    out: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(text_of(values[name]))
    return "".join(out)
