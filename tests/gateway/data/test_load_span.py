"""The `source.load` span: cache outcome, batch size, breaker state, retries, error code."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from config.registry import CachePolicy
from connectors.errors import BadUpstreamData, ConnectorUnavailable, RecordNotFound
from gateway.data.load_span import cache_outcome, write_span
from tests.gateway.data.test_sources import ALICE, CountingConnector, deadline, make_sources

CACHED = {"support_party": CachePolicy(ttl_s=60)}


def loads(spans: InMemorySpanExporter) -> list[ReadableSpan]:
    return [s for s in spans.get_finished_spans() if s.name == "source.load"]


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def test_cache_outcome_names_how_much_the_cache_answered() -> None:
    assert cache_outcome(False, 0, 2) == "off"
    assert cache_outcome(True, 2, 2) == "hit"
    assert cache_outcome(True, 0, 2) == "miss"
    assert cache_outcome(True, 1, 2) == "partial"


async def test_a_load_says_what_it_asked_and_how_the_call_went(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    sources = make_sources(CountingConnector(), tracer_provider)

    await sources.load("support_party", ["a", "b"], ALICE, deadline())

    [load] = loads(spans)
    assert attributes(load) == {
        "portalgate.capability": "support_party",
        "portalgate.connector": "crm",
        "portalgate.batch_size": 2,
        "portalgate.cache.outcome": "off",
        "portalgate.breaker.state": "closed",
        "portalgate.retries": 0,
    }
    assert load.status.status_code is StatusCode.UNSET
    # The attempts have no span of their own (their CLIENT spans sit under the load).
    assert [s.name for s in spans.get_finished_spans()] == ["source.load"]


async def test_cache_outcomes_miss_partial_hit(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    sources = make_sources(CountingConnector(), tracer_provider, cache=CACHED)

    await sources.load("support_party", ["a"], ALICE, deadline())
    await sources.load("support_party", ["a", "b"], ALICE, deadline())
    await sources.load("support_party", ["a", "b"], ALICE, deadline())

    outcomes = [attributes(s)["portalgate.cache.outcome"] for s in loads(spans)]
    assert outcomes == ["miss", "partial", "hit"]
    # A load the cache answered in full made no call: no breaker state, no retries.
    assert "portalgate.retries" not in attributes(loads(spans)[2])


async def test_retries_and_the_error_code_of_a_failed_load(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    connector = CountingConnector()
    connector.fail_with = [ConnectorUnavailable("crm")] * 3
    sources = make_sources(connector, tracer_provider, retries=2)

    await sources.load("support_party", ["a", "b"], ALICE, deadline())

    [load] = loads(spans)
    assert attributes(load)["portalgate.retries"] == 2
    assert attributes(load)["portalgate.keys.failed"] == 2
    assert attributes(load)["portalgate.error.code"] == "UPSTREAM_UNAVAILABLE"
    assert load.status.status_code is StatusCode.ERROR


async def test_a_retry_that_succeeds_is_counted_and_the_load_is_ok(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    connector = CountingConnector()
    connector.fail_with = [ConnectorUnavailable("crm")]
    sources = make_sources(connector, tracer_provider, retries=1)

    await sources.load("support_party", ["a"], ALICE, deadline())

    [load] = loads(spans)
    assert attributes(load)["portalgate.retries"] == 1
    assert "portalgate.error.code" not in attributes(load)
    assert load.status.status_code is StatusCode.UNSET


async def test_the_breaker_state_a_refused_load_met(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    connector = CountingConnector()
    connector.fail_with = [BadUpstreamData("crm"), *[ConnectorUnavailable("crm")] * 2]
    sources = make_sources(connector, tracer_provider, retries=0, failures=2)

    for _ in range(4):
        await sources.load("support_party", ["a"], ALICE, deadline())

    states = [attributes(s)["portalgate.breaker.state"] for s in loads(spans)]
    assert states == ["closed", "closed", "closed", "open"]
    refused = attributes(loads(spans)[3])
    assert refused["portalgate.retries"] == 0
    assert refused["portalgate.error.code"] == "UPSTREAM_UNAVAILABLE"
    assert attributes(loads(spans)[0])["portalgate.error.code"] == "UPSTREAM_BAD_RESPONSE"


async def test_a_record_not_found_is_no_span_error(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    class Missing(CountingConnector):
        async def fetch(self, capability: str, keys: Any, principal: Any) -> Any:
            return [RecordNotFound("crm") for _ in keys]

    await make_sources(Missing(), tracer_provider).load("support_party", ["a"], ALICE, deadline())

    [load] = loads(spans)
    assert attributes(load)["portalgate.error.code"] == "NOT_FOUND"
    assert load.status.status_code is StatusCode.UNSET


async def test_a_failed_write_has_its_span_with_the_code_and_no_exception_text(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    tracer = tracer_provider.get_tracer(__name__)
    with pytest.raises(ConnectorUnavailable), write_span(tracer, "update_profile", "crm"):
        raise ConnectorUnavailable("crm", "crm failed for customer C-1")

    [span] = spans.get_finished_spans()
    assert span.name == "source.write"
    assert dict(span.attributes or {}) == {
        "portalgate.capability": "update_profile",
        "portalgate.connector": "crm",
        "portalgate.error.code": "UPSTREAM_UNAVAILABLE",
    }
    assert span.status.status_code is StatusCode.ERROR
    assert span.events == ()  # no exception event: its message could carry a customer id
