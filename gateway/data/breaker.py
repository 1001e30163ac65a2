"""A per-connector circuit breaker: stop calling a portal that keeps failing.

closed ──(N consecutive failures)──▶ open ──(reset_s passed)──▶ half-open: one trial call
  ▲                                                                  │
  └───────────────────────── success ◀──────────────────────────────┘ (failure: open again)

A background health probe that finds the portal back calls `recovered()`: the breaker closes
at once, but on probation, so the next failure opens it again (as a failed trial would).

A trial that never reports back (its call was cancelled, or raised something that is not a
connector error) is given up after another `reset_s`, so the breaker cannot stay half-open
and refusing forever.

Every change of state is reported once, as a `Transition`, to `on_transition`. Open turns
half-open by the passing of time alone, with no call to notice it: that change is found
the next time anything looks at the breaker (a call, the readiness watch, a scrape) and
reported then, with `at` set to when it really happened (opened + reset_s).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Breaker", "BreakerState", "Transition", "log_transition"]

BreakerState = Literal["closed", "open", "half_open"]

# Named by the issue (one log line per transition), so operators can filter on it.
logger = logging.getLogger("portalgate.breaker")

# Why a breaker left its state, when no error code says it.
RESET_ELAPSED = "reset_s elapsed"
CALL_ANSWERED = "call answered"
PROBE_ANSWERED = "health probe answered"


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of a breaker's state; `at` is on the breaker's (monotonic) clock.

    `reason` is the error code that opened it, or one of the fixed phrases above; never
    upstream text.
    """

    connector: str
    from_state: BreakerState
    to_state: BreakerState
    reason: str
    at: float


def log_transition(transition: Transition) -> None:
    """One structured line per transition: WARNING when a breaker opens, INFO otherwise."""
    level = logging.WARNING if transition.to_state == "open" else logging.INFO
    logger.log(
        level,
        "breaker %s: %s -> %s",
        transition.connector,
        transition.from_state,
        transition.to_state,
        extra={
            "connector": transition.connector,
            "from": transition.from_state,
            "to": transition.to_state,
            "reason": transition.reason,
        },
    )


def _ignore(transition: Transition) -> None:
    """The default listener: a breaker nobody watches."""


class Breaker:
    """Counts consecutive failures of one connector; `allow()` says whether to call it."""

    def __init__(
        self,
        failures: int,
        reset_s: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        connector: str = "",
        on_transition: Callable[[Transition], None] = _ignore,
    ) -> None:
        self._threshold = failures
        self._reset_s = reset_s
        self._clock = clock
        self._connector = connector
        self._on_transition = on_transition
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started_at: float | None = None
        self._openings = 0

    @property
    def openings(self) -> int:
        """How many failures have (re)opened the breaker so far: a probe that started
        before the latest one saw the portal before it failed, and must not close it."""
        return self._openings

    @property
    def state(self) -> BreakerState:
        """The state now; reading it reports a half-open reached by time alone."""
        return self._advance()

    def _advance(self) -> BreakerState:
        opened = self._opened_at
        due = opened is not None and self._clock() - opened >= self._reset_s
        if self._state == "open" and opened is not None and due:
            self._enter("half_open", RESET_ELAPSED, at=opened + self._reset_s)
        return self._state

    def allow(self) -> bool:
        """True if a call may go out now; in half-open state only one trial at a time."""
        state = self._advance()
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
        """A call got an answer: close (a half-open trial succeeded, or a late answer)."""
        self._advance()  # a half-open reached by time is reported before it closes
        self._failures = 0
        self._opened_at = None
        self._trial_started_at = None
        self._enter("closed", CALL_ANSWERED)

    def recovered(self) -> None:
        """The portal answered a probe: close now; one more failure reopens."""
        self._advance()
        self._opened_at = None
        self._trial_started_at = None
        self._failures = self._threshold - 1
        self._enter("closed", PROBE_ANSWERED)

    def record_failure(self, code: str = "UPSTREAM_UNAVAILABLE") -> None:
        """A call failed with `code`; the Nth in a row, or any while not closed, opens it."""
        self._advance()  # a failed trial is half_open -> open, not open -> open
        self._failures += 1
        self._trial_started_at = None
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._openings += 1
            self._enter("open", code)

    def _enter(self, state: BreakerState, reason: str, at: float | None = None) -> None:
        if state == self._state:
            return
        transition = Transition(
            self._connector, self._state, state, reason, self._clock() if at is None else at
        )
        self._state = state
        self._on_transition(transition)
