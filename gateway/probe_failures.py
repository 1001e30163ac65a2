"""The failure behaviour the contract promises, checked against a stand-in portal.

A live portal cannot be made to fail on demand, so each connector is also built against
a `RecordedPortal` on 127.0.0.1 (the same kind and config, only `base_url` moved and no
credentials) and called through the gateway's own `Sources`, exactly as a request would:

    hang                      ─▶ every key UPSTREAM_TIMEOUT, within the connector's timeout_s
    429, Retry-After too late ─▶ not retried: one request, the error returned in time
    429, Retry-After 0        ─▶ retried while time is left
    500 again and again       ─▶ the breaker opens; the next call sends no request
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from opentelemetry.trace import NoOpTracerProvider

from config.registry import Registry
from connectors.base import Connector
from connectors.capabilities import Key
from connectors.errors import ConnectorError, ConnectorTimeout, ConnectorUnavailable, ErrorCode
from connectors.recorded_portal import RecordedPortal
from gateway.data.record_cache import RecordCache
from gateway.data.sources import Result, Sources

__all__ = ["ProbeLine", "check_failures"]


@dataclass(frozen=True, slots=True)
class ProbeLine:
    """One finding: `ok` True or False, or None for a note that fails nothing."""

    subject: str
    text: str
    ok: bool | None

    def render(self) -> str:
        mark = {True: "ok", False: "FAILED", None: "note"}[self.ok]
        return f"{self.subject}: {mark}: {self.text}"


def _codes(results: Sequence[Result]) -> set[str]:
    return {str(r.code) if isinstance(r, ConnectorError) else "a record" for r in results}


def _sources(registry: Registry, name: str, connector: Connector) -> Sources:
    tracer = NoOpTracerProvider().get_tracer(__name__)
    return Sources(registry, {name: connector}, RecordCache.memory({}), tracer)


async def check_failures(
    registry: Registry,
    name: str,
    connector: Connector,
    portal: RecordedPortal,
    capability: str,
    keys: Sequence[Key],
) -> list[ProbeLine]:
    """The three promises for one connector (its started stand-in `connector`)."""
    spec = registry.connectors[name]
    subject = f"{name}.{capability}"
    lines: list[ProbeLine] = []

    def deadline(seconds: float) -> float:
        return time.monotonic() + seconds

    portal.knobs.hang = True
    started = time.monotonic()
    results = await _sources(registry, name, connector).load(
        capability, keys, None, deadline(spec.timeout_s + 1.0)
    )
    waited = time.monotonic() - started
    portal.knobs.hang = False
    timed_out = all(isinstance(r, ConnectorTimeout) for r in results)
    lines.append(
        ProbeLine(
            subject,
            f"a hanging portal gives UPSTREAM_TIMEOUT after timeout_s ({spec.timeout_s:g} s)"
            if timed_out
            else f"a hanging portal gave {', '.join(sorted(_codes(results)))}, "
            "expected UPSTREAM_TIMEOUT",
            timed_out and waited < spec.timeout_s + 1.0,
        )
    )

    portal.knobs.fail_status, portal.knobs.retry_after_s = 429, math.ceil(spec.timeout_s) + 1
    portal.reset_counts()
    results = await _sources(registry, name, connector).load(
        capability, keys, None, deadline(spec.timeout_s)
    )
    once = portal.requests_total == 1
    lines.append(
        ProbeLine(
            subject,
            f"a 429 whose Retry-After is past the deadline is not retried "
            f"({portal.requests_total} request, {', '.join(sorted(_codes(results)))})",
            once and not any(r.code is ErrorCode.UPSTREAM_TIMEOUT for r in _errors(results)),
        )
    )
    portal.knobs.retry_after_s = 0
    portal.reset_counts()
    await _sources(registry, name, connector).load(capability, keys, None, deadline(10.0))
    retried = portal.requests_total > 1
    if spec.retries == 0:  # the connector asks for no second attempt, of any kind
        line = ProbeLine(subject, "retries: 0, so a 429 is not asked again", not retried)
    else:
        line = ProbeLine(
            subject,
            "a 429 with time left is retried after Retry-After"
            if retried
            else "a 429 with time left was not retried (does the kind report a 429 as "
            "UpstreamThrottled?)",
            retried,
        )
    lines.append(line)

    portal.knobs.fail_status, portal.knobs.retry_after_s = 500, None
    sources = _sources(registry, name, connector)
    breaker = sources.breaker(name)
    calls = 0
    while breaker.state != "open" and calls < spec.breaker.failures:
        await sources.load(capability, keys, None, deadline(spec.timeout_s + 1.0))
        calls += 1
    before = portal.requests_total
    results = await sources.load(capability, keys, None, deadline(spec.timeout_s + 1.0))
    fast = portal.requests_total == before and all(
        isinstance(r, ConnectorUnavailable) for r in results
    )
    portal.knobs.fail_status = None
    lines.append(
        ProbeLine(
            subject,
            f"5xx opens the breaker (open after {calls} failing loads, retries included; "
            "the next one sent no request)"
            if breaker.state == "open" and fast
            else f"5xx did not open the breaker after {calls} failing loads "
            f"(breaker {breaker.state}, failures: {spec.breaker.failures})",
            breaker.state == "open" and fast,
        )
    )
    return lines


def _errors(results: Sequence[Result]) -> list[ConnectorError]:
    return [r for r in results if isinstance(r, ConnectorError)]
