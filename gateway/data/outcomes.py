"""What customers' calls last met at each connector, for readiness to read.

Sources records every guarded call's result here; nothing here calls a portal. Only the
latest outcome per connector is kept: readiness asks "is it failing now", not "how often".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from connectors.errors import ErrorCode

__all__ = ["Outcome", "Outcomes"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One call's result: None for an answer we could use, else the error code; `at` is
    on the monotonic clock."""

    code: ErrorCode | None
    at: float


class Outcomes:
    """The latest outcome per connector name."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._latest: dict[str, Outcome] = {}

    def record(self, connector: str, code: ErrorCode | None) -> None:
        self._latest[connector] = Outcome(code, self._clock())

    def latest(self, connector: str) -> Outcome | None:
        return self._latest.get(connector)
