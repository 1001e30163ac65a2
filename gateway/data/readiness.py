"""Readiness: each connector's state, kept current in the background, read in no time.

    open_readiness(readiness)  one watch task per connector, cancelled on exit
      watch(name): probe ─▶ remember ─▶ breaker not closed and portal answers? close it
                   ─▶ sleep interval_s (recovery_interval_s while open or down) ─▶ again
    report()       judge(breaker, last probe, last customer outcome) per connector

A watch awaits its probe before it sleeps, so at most one probe per connector is ever in
flight, however many ask `/readyz` and however long a portal hangs. Customers' requests are
never the probes: the watch, not a customer's call, finds a portal back and closes its
breaker, so its fields return within one recovery interval instead of the breaker's reset_s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.base import Connector, Health
from gateway.data.connector_state import Evidence, State, judge
from gateway.data.sources import Sources

__all__ = ["ConnectorReadiness", "Readiness", "open_readiness"]

logger = logging.getLogger(__name__)
# health() is bounded by contract; this guard only keeps a kind that breaks it from
# stalling its watch for good.
_PROBE_GUARD_S = 10.0


@dataclass(frozen=True, slots=True)
class ConnectorReadiness:
    """One connector as `/readyz` shows it; `since` is when it entered `state`."""

    state: State
    reason: str | None
    since: datetime
    breaker: str
    probe_latency_ms: float | None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Readiness:
    """Probes each connector in the background and judges it from that and from customers'
    recent outcomes; one instance per runtime."""

    def __init__(
        self,
        connectors: Mapping[str, Connector],
        sources: Sources,
        *,
        interval_s: float,
        recovery_interval_s: float,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._connectors = connectors
        self._sources = sources
        self._interval_s = interval_s
        self._recovery_interval_s = recovery_interval_s
        self._window_s = window_s
        self._clock = clock
        self._now = now
        self._probes: dict[str, Health] = {}
        self._since: dict[str, tuple[State, datetime]] = {}

    @property
    def connectors(self) -> list[str]:
        return list(self._connectors)

    def report(self) -> dict[str, ConnectorReadiness]:
        """Every connector's readiness now, from what is already known (no I/O)."""
        return {name: self._judge(name) for name in self._connectors}

    def _judge(self, name: str) -> ConnectorReadiness:
        breaker = self._sources.breaker(name).state
        probe = self._probes.get(name)
        evidence = Evidence(
            breaker=breaker,
            probe=probe,
            outcome=self._sources.last_outcome(name),
            timeout_s=self._sources.registry.connectors[name].timeout_s,
            window_s=self._window_s,
            now=self._clock(),
        )
        state, reason = judge(evidence)
        seen = self._since.get(name)
        if seen is None or seen[0] != state:
            seen = (state, self._now())
            self._since[name] = seen
        latency = None if probe is None else round(probe.latency_ms, 1)
        return ConnectorReadiness(state, reason, seen[1], breaker, latency)

    async def watch(self, name: str) -> None:
        """Probe `name` until cancelled, one probe at a time."""
        while True:
            await self._probe(name)
            await asyncio.sleep(self._pause(name))

    async def _probe(self, name: str) -> None:
        openings = self._sources.breaker(name).openings
        try:
            async with asyncio.timeout(_PROBE_GUARD_S):
                health = await self._connectors[name].health()
        except TimeoutError:
            health = Health("down", _PROBE_GUARD_S * 1000, "health probe did not finish")
        except Exception as exc:  # a kind's bug must not end its watch; it is reported
            logger.warning("health probe of %s raised %s", name, type(exc).__name__)
            health = Health("down", 0.0, "health probe failed")
        self._probes[name] = health
        breaker = self._sources.breaker(name)
        # The portal is back, so no customer has to be the trial; but an answer to a probe
        # sent before the breaker (re)opened predates the failure, and proves nothing.
        unchanged = breaker.openings == openings
        if health.status != "down" and breaker.state != "closed" and unchanged:
            breaker.recovered()
        self._judge(name)  # note a change of state now, so that `since` is when it happened

    def _pause(self, name: str) -> float:
        probe = self._probes.get(name)
        failing = probe is None or probe.status == "down"
        if failing or self._sources.breaker(name).state != "closed":
            return self._recovery_interval_s
        return self._interval_s


@contextlib.asynccontextmanager
async def open_readiness(readiness: Readiness) -> AsyncIterator[Readiness]:
    """Run one watch per connector while the context is open."""
    watches = [
        asyncio.create_task(readiness.watch(name), name=f"portalgate.readiness.{name}")
        for name in readiness.connectors
    ]
    try:
        yield readiness
    finally:
        for watch in watches:
            watch.cancel()
        await asyncio.gather(*watches, return_exceptions=True)
