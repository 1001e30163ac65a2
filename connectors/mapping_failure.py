"""A portal answer that does not map, told to the SRE without the customer's values.

    MappingError (our mapping)         ─┐
    pydantic ValidationError (record)  ─┼▶ MappingDetail(capability, path, reason)
    TypeError (a shape we did not see) ─┘     ├▶ one log line (INFO, logger connectors.mapping)
                                              ├▶ span attributes portalgate.mapping.path/.reason
                                              └▶ BadUpstreamData(connector, detail=...)

The client still sees only UPSTREAM_BAD_RESPONSE and the connector's name. Pydantic's
error dicts hold the offending `input` (and its text repeats it), so only `loc` and `msg`
are read; a `msg` written by a validator of ours (`value_error`) is replaced by its type.
"""

from __future__ import annotations

import logging

from opentelemetry import trace
from pydantic import ValidationError

from connectors.errors import BadUpstreamData, MappingDetail
from connectors.mapping import MappingError

__all__ = ["bad_upstream_data", "describe"]

logger = logging.getLogger("connectors.mapping")
# Pydantic types whose `msg` is text a validator wrote, which could quote the value.
_FREE_TEXT = frozenset({"value_error", "assertion_error"})


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe(capability: str, exc: Exception) -> MappingDetail:
    """The field path and the reason of a mapping failure, with no value in either."""
    if isinstance(exc, MappingError):
        return MappingDetail(capability, exc.field or "(record)", exc.reason)
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        first = errors[0]
        reason = first["type"] if first["type"] in _FREE_TEXT else first["msg"]
        if len(errors) > 1:
            reason += f" (and {len(errors) - 1} more)"
        return MappingDetail(capability, _field_path(first["loc"]) or "(record)", reason)
    return MappingDetail(capability, "(record)", f"unexpected shape ({type(exc).__name__})")


def bad_upstream_data(connector: str, capability: str, exc: Exception) -> BadUpstreamData:
    """The error to raise for `exc`, logged once and put on the current (connector) span.

    Raise it `from None`: the cause would carry the portal's values.
    """
    detail = describe(capability, exc)
    logger.info(
        "mapping failed connector=%s capability=%s path=%s reason=%s",
        connector,
        detail.capability,
        detail.path,
        detail.reason,
    )
    span = trace.get_current_span()
    span.set_attribute("portalgate.mapping.path", detail.path)
    span.set_attribute("portalgate.mapping.reason", detail.reason)
    return BadUpstreamData(connector, detail=detail)
