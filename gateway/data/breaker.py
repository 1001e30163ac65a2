"""A per-connector circuit breaker: stop calling a portal that keeps failing.

closed ──(N consecutive failures)──▶ open ──(reset_s passed)──▶ half-open: one trial call
  ▲                                                                  │
  └───────────────────────── success ◀──────────────────────────────┘ (failure: open again)

A background health probe that finds the portal back calls `recovered()`: the breaker closes
at once, but on probation, so the next failure opens it again (as a failed trial would).

A trial that never reports back (its call was cancelled, or raised something that is not a
connector error) is given up after another `reset_s`, so the breaker cannot stay half-open
and refusing forever.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

__all__ = ["Breaker"]


class Breaker:
    """Counts consecutive failures of one connector; `allow()` says whether to call it."""

    def __init__(
        self, failures: int, reset_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started_at: float | None = None

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._reset_s:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """True if a call may go out now; in half-open state only one trial at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open":
            now = self._clock()
            trial = self._trial_started_at
            if trial is None or now - trial >= self._reset_s:
                self._trial_started_at = now
                return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_started_at = None

    def recovered(self) -> None:
        """The portal answered a probe: close now; one more failure reopens."""
        self._opened_at = None
        self._trial_started_at = None
        self._failures = self._threshold - 1

    def record_failure(self) -> None:
        self._failures += 1
        self._trial_started_at = None
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()
