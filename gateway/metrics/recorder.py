"""What the gateway records, and the Prometheus families it records into.

Hooks call `Metrics` methods; with metrics switched off they are the base class's no-ops,
so a hook costs one method call and the process holds no metric at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from config.settings import Settings
from connectors.principal import Principal
from gateway.metrics.breakers import BreakerStates
from gateway.metrics.operation_names import OperationNames
from gateway.metrics.principal_kind import principal_kind

__all__ = ["Metrics", "PrometheusMetrics", "build_metrics"]

# The gateway's own work is milliseconds: finer buckets than prometheus-client's default.
_OVERHEAD_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    """Records nothing: the gateway with `metrics_enabled=false`."""

    enabled = False

    def operation(
        self, name: str | None, outcome: str, principal: Principal | None, seconds: float
    ) -> None:
        """One GraphQL operation ended with `outcome` (ok, partial, failed, rejected)."""

    def capability_load(self, capability: str, principal: Principal | None) -> None:
        """One batch of `capability` was asked of the data plane for `principal`."""

    def cache_lookup(self, capability: str, hits: int, misses: int) -> None:
        """Keys of `capability` found in, or missing from, the record cache."""

    def cache_stale_served(self, capability: str, keys: int) -> None:
        """`keys` records of `capability` were served stale (past their TTL) from the cache."""

    def response_cache(self, outcome: str) -> None:
        """One GraphQL request and the response cache: hit, miss, uncacheable or bypass."""

    def connector_call(self, connector: str, capability: str, outcome: str, seconds: float) -> None:
        """One call (one attempt) to a connector; `outcome` is "ok" or the error code."""

    def breaker_transition(self, connector: str, state: str) -> None:
        """The connector's breaker entered `state` (reported by the breaker itself)."""

    def watch_breakers(self, states: Callable[[], Mapping[str, str]]) -> None:
        """Read every breaker's state (connector ▶ state) at each scrape."""

    def request_started(self) -> None: ...

    def request_finished(
        self, route: str, status: int, seconds: float, upstream_wait_s: float | None
    ) -> None:
        """An HTTP request ended; `upstream_wait_s` is given for GraphQL requests only."""

    def exposition(self) -> bytes:
        return b""


class PrometheusMetrics(Metrics):
    """The gateway's metric families in a registry of its own (one per runtime)."""

    enabled = True

    def __init__(self, *, max_operation_names: int, employee_role: str, service_role: str) -> None:
        self.registry = CollectorRegistry()
        self._names = OperationNames(max_operation_names)
        self._roles = {"employee_role": employee_role, "service_role": service_role}
        self._read_breakers: Callable[[], Mapping[str, str]] = dict
        registry = self.registry
        # First: reading a breaker reports a half-open reached by time alone, which is then
        # counted in this same scrape's transitions.
        registry.register(BreakerStates(lambda: self._read_breakers()))
        self._operations = Counter(
            "portalgate_operations",
            "GraphQL operations by name, outcome and kind of principal.",
            ["operation", "outcome", "principal_kind"],
            registry=registry,
        )
        self._operation_seconds = Histogram(
            "portalgate_operation_duration_seconds",
            "Time to execute a GraphQL operation (parse to result).",
            ["operation", "outcome"],
            registry=registry,
        )
        self._capability_loads = Counter(
            "portalgate_capability_loads",
            "Batches loaded per capability, by kind of principal (usage).",
            ["capability", "principal_kind"],
            registry=registry,
        )
        self._cache = Counter(
            "portalgate_cache_lookups",
            "Record cache lookups per capability and key: hit or miss.",
            ["capability", "result"],
            registry=registry,
        )
        # Labelled children appear when a capability is first served stale: the record
        # cache serves nothing stale yet (caching, issue 11), and until then only the
        # family's HELP and TYPE lines are exposed.
        self._stale = Counter(
            "portalgate_cache_stale_served",
            "Records served stale from the record cache (past their TTL), per capability.",
            ["capability"],
            registry=registry,
        )
        self._responses = Counter(
            "portalgate_response_cache",
            "GraphQL requests by response cache outcome: hit (served without execution), "
            "miss (executed and stored), uncacheable (executed, not stored), bypass.",
            ["outcome"],
            registry=registry,
        )
        self._connector_calls = Counter(
            "portalgate_connector_calls",
            'Connector calls (attempts) by outcome: "ok" or the error code.',
            ["connector", "capability", "outcome"],
            registry=registry,
        )
        self._connector_seconds = Histogram(
            "portalgate_connector_call_duration_seconds",
            "Time of one connector call (one attempt).",
            ["connector", "capability"],
            registry=registry,
        )
        self._transitions = Counter(
            "portalgate_breaker_transitions",
            "Circuit breaker changes of state, by the state entered.",
            ["connector", "state"],
            registry=registry,
        )
        self._in_flight = Gauge(
            "portalgate_http_requests_in_flight",
            "HTTP requests being served.",
            registry=registry,
        )
        self._requests = Counter(
            "portalgate_http_requests",
            "HTTP requests by route template and status code.",
            ["route", "status"],
            registry=registry,
        )
        self._rate_limited = Counter(
            "portalgate_rate_limit_refusals",
            "Requests refused by the rate limits (429), by route.",
            ["route"],
            registry=registry,
        )
        self._overhead = Histogram(
            "portalgate_gateway_overhead_seconds",
            "GraphQL request time minus the time spent waiting on connectors and caches.",
            buckets=_OVERHEAD_BUCKETS,
            registry=registry,
        )

    def _kind(self, principal: Principal | None) -> str:
        return principal_kind(principal, **self._roles)

    def operation(
        self, name: str | None, outcome: str, principal: Principal | None, seconds: float
    ) -> None:
        label = self._names.label(name, admit=outcome != "rejected")
        self._operations.labels(label, outcome, self._kind(principal)).inc()
        self._operation_seconds.labels(label, outcome).observe(seconds)

    def capability_load(self, capability: str, principal: Principal | None) -> None:
        self._capability_loads.labels(capability, self._kind(principal)).inc()

    def cache_lookup(self, capability: str, hits: int, misses: int) -> None:
        if hits:
            self._cache.labels(capability, "hit").inc(hits)
        if misses:
            self._cache.labels(capability, "miss").inc(misses)

    def cache_stale_served(self, capability: str, keys: int) -> None:
        self._stale.labels(capability).inc(keys)

    def response_cache(self, outcome: str) -> None:
        self._responses.labels(outcome).inc()

    def connector_call(self, connector: str, capability: str, outcome: str, seconds: float) -> None:
        self._connector_calls.labels(connector, capability, outcome).inc()
        self._connector_seconds.labels(connector, capability).observe(seconds)

    def breaker_transition(self, connector: str, state: str) -> None:
        self._transitions.labels(connector, state).inc()

    def watch_breakers(self, states: Callable[[], Mapping[str, str]]) -> None:
        self._read_breakers = states

    def request_started(self) -> None:
        self._in_flight.inc()

    def request_finished(
        self, route: str, status: int, seconds: float, upstream_wait_s: float | None
    ) -> None:
        self._in_flight.dec()
        self._requests.labels(route, str(status)).inc()
        if status == 429:
            self._rate_limited.labels(route).inc()
        if upstream_wait_s is not None:
            self._overhead.observe(max(0.0, seconds - upstream_wait_s))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def build_metrics(settings: Settings) -> Metrics:
    """Prometheus metrics, or the recorder of nothing when `metrics_enabled` is false."""
    if not settings.metrics_enabled:
        return Metrics()
    return PrometheusMetrics(
        max_operation_names=settings.metrics_max_operation_names,
        employee_role=settings.employee_role,
        service_role=settings.service_client_role,
    )
