"""Outbound URLs whose path no value can change (strict outbound requests, RFC 10017).

    base URL + path template "/shop/orders/{id}" + {"id": "SO-1"}
      ─▶ every value the template uses is checked     (UnsafePathValue: nothing is sent)
      ─▶ quoted as one segment (quote, safe="")
      ─▶ yarl.URL.build(encoded=True)                  (no second normalisation of the path)
      ─▶ the path must still start with base path + the template's static prefix

aiohttp's URL type resolves dot segments: a value `..` in `/orders/{id}` would otherwise
become a call to `/`, one the registry never declared, made with the gateway's
credentials. Percent-quoting does not help (`..` has nothing to quote), and a portal may
decode `%2F` or `%2E%2E` itself, so such values are refused rather than escaped.
Every connector kind builds its URLs here.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from urllib.parse import quote, unquote

import yarl

__all__ = [
    "UnsafePathValue",
    "build_url",
    "check_template",
    "is_safe_path_value",
    "template_fields",
]

# A value percent-encoded more often than this is refused outright: no real id needs it.
_MAX_DECODINGS = 3
_SEPARATORS = ("/", "\\")
_DOT_SEGMENTS = ("", ".", "..")
# What a static path segment may hold as written (RFC 3986 pchar, less "%").
_PLAIN = "!$&'()*+,;=:@-._~"


class UnsafePathValue(ValueError):
    """A value that could change a request's path; the request is not made."""


def template_fields(template: str) -> frozenset[str]:
    """The `{names}` a path template fills in."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _forms(value: str) -> list[str]:
    """The value and what a portal could decode it into (percent-decoded, NFKC-folded)."""
    forms = [value]
    for _ in range(_MAX_DECODINGS):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    else:
        if unquote(forms[-1]) != forms[-1]:
            return []  # encoded too deeply to reason about
    return forms + [unicodedata.normalize("NFKC", form) for form in forms]


def is_safe_path_value(value: str) -> bool:
    """False for a value that is empty, a dot segment, or holds (or decodes to) a path
    separator, a control character or NUL."""
    forms = _forms(value)
    if not forms:
        return False
    for form in forms:
        if form in _DOT_SEGMENTS or any(sep in form for sep in _SEPARATORS):
            return False
        if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in form):
            return False
    return True


def check_template(template: str) -> None:
    """Raise ValueError for a path template that is not a plain absolute path.

    Called when the registry loads: the static parts are sent exactly as written, so
    they may not hold dot segments, backslashes, percent escapes or characters that need
    quoting either.
    """
    if not template.startswith("/"):
        raise ValueError("a path must start with '/'")
    for segment in template.split("/")[1:]:
        if "{" in segment:
            continue  # filled by a value, which build_url checks
        if segment in (".", "..") or quote(segment, safe=_PLAIN) != segment:
            raise ValueError(f"path segment {segment!r} is not allowed")


def build_url(base: yarl.URL, template: str, values: Mapping[str, str]) -> yarl.URL:
    """`base` joined with `template` filled from `values`, never re-normalised.

    Raises UnsafePathValue when a value the template uses could change the path, and
    AssertionError if the result escaped the template's static prefix (it cannot, given
    the check; the assertion guards the construction itself).
    """
    used = template_fields(template)
    quoted: dict[str, str] = {}
    for name in used:
        value = values[name]
        if not is_safe_path_value(value):
            raise UnsafePathValue(name)
        quoted[name] = quote(value, safe="")
    prefix = base.raw_path.rstrip("/") + template.split("{", 1)[0]
    path = base.raw_path.rstrip("/") + template.format_map(quoted)
    url = yarl.URL.build(scheme=base.scheme, authority=base.raw_authority, path=path, encoded=True)
    if not url.raw_path.startswith(prefix):
        raise AssertionError(f"outbound path left its template's prefix {prefix!r}")
    return url
