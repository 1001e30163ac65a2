"""OwnerGuard and a portal's 429: retried after its Retry-After only when time allows."""

from __future__ import annotations

import time

import pytest
from opentelemetry.sdk.trace import TracerProvider

from connectors.errors import UpstreamRejected, UpstreamThrottled
from connectors.portal_session import retry_after_s
from connectors.records import LinkRecord
from tests.gateway.data.test_sources import ALICE, CountingConnector, make_sources


async def test_a_429_is_asked_again_after_its_retry_after(
    tracer_provider: TracerProvider,
) -> None:
    connector = CountingConnector()
    connector.fail_with = [UpstreamThrottled("crm", retry_after_s=0.05)]
    sources = make_sources(connector, tracer_provider, retries=1)

    [record] = await sources.load("support_party", ["a"], ALICE, time.monotonic() + 5)

    assert isinstance(record, LinkRecord)
    assert connector.calls == [["a"], ["a"]]


@pytest.mark.parametrize(
    ("retry_after", "retries"),
    [(30.0, 1), (None, 1), (0.0, 0)],
    ids=["past-the-deadline", "no-retry-after", "no-retries-configured"],
)
async def test_a_429_is_the_error_at_once_otherwise(
    tracer_provider: TracerProvider, retry_after: float | None, retries: int
) -> None:
    connector = CountingConnector()
    connector.fail_with = [UpstreamThrottled("crm", retry_after_s=retry_after)] * 2
    sources = make_sources(connector, tracer_provider, retries=retries)
    started = time.monotonic()

    [result] = await sources.load("support_party", ["a"], ALICE, started + 5)

    assert isinstance(result, UpstreamRejected) and result.status == 429
    assert connector.calls == [["a"]]
    assert sources.breaker("crm").state == "closed"  # the portal answered: it is up


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("7") == 7.0
    assert retry_after_s(None) is None
    assert retry_after_s("soon") is None
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: now
