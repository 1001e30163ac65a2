"""gateway/metrics/recorder: the stale-served counter and its hook."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from gateway.metrics import Metrics, PrometheusMetrics


def recorder() -> PrometheusMetrics:
    return PrometheusMetrics(max_operation_names=5, employee_role="e", service_role="s")


def stale_samples(metrics: Metrics) -> dict[str, float]:
    families = text_string_to_metric_families(metrics.exposition().decode())
    [family] = [f for f in families if f.name == "portalgate_cache_stale_served"]
    return {s.labels["capability"]: s.value for s in family.samples if s.name.endswith("_total")}


def test_the_family_is_exposed_before_anything_is_served_stale() -> None:
    metrics = recorder()
    assert "# TYPE portalgate_cache_stale_served_total counter" in metrics.exposition().decode()
    assert stale_samples(metrics) == {}


def test_stale_records_are_counted_per_capability() -> None:
    metrics = recorder()
    metrics.cache_stale_served("profile", 2)
    metrics.cache_stale_served("profile", 1)
    metrics.cache_stale_served("invoices", 1)
    assert stale_samples(metrics) == {"profile": 3.0, "invoices": 1.0}


def test_with_metrics_off_the_hook_records_nothing() -> None:
    metrics = Metrics()
    metrics.cache_stale_served("profile", 1)
    assert metrics.exposition() == b""
