"""LoaderSet: one DataLoader per capability per request; keys in the owner's system."""

from __future__ import annotations

import asyncio
import time

import pytest
from opentelemetry.sdk.trace import TracerProvider

from config.registry import CachePolicy
from connectors.errors import ConnectorUnavailable
from connectors.principal import Principal
from connectors.records import LinkRecord
from gateway.data.connector_calls import ConnectorCalls
from gateway.data.loaders import LoaderSet
from tests.gateway.data.test_sources import ALICE, CountingConnector, make_sources

LINKED = Principal(subject="carol", issuer="https://idp.test", links={"crm": "C-7"})


def loaders(connector: CountingConnector, tracer_provider: TracerProvider) -> LoaderSet:
    sources = make_sources(connector, tracer_provider)
    return LoaderSet(sources, ALICE, time.monotonic() + 5)


async def test_loads_in_one_tick_become_one_batch(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    request = loaders(connector, tracer_provider)
    records = await asyncio.gather(*(request.load("support_party", k) for k in ("a", "b", "a")))
    assert [r.value for r in records if isinstance(r, LinkRecord)] == [
        "a-party",
        "b-party",
        "a-party",
    ]
    assert connector.calls == [["a", "b"]]


async def test_a_request_remembers_its_loads_and_the_next_request_does_not(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    sources = make_sources(connector, tracer_provider)
    first = LoaderSet(sources, ALICE, time.monotonic() + 5)
    await first.load("support_party", "a")
    await first.load("support_party", "a")
    await LoaderSet(sources, ALICE, time.monotonic() + 5).load("support_party", "a")
    assert connector.calls == [["a"], ["a"]]


async def test_forget_makes_the_next_load_ask_again_and_ignores_unknown_keys(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    request = loaders(connector, tracer_provider)
    request.forget("support_party", "never-loaded")
    await request.load("support_party", "a")
    request.forget("support_party", "a")
    await request.load("support_party", "a")
    assert connector.calls == [["a"], ["a"]]


async def test_a_primed_record_is_served_without_a_call(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    request = loaders(connector, tracer_provider)
    request.prime("support_party", "a", LinkRecord(value="written"))
    record = await request.load("support_party", "a")
    assert isinstance(record, LinkRecord) and record.value == "written"
    assert connector.calls == []


async def test_a_connector_error_is_raised_for_its_key(tracer_provider: TracerProvider) -> None:
    connector = CountingConnector()
    connector.fail_with = [ConnectorUnavailable("crm")] * 2
    request = loaders(connector, tracer_provider)
    with pytest.raises(ConnectorUnavailable):
        await request.load("support_party", "a")


async def test_write_capabilities_cannot_be_loaded(tracer_provider: TracerProvider) -> None:
    request = loaders(CountingConnector(), tracer_provider)
    with pytest.raises(ValueError, match="write capability"):
        await request.load("update_profile", "c-1")


def test_serves_only_capabilities_the_registry_owns(tracer_provider: TracerProvider) -> None:
    request = loaders(CountingConnector(), tracer_provider)
    assert request.serves("support_party")
    assert not request.serves("orders_by_organisation")


async def test_viewer_key_is_the_link_for_the_owner(tracer_provider: TracerProvider) -> None:
    sources = make_sources(CountingConnector(), tracer_provider)
    deadline = time.monotonic() + 5
    assert await LoaderSet(sources, LINKED, deadline).viewer_key("support_party") == "C-7"
    assert await LoaderSet(sources, ALICE, deadline).viewer_key("support_party") is None
    assert await LoaderSet(sources, None, deadline).viewer_key("support_party") is None


async def test_each_batch_is_noted_with_its_owner_and_outcome(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    calls = ConnectorCalls()
    request = LoaderSet(
        make_sources(connector, tracer_provider), ALICE, time.monotonic() + 5, calls=calls
    )
    await asyncio.gather(request.load("support_party", "a"), request.load("support_party", "b"))
    connector.fail_with = [ConnectorUnavailable("crm")] * 2  # the attempt and its retry
    with pytest.raises(ConnectorUnavailable):
        await request.load("support_party", "c")

    assert [(c.connector, c.capability, c.outcome) for c in calls.calls] == [
        ("crm", "support_party", "ok"),
        ("crm", "support_party", "UPSTREAM_UNAVAILABLE"),
    ]
    assert all(c.duration_ms >= 0 for c in calls.calls)


async def test_a_batch_answered_from_the_record_cache_is_noted_as_cache(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    sources = make_sources(
        connector, tracer_provider, cache={"support_party": CachePolicy(ttl_s=60)}
    )
    await LoaderSet(sources, ALICE, time.monotonic() + 5).load("support_party", "a")
    calls = ConnectorCalls()
    again = LoaderSet(sources, ALICE, time.monotonic() + 5, calls=calls)
    await again.load("support_party", "a")
    await again.load("support_party", "b")  # not cached: the portal is asked

    assert connector.calls == [["a"], ["b"]]
    assert [c.outcome for c in calls.calls] == ["cache", "ok"]
