"""Each connector's recent past, in bounded memory, for the status page.

    OwnerGuard.call  ─▶ record_call(outcome, seconds)               every attempt
                     ─▶ record_error(capability, error)             every failed attempt
    breaker          ─▶ record_transition(transition)               every change of state
    summary()        ─▶ calls in the window: p50/p95, outcomes by code, error rate;
                        the latest transitions and errors, with wall-clock times

Memory is bounded by count, never by traffic: at most `max_calls` calls, `max_transitions`
transitions and `max_errors` errors per connector (deques with a maxlen). The window only
filters what a summary counts, so a quiet connector shows no stale latency.

Nothing here keeps portal text or customer values: an error is kept as its code and a
reason made from its type, its HTTP status and its cause's type (`safe_reason`).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from connectors.errors import ConnectorError
from gateway.data.breaker import Transition

__all__ = [
    "ConnectorHistories",
    "ConnectorHistory",
    "ErrorEntry",
    "Summary",
    "TransitionEntry",
    "safe_reason",
]

# Connectors put the status in their own words ("crm failed (HTTP 503)"); only the number
# is taken from them.
_HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")


@dataclass(frozen=True, slots=True)
class _Call:
    at: float  # monotonic
    seconds: float
    outcome: str  # "ok" or the error code


@dataclass(frozen=True, slots=True)
class TransitionEntry:
    """A breaker transition as the page shows it, at the wall-clock time it happened."""

    at: datetime
    from_state: str
    to_state: str
    reason: str


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """A failed call: when, for which capability, its code and a reason safe to show."""

    at: datetime
    capability: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Summary:
    """One connector's recent past; newest transitions and errors first."""

    window_s: float
    calls: int
    p50_ms: float | None
    p95_ms: float | None
    outcomes: dict[str, int]
    error_rate: float | None
    transitions: tuple[TransitionEntry, ...]
    errors: tuple[ErrorEntry, ...]


def safe_reason(error: ConnectorError) -> str:
    """The error's type, HTTP status and cause's type: never its message or the portal's."""
    parts = [type(error).__name__]
    status = getattr(error, "status", None)
    if not isinstance(status, int):
        found = _HTTP_STATUS.search(error.message)
        status = int(found.group(1)) if found else None
    if status is not None:
        parts.append(f"HTTP {status}")
    if error.__cause__ is not None:
        parts.append(f"from {type(error.__cause__).__name__}")
    return ", ".join(parts)


def _percentiles(durations: list[float]) -> tuple[float | None, float | None]:
    if not durations:
        return None, None
    if len(durations) == 1:  # statistics.quantiles needs two points
        return durations[0], durations[0]
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    return cuts[49], cuts[94]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ConnectorHistory:
    """The recent calls, transitions and errors of one connector."""

    def __init__(
        self,
        *,
        window_s: float,
        max_calls: int,
        max_transitions: int,
        max_errors: int,
        clock: Callable[[], float],
        now: Callable[[], datetime],
    ) -> None:
        self._window_s = window_s
        self._clock = clock
        self._now = now
        self._calls: deque[_Call] = deque(maxlen=max_calls)
        self._transitions: deque[TransitionEntry] = deque(maxlen=max_transitions)
        self._errors: deque[ErrorEntry] = deque(maxlen=max_errors)

    def record_call(self, outcome: str, seconds: float) -> None:
        self._calls.append(_Call(self._clock(), seconds, outcome))

    def record_error(self, capability: str, error: ConnectorError) -> None:
        entry = ErrorEntry(self._now(), capability, str(error.code), safe_reason(error))
        self._errors.append(entry)

    def record_transition(self, transition: Transition) -> None:
        ago = max(0.0, self._clock() - transition.at)
        at = self._now() - timedelta(seconds=ago)
        entry = TransitionEntry(at, transition.from_state, transition.to_state, transition.reason)
        self._transitions.append(entry)

    def summary(self) -> Summary:
        since = self._clock() - self._window_s
        recent = [call for call in self._calls if call.at >= since]
        p50, p95 = _percentiles([call.seconds for call in recent])
        outcomes = Counter(call.outcome for call in recent)
        failed = sum(n for outcome, n in outcomes.items() if outcome != "ok")
        return Summary(
            window_s=self._window_s,
            calls=len(recent),
            p50_ms=None if p50 is None else round(p50 * 1000, 1),
            p95_ms=None if p95 is None else round(p95 * 1000, 1),
            outcomes=dict(sorted(outcomes.items())),
            error_rate=round(failed / len(recent), 4) if recent else None,
            transitions=tuple(reversed(self._transitions)),
            errors=tuple(reversed(self._errors)),
        )


class ConnectorHistories:
    """One `ConnectorHistory` per connector name, made on first use; owned by the runtime.

    Only Sources records, and only for the registry's connectors, so the names are bounded.
    """

    def __init__(
        self,
        *,
        window_s: float = 300.0,
        max_calls: int = 1000,
        max_transitions: int = 20,
        max_errors: int = 10,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._window_s = window_s
        self._bounds = (max_calls, max_transitions, max_errors)
        self._clock = clock
        self._now = now
        self._histories: dict[str, ConnectorHistory] = {}

    @property
    def window_s(self) -> float:
        """How far back a summary's call figures reach."""
        return self._window_s

    @property
    def max_calls(self) -> int:
        """How many of a connector's latest calls are kept at most."""
        return self._bounds[0]

    def of(self, connector: str) -> ConnectorHistory:
        history = self._histories.get(connector)
        if history is None:
            calls, transitions, errors = self._bounds
            history = ConnectorHistory(
                window_s=self._window_s,
                max_calls=calls,
                max_transitions=transitions,
                max_errors=errors,
                clock=self._clock,
                now=self._now,
            )
            self._histories[connector] = history
        return history

    def record_transition(self, transition: Transition) -> None:
        self.of(transition.connector).record_transition(transition)

    def summary(self, connector: str) -> Summary:
        return self.of(connector).summary()
