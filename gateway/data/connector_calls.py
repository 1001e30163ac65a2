"""What one request asked of the connectors, for its access line.

The access-line middleware puts a fresh `ConnectorCalls` in each request's scope state;
the GraphQL endpoint hands it to the request's `LoaderSet`, which notes every capability
load and write with its owner, outcome and duration. Nothing here is shared between
requests, so no lock and no global is needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from connectors.errors import ConnectorError

__all__ = [
    "FROM_CACHE",
    "MAX_CALLS",
    "CallOutcome",
    "ConnectorCall",
    "ConnectorCalls",
    "outcome_of",
]

# A request's loads are bounded by its query's depth and limits, but one line must stay
# readable: past this many, calls are only counted (`dropped`).
MAX_CALLS = 50
# The outcome of a load that every key answered from the record cache (no portal call).
FROM_CACHE = "cache"


@dataclass(frozen=True, slots=True)
class ConnectorCall:
    """One capability load (a batch) or write: `outcome` is "ok" or the error code."""

    connector: str
    capability: str
    outcome: str
    duration_ms: float

    def as_dict(self) -> dict[str, str | float]:
        return {
            "connector": self.connector,
            "capability": self.capability,
            "outcome": self.outcome,
            "duration_ms": self.duration_ms,
        }


def outcome_of(results: Sequence[object]) -> str:
    """The outcome "ok" when every key came back as a record, else the first key's code."""
    for result in results:
        if isinstance(result, ConnectorError):
            return str(result.code)
    return "ok"


class CallOutcome:
    """The outcome a `timing` block reports; "ok" unless it says otherwise."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = "ok"


class ConnectorCalls:
    """The calls of one request, in the order they finished."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._calls: list[ConnectorCall] = []
        self.dropped = 0

    @contextmanager
    def timing(self, connector: str, capability: str) -> Iterator[CallOutcome]:
        """Times the block, which may set `outcome.value`; an exception's code is taken itself."""
        outcome = CallOutcome()
        started = self._clock()
        try:
            yield outcome
        except Exception as exc:
            code = getattr(exc, "code", None)  # ConnectorError, GatewayError: a public code
            outcome.value = str(code) if code is not None else "error"
            raise
        except BaseException:
            outcome.value = "cancelled"
            raise
        finally:
            self.add(connector, capability, outcome.value, self._clock() - started)

    def add(self, connector: str, capability: str, outcome: str, duration_s: float) -> None:
        if len(self._calls) >= MAX_CALLS:
            self.dropped += 1
            return
        self._calls.append(
            ConnectorCall(connector, capability, outcome, round(duration_s * 1000, 1))
        )

    @property
    def calls(self) -> tuple[ConnectorCall, ...]:
        return tuple(self._calls)
