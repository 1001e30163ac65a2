"""What a `source.load` span says about one batch of a capability.

    at start      portalgate.capability, portalgate.connector, portalgate.batch_size
    the cache     portalgate.cache.outcome: hit (every key cached), miss (none), partial,
                  off (the capability is not cached)
    the call      portalgate.breaker.state (as the first call met it), portalgate.retries
    the answer    portalgate.keys.failed and portalgate.error.code (the first failure's);
                  the span's status is an error unless every failure is NOT_FOUND

A write has a `source.write` span (capability, connector; the error code and an error
status when it fails) for its attempts' CLIENT spans to sit under.

A load whose keys were all being fetched by another request (in-flight dedup) makes no
call of its own, so it has no breaker state and no retries. Keys, records and principals
are never put on the span. Callers set these only on a recording span.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

from opentelemetry.trace import Span, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue

from connectors.errors import ConnectorError, ErrorCode
from connectors.records import Record

__all__ = [
    "BATCH_SIZE",
    "BREAKER_STATE",
    "CACHE_OUTCOME",
    "CAPABILITY",
    "CONNECTOR",
    "ERROR_CODE",
    "KEYS_FAILED",
    "RETRIES",
    "CacheOutcome",
    "cache_outcome",
    "describe_load",
    "load_attributes",
    "write_span",
]

CAPABILITY = "portalgate.capability"
CONNECTOR = "portalgate.connector"
BATCH_SIZE = "portalgate.batch_size"
CACHE_OUTCOME = "portalgate.cache.outcome"
BREAKER_STATE = "portalgate.breaker.state"
RETRIES = "portalgate.retries"
KEYS_FAILED = "portalgate.keys.failed"
ERROR_CODE = "portalgate.error.code"

CacheOutcome = Literal["hit", "miss", "partial", "off"]


def cache_outcome(enabled: bool, hits: int, keys: int) -> CacheOutcome:
    """How much of a batch the record cache answered."""
    if not enabled:
        return "off"
    if hits == keys:
        return "hit"
    return "miss" if hits == 0 else "partial"


def describe_load(
    span: Span, outcome: CacheOutcome, results: Sequence[Record | ConnectorError]
) -> None:
    """The cache outcome and the failures of a finished load, on its span."""
    span.set_attribute(CACHE_OUTCOME, outcome)
    failures = [r for r in results if isinstance(r, ConnectorError)]
    if not failures:
        return
    span.set_attribute(KEYS_FAILED, len(failures))
    span.set_attribute(ERROR_CODE, str(failures[0].code))
    if any(f.code != ErrorCode.NOT_FOUND for f in failures):
        span.set_status(Status(StatusCode.ERROR, str(failures[0].code)))


@contextmanager
def write_span(tracer: Tracer, capability: str, connector: str) -> Iterator[None]:
    """The span of one write; a ConnectorError is noted by its code alone (the SDK's own
    exception event would carry the message and a traceback)."""
    attributes = {CAPABILITY: capability, CONNECTOR: connector}
    with tracer.start_as_current_span(
        "source.write", attributes=attributes, record_exception=False, set_status_on_exception=False
    ) as span:
        try:
            yield
        except ConnectorError as exc:
            if span.is_recording():
                span.set_attribute(ERROR_CODE, str(exc.code))
                span.set_status(Status(StatusCode.ERROR, str(exc.code)))
            raise


def load_attributes(capability: str, connector: str, batch_size: int) -> dict[str, AttributeValue]:
    """The attributes a `source.load` span starts with."""
    return {CAPABILITY: capability, CONNECTOR: connector, BATCH_SIZE: batch_size}
