"""Prometheus metrics of one gateway process, in a registry the runtime owns.

    RequestMetrics (middleware) ─▶ in flight, requests by route and status, 429s, overhead
    OperationMetrics (schema)   ─▶ operations by name, outcome and principal kind
    Sources (data plane)        ─▶ capability loads, cache lookups, connector calls, breakers
                                ─▶ Metrics ─▶ GET /metrics (Prometheus text exposition)

`Metrics` records nothing (metrics switched off); `PrometheusMetrics` records into its
own `CollectorRegistry`, never prometheus-client's global default one.
"""

from gateway.metrics.operation_names import OperationNames
from gateway.metrics.principal_kind import principal_kind
from gateway.metrics.recorder import Metrics, PrometheusMetrics, build_metrics
from gateway.metrics.upstream_wait import UpstreamWait

__all__ = [
    "Metrics",
    "OperationNames",
    "PrometheusMetrics",
    "UpstreamWait",
    "build_metrics",
    "principal_kind",
]
