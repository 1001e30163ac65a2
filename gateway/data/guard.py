"""Calling a portal safely: breaker, timeout, retry, and what each attempt met.

    OwnerGuard.call(owner, capability, call, deadline, retry=...)
      ─▶ out of time? UPSTREAM_TIMEOUT, nothing sent
      ─▶ breaker (the owner keeps failing? fail fast)
      ─▶ asyncio.timeout(min(connector timeout, time left)) ─▶ call()
      ─▶ each attempt into the metrics, the latest outcomes (readiness) and the history
         (status page); each breaker transition logged, kept and counted
      ─▶ retry UPSTREAM_UNAVAILABLE while time is left, with jittered backoff, and a 429
         after its Retry-After when that ends before the deadline (else at once: the error)

Split from `Sources` (caching and dedup) so each keeps one job.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from config.registry import Registry
from connectors.errors import (
    ConnectorError,
    ConnectorTimeout,
    ConnectorUnavailable,
    UpstreamThrottled,
)
from gateway.data.breaker import Breaker, Transition, log_transition
from gateway.data.connector_history import ConnectorHistories
from gateway.data.outcomes import Outcome, Outcomes
from gateway.metrics import Metrics

__all__ = ["OwnerGuard"]

_T = TypeVar("_T")
_RETRY_BASE_S = 0.05


class OwnerGuard:
    """One breaker per connector and the calls through them; one per runtime."""

    def __init__(
        self,
        registry: Registry,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
        history: ConnectorHistories | None = None,
    ) -> None:
        self._registry = registry
        self._clock = clock
        self._metrics = metrics or Metrics()
        self._history = history or ConnectorHistories(clock=clock)
        self._breakers = {
            name: Breaker(
                spec.breaker.failures,
                spec.breaker.reset_s,
                clock,
                connector=name,
                on_transition=self._transitioned,
            )
            for name, spec in registry.connectors.items()
        }
        # Retry jitter only spreads load; it needs no cryptographic randomness.
        self._jitter = random.Random()  # noqa: S311
        self._outcomes = Outcomes(clock)

    def breaker(self, connector: str) -> Breaker:
        return self._breakers[connector]

    def last_outcome(self, connector: str) -> Outcome | None:
        """What the latest customer call to `connector` met (for readiness)."""
        return self._outcomes.latest(connector)

    @property
    def history(self) -> ConnectorHistories:
        """Each connector's recent calls, errors and breaker transitions (status page)."""
        return self._history

    def breaker_states(self) -> dict[str, str]:
        """Each connector's breaker state now (read by the metrics at scrape time)."""
        return {name: breaker.state for name, breaker in self._breakers.items()}

    def _transitioned(self, transition: Transition) -> None:
        """A breaker changed state: one log line, one history entry, one count."""
        log_transition(transition)
        self._history.record_transition(transition)
        self._metrics.breaker_transition(transition.connector, transition.to_state)

    async def call(
        self,
        owner: str,
        capability: str,
        call: Callable[[], Awaitable[_T]],
        deadline: float,
        *,
        retry: bool,
    ) -> _T:
        spec = self._registry.connectors[owner]
        breaker = self._breakers[owner]
        attempts = 1 + (spec.retries if retry else 0)
        for attempt in range(1, attempts + 1):
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise ConnectorTimeout(
                    owner, f"{owner} was not called: the request ran out of time"
                )
            if not breaker.allow():
                raise ConnectorUnavailable(owner, f"{owner} is unavailable (circuit open)")
            # No span of its own: each attempt's CLIENT span (connectors/tracing.py) sits
            # under the load's or write's span, which carries the outcome and retries.
            started = time.perf_counter()
            try:
                async with asyncio.timeout(min(spec.timeout_s, remaining)):
                    result = await call()
            except TimeoutError as exc:
                error: ConnectorError = ConnectorTimeout(owner)
                error.__cause__ = exc
            except ConnectorError as exc:
                error = exc
            else:
                self._observe(owner, capability, started)
                breaker.record_success()
                return result
            self._observe(owner, capability, started, error)
            if isinstance(error, ConnectorUnavailable | ConnectorTimeout):
                breaker.record_failure(str(error.code))
            else:
                # The portal answered (bad data, rejection): it is up, whatever it said.
                breaker.record_success()
            if not (isinstance(error, ConnectorUnavailable | UpstreamThrottled)):
                raise error
            if attempt >= attempts:
                raise error
            backoff = _RETRY_BASE_S * 2 ** (attempt - 1) * (0.5 + self._jitter.random())
            if isinstance(error, UpstreamThrottled):
                if error.retry_after_s is None:
                    raise error  # no word on when: asking again would only add load
                backoff = error.retry_after_s
            if self._clock() + backoff >= deadline:
                raise error
            await asyncio.sleep(backoff)
        raise AssertionError("unreachable")

    def _observe(
        self, owner: str, capability: str, started: float, error: ConnectorError | None = None
    ) -> None:
        """One attempt ended: into the metrics, the latest outcomes and the history."""
        self._outcomes.record(owner, None if error is None else error.code)
        seconds = time.perf_counter() - started
        outcome = "ok" if error is None else str(error.code)
        self._metrics.connector_call(owner, capability, outcome, seconds)
        history = self._history.of(owner)
        history.record_call(outcome, seconds)
        if error is not None:
            history.record_error(capability, error)
