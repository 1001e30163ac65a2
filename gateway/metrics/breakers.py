"""Breaker states read when Prometheus scrapes, from the breakers themselves.

A custom collector rather than a gauge set on each change: a breaker turns half-open by
the passing of time alone, with no call that could set a gauge. Reading the state is what
makes the breaker notice and report that change (`Breaker.state`), so it is counted in
`portalgate_breaker_transitions` at the latest by the next scrape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["BREAKER_STATES", "BreakerStates"]

BREAKER_STATES = ("closed", "open", "half_open")


class BreakerStates(Collector):
    """`portalgate_breaker_state{connector, state}`: 1 for each connector's current state."""

    def __init__(self, states: Callable[[], Mapping[str, str]]) -> None:
        self._states = states

    def describe(self) -> Iterable[Metric]:
        return [self._family()]

    def collect(self) -> Iterable[Metric]:
        family = self._family()
        for connector, current in sorted(self._states().items()):
            for state in BREAKER_STATES:
                family.add_metric([connector, state], 1.0 if state == current else 0.0)
        return [family]

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "portalgate_breaker_state",
            "Circuit breaker state per connector (1 for the current state).",
            labels=["connector", "state"],
        )
