"""gateway/data/sources: dedup, cache scope, retry, breaker and deadlines around a connector.

The connector here is a real implementation of the contract that counts its calls (like
httpx's MockTransport), because these rules must hold for any connector kind.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import ClassVar

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel

from config.registry import CachePolicy, ConnectorSpec, LinkSpec, Registry
from connectors.base import Connector
from connectors.capabilities import Key
from connectors.errors import (
    BadUpstreamData,
    ConnectorError,
    ConnectorTimeout,
    ConnectorUnavailable,
)
from connectors.principal import Principal
from connectors.records import LinkRecord, Record
from gateway.data.record_cache import RecordCache
from gateway.data.sources import Sources
from gateway.metrics import Metrics, PrometheusMetrics

ALICE = Principal(subject="alice", issuer="https://idp.test")
BOB = Principal(subject="bob", issuer="https://idp.test")


class _NoConfig(BaseModel):
    pass


class CountingConnector(Connector):
    """Answers `support_party` with "<key>-party"; failures and delays are switchable."""

    kind: ClassVar[str] = "counting"
    Config: ClassVar[type[BaseModel]] = _NoConfig

    def __init__(self) -> None:
        super().__init__("crm", _NoConfig(), credentials=None)  # type: ignore[arg-type]
        self.calls: list[list[Key]] = []
        self.fail_with: list[ConnectorError] = []
        self.delay_s = 0.0
        self.gate: asyncio.Event | None = None

    async def fetch(
        self, capability: str, keys: Sequence[Key], principal: Principal | None
    ) -> Sequence[Record | ConnectorError]:
        self.calls.append(list(keys))
        if self.gate is not None:
            await self.gate.wait()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.fail_with:
            raise self.fail_with.pop(0)
        return [LinkRecord(value=f"{key}-party") for key in keys]


def make_sources(
    connector: Connector,
    tracer_provider: TracerProvider,
    *,
    cache: Mapping[str, CachePolicy] | None = None,
    retries: int = 1,
    timeout_s: float = 1.0,
    failures: int = 3,
    clock: Callable[[], float] = time.monotonic,
    metrics: Metrics | None = None,
) -> Sources:
    spec = ConnectorSpec.model_validate(
        {
            "kind": "counting",
            "owns": ["support_party"],
            "retries": retries,
            "timeout_s": timeout_s,
            "breaker": {"failures": failures, "reset_s": 60},
        }
    )
    registry = Registry(
        source=Path("test.yaml"),
        connectors={"crm": spec},
        configs={"crm": _NoConfig()},
        owners={"support_party": "crm"},
        links={"crm": LinkSpec(claim="crm")},
        cache=dict(cache or {}),
    )
    return Sources(
        registry,
        {"crm": connector},
        RecordCache.memory(dict(cache or {})),
        tracer_provider.get_tracer("test"),
        clock=clock,
        metrics=metrics,
    )


def deadline(seconds: float = 5.0) -> float:
    return time.monotonic() + seconds


async def test_results_come_back_in_key_order(tracer_provider: TracerProvider) -> None:
    sources = make_sources(CountingConnector(), tracer_provider)
    results = await sources.load("support_party", ["b", "a", "c"], ALICE, deadline())
    assert [r.value for r in results if isinstance(r, LinkRecord)] == [
        "b-party",
        "a-party",
        "c-party",
    ]


async def test_concurrent_identical_loads_share_one_upstream_call(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    connector.gate = asyncio.Event()
    sources = make_sources(connector, tracer_provider)

    first = asyncio.create_task(sources.load("support_party", ["a", "b"], ALICE, deadline()))
    await asyncio.sleep(0)
    second = asyncio.create_task(sources.load("support_party", ["b", "c"], ALICE, deadline()))
    await asyncio.sleep(0)
    connector.gate.set()
    await asyncio.gather(first, second)

    assert connector.calls == [["a", "b"], ["c"]]


async def test_a_request_that_gives_up_does_not_cancel_the_call_others_share(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    connector.gate = asyncio.Event()
    sources = make_sources(connector, tracer_provider)

    first = asyncio.create_task(sources.load("support_party", ["a"], ALICE, deadline()))
    await asyncio.sleep(0)
    second = asyncio.create_task(sources.load("support_party", ["a"], ALICE, deadline()))
    await asyncio.sleep(0)
    first.cancel()  # e.g. its client went away
    await asyncio.gather(first, return_exceptions=True)
    connector.gate.set()

    assert [r.value for r in await second if isinstance(r, LinkRecord)] == ["a-party"]
    assert connector.calls == [["a"]]


async def test_in_flight_dedup_never_crosses_principals(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    connector.gate = asyncio.Event()
    sources = make_sources(connector, tracer_provider)

    alice = asyncio.create_task(sources.load("support_party", ["a"], ALICE, deadline()))
    await asyncio.sleep(0)
    bob = asyncio.create_task(sources.load("support_party", ["a"], BOB, deadline()))
    await asyncio.sleep(0)
    connector.gate.set()
    await asyncio.gather(alice, bob)

    assert connector.calls == [["a"], ["a"]]


async def test_principal_scoped_cache_serves_only_the_same_principal(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    sources = make_sources(
        connector, tracer_provider, cache={"support_party": CachePolicy(ttl_s=60)}
    )

    await sources.load("support_party", ["a"], ALICE, deadline())
    await sources.load("support_party", ["a"], ALICE, deadline())
    await sources.load("support_party", ["a"], BOB, deadline())

    assert connector.calls == [["a"], ["a"]]


async def test_public_cache_is_shared(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    policy = CachePolicy(ttl_s=60, scope="public")
    sources = make_sources(connector, tracer_provider, cache={"support_party": policy})

    await sources.load("support_party", ["a"], ALICE, deadline())
    await sources.load("support_party", ["a"], BOB, deadline())

    assert connector.calls == [["a"]]


async def test_unavailable_is_retried_and_succeeds(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    connector.fail_with = [ConnectorUnavailable("crm")]
    sources = make_sources(connector, tracer_provider, retries=1)

    results = await sources.load("support_party", ["a"], ALICE, deadline())

    assert isinstance(results[0], LinkRecord)
    assert len(connector.calls) == 2


async def test_bad_data_is_not_retried(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    connector.fail_with = [BadUpstreamData("crm")]
    sources = make_sources(connector, tracer_provider, retries=3)

    results = await sources.load("support_party", ["a", "b"], ALICE, deadline())

    assert all(isinstance(r, BadUpstreamData) for r in results)
    assert len(connector.calls) == 1


async def test_slow_connector_times_out_with_its_own_timeout(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    connector = CountingConnector()
    connector.delay_s = 5.0
    sources = make_sources(connector, tracer_provider, timeout_s=0.05)

    results = await sources.load("support_party", ["a"], ALICE, deadline())

    assert isinstance(results[0], ConnectorTimeout)
    assert results[0].connector == "crm"
    fetch = next(s for s in spans.get_finished_spans() if s.name == "source.load")
    assert fetch.attributes is not None
    assert fetch.attributes["portalgate.error.code"] == "UPSTREAM_TIMEOUT"


async def test_passed_deadline_makes_no_call(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    sources = make_sources(connector, tracer_provider)

    results = await sources.load("support_party", ["a"], ALICE, time.monotonic() - 1)

    assert isinstance(results[0], ConnectorTimeout)
    assert connector.calls == []


async def test_breaker_opens_after_consecutive_failures(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    connector.fail_with = [ConnectorUnavailable("crm")] * 10
    sources = make_sources(connector, tracer_provider, retries=0, failures=2)

    for _ in range(2):
        await sources.load("support_party", ["a"], ALICE, deadline())
    calls_before = len(connector.calls)
    results = await sources.load("support_party", ["a"], ALICE, deadline())

    assert len(connector.calls) == calls_before
    assert isinstance(results[0], ConnectorUnavailable)
    assert "circuit open" in results[0].message
    assert sources.breaker("crm").state == "open"


@pytest.mark.parametrize("count", [1, 3])
async def test_wrong_number_of_results_is_reported_not_misassigned(
    tracer_provider: TracerProvider, count: int
) -> None:
    class ShortConnector(CountingConnector):
        async def fetch(
            self, capability: str, keys: Sequence[Key], principal: Principal | None
        ) -> Sequence[Record | ConnectorError]:
            return [LinkRecord(value="x")] * (count - 1 if count > 1 else 2)

    sources = make_sources(ShortConnector(), tracer_provider)
    keys = ["a", "b", "c"][:count]
    results = await sources.load("support_party", keys, ALICE, deadline())
    assert all(isinstance(r, ConnectorUnavailable) for r in results)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker_samples(metrics: PrometheusMetrics) -> dict[str, dict[str, float]]:
    """`state` label ▶ value of crm's breaker state and transitions families, one scrape."""
    found: dict[str, dict[str, float]] = {"state": {}, "transitions": {}}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            if sample.name == "portalgate_breaker_state":
                found["state"][sample.labels["state"]] = sample.value
            elif sample.name == "portalgate_breaker_transitions_total":
                found["transitions"][sample.labels["state"]] = sample.value
    return found


async def test_transitions_are_counted_and_kept_once_each_even_a_half_open_by_time(
    tracer_provider: TracerProvider,
) -> None:
    clock = ManualClock()
    metrics = PrometheusMetrics(max_operation_names=10, employee_role="e", service_role="s")
    connector = CountingConnector()
    connector.fail_with = [ConnectorUnavailable("crm", "crm failed (HTTP 502)")] * 10
    sources = make_sources(
        connector, tracer_provider, retries=0, failures=2, clock=clock, metrics=metrics
    )
    metrics.watch_breakers(sources.breaker_states)

    for n in range(5):  # two calls fail and open it; three are refused without a call
        await sources.load("support_party", [f"k{n}"], ALICE, clock.now + 5)
    opened = breaker_samples(metrics)
    clock.now += 60  # reset_s: half-open, with no call to notice it; the scrape does
    half_open = breaker_samples(metrics)
    again = breaker_samples(metrics)

    assert len(connector.calls) == 2
    assert opened == {"state": {"closed": 0, "open": 1, "half_open": 0}, "transitions": {"open": 1}}
    assert half_open["state"] == {"closed": 0, "open": 0, "half_open": 1}
    assert half_open["transitions"] == again["transitions"] == {"open": 1, "half_open": 1}
    summary = sources.history.summary("crm")
    assert (summary.calls, summary.outcomes) == (2, {"UPSTREAM_UNAVAILABLE": 2})
    assert [(e.capability, e.reason) for e in summary.errors] == [
        ("support_party", "ConnectorUnavailable, HTTP 502")
    ] * 2
    assert [(t.from_state, t.to_state) for t in summary.transitions] == [
        ("open", "half_open"),
        ("closed", "open"),
    ]
