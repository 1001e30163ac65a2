"""Whole responses from the response cache: hits reach no portal, customers never share,
acting employees and anonymous callers never read one, writes drop them, ETag and 304."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from sso.audit import MemoryAuditSink
from tests.integration.conftest import Gateway, open_gateway
from tests.redis_server import PrefixedRedis

PROFILE = (
    "query Profile($x: Boolean = true) { viewer { profile @include(if: $x) { id firstName } } }"
)
ORDERS = "{ viewer { orders(first: 2) { totalCount } } }"  # orders have no cache policy
SERVICE = {"sub": "emp-001", "roles": ["customer_service"]}
GRAPHQL_RESPONSE = "application/graphql-response+json"


async def post(
    gateway: Gateway,
    query: str = PROFILE,
    subject: str = "cust-001",
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **claims: Any,
) -> httpx.Response:
    return await gateway.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**gateway.auth(subject, **claims), "Accept": GRAPHQL_RESPONSE, **(headers or {})},
    )


def outcomes(gateway: Gateway) -> dict[str, float]:
    text = gateway.runtime.metrics.exposition().decode()
    found = re.findall(r'portalgate_response_cache_total\{outcome="(\w+)"\} ([0-9.]+)', text)
    return {outcome: float(value) for outcome, value in found}


async def test_a_repeated_query_is_served_without_any_upstream_call(gateway: Gateway) -> None:
    first = await post(gateway)
    gateway.reset_counts()

    second = await post(gateway)

    assert second.status_code == 200
    assert gateway.counts() == {}
    assert second.content == first.content
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["content-type"] == GRAPHQL_RESPONSE
    assert second.headers["Cache-Control"] == "no-store"  # still private to the client
    assert outcomes(gateway) == {"miss": 1.0, "hit": 1.0}


async def test_two_customers_asking_the_same_document_get_their_own_data(
    gateway: Gateway,
) -> None:
    alice = await post(gateway, subject="cust-001", variables={"x": True})
    gateway.reset_counts()

    bob = await post(gateway, subject="cust-002", variables={"x": True})

    assert gateway.counts() != {}  # Bob's answer was computed, not Alice's served
    alice_profile = alice.json()["data"]["viewer"]["profile"]
    bob_profile = bob.json()["data"]["viewer"]["profile"]
    assert alice_profile["id"] != bob_profile["id"]
    assert (await post(gateway, subject="cust-001", variables={"x": True})).content == alice.content
    assert (await post(gateway, subject="cust-002", variables={"x": True})).content == bob.content


async def test_variables_operation_and_media_type_are_part_of_the_key(gateway: Gateway) -> None:
    await post(gateway, variables={"x": True})
    await post(gateway)  # the same answer, but other variables: its own entry
    wrong = await post(gateway, variables={"x": 2})  # refused: errors are never stored
    as_json = await post(gateway, variables={"x": True}, headers={"Accept": "application/json"})

    assert as_json.headers["content-type"] == "application/json"
    assert "errors" in wrong.json()
    assert outcomes(gateway) == {"miss": 3.0, "uncacheable": 1.0}


async def test_an_employee_acting_for_a_customer_never_reads_a_cached_response(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    audit = MemoryAuditSink()
    async with open_gateway(stack, tracer_provider, audit=audit) as gateway:
        own = await post(gateway)
        gateway.reset_counts()

        acting = await post(gateway, act=SERVICE)

        assert acting.status_code == 200 and "ETag" not in acting.headers
        assert acting.json()["data"] == own.json()["data"]
        assert [event.actor for event in audit.events] == ["emp-001"]  # and audited
        assert outcomes(gateway) == {"miss": 1.0, "bypass": 1.0}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}],
    ids=["anonymous", "invalid-token"],
)
async def test_anonymous_or_invalid_callers_never_read_a_cached_response(
    gateway: Gateway, headers: dict[str, str]
) -> None:
    cached = await post(gateway)

    refused = await gateway.client.post(
        "/graphql",
        json={"query": PROFILE},
        headers={"Accept": GRAPHQL_RESPONSE, "If-None-Match": cached.headers["ETag"], **headers},
    )

    assert refused.status_code == 401
    assert "profile" not in refused.text
    assert "ETag" not in refused.headers


async def test_a_write_drops_the_customers_cached_responses(gateway: Gateway) -> None:
    before = await post(gateway)
    other = await post(gateway, subject="cust-002")

    changed = await post(
        gateway, 'mutation { updateProfile(input: {firstName: "Ada"}) { firstName } }'
    )
    gateway.reset_counts()
    after = await post(gateway)
    untouched = await post(gateway, subject="cust-002")

    assert changed.json()["data"]["updateProfile"]["firstName"] == "Ada"
    assert after.json()["data"]["viewer"]["profile"]["firstName"] == "Ada"
    assert after.headers["ETag"] != before.headers["ETag"]
    assert gateway.counts() == {"customers.batch": 1}  # cust-002's answer was still cached
    assert untouched.content == other.content


async def test_responses_with_errors_are_not_stored(gateway: Gateway) -> None:
    gateway.stack.crm.knobs.fail_status = 500
    failed = await post(gateway)
    gateway.stack.crm.knobs.fail_status = None
    gateway.reset_counts()

    recovered = await post(gateway)

    assert "errors" in failed.json() and "ETag" not in failed.headers
    assert gateway.counts() != {}
    assert "errors" not in recovered.json()
    assert outcomes(gateway) == {"uncacheable": 1.0, "miss": 1.0}


async def test_a_query_reading_a_capability_without_policy_is_not_stored(
    gateway: Gateway,
) -> None:
    first = await post(gateway, ORDERS)
    gateway.reset_counts()

    second = await post(gateway, ORDERS)

    assert "ETag" not in first.headers and "ETag" not in second.headers
    assert gateway.counts() != {}
    assert outcomes(gateway) == {"uncacheable": 2.0}


async def test_if_none_match_gets_304_over_post_and_get(gateway: Gateway) -> None:
    etag = (await post(gateway)).headers["ETag"]

    by_post = await post(gateway, headers={"If-None-Match": etag})
    by_get = await gateway.client.get(
        "/graphql",
        params={"query": PROFILE},
        headers={**gateway.auth(), "Accept": GRAPHQL_RESPONSE, "If-None-Match": f"W/{etag}"},
    )
    stale = await post(gateway, headers={"If-None-Match": '"something-else"'})

    assert (by_post.status_code, by_post.content, by_post.headers["ETag"]) == (304, b"", etag)
    assert by_get.status_code == 304
    assert stale.status_code == 200 and stale.headers["ETag"] == etag
    assert stale.json()["data"]["viewer"]["profile"]["id"]


async def test_a_hit_is_in_the_access_line(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="portalgate.access"):
        await post(gateway)
        await post(gateway)
    graphql = [r for r in caplog.records if getattr(r, "route", None) == "/graphql"]
    assert [getattr(r, "response_cache", None) for r in graphql] == ["miss", "hit"]


async def test_switched_off_every_request_executes(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, response_cache_enabled=False) as gateway:
        await post(gateway)
        gateway.reset_counts()
        second = await post(gateway, headers={"If-None-Match": "*"})
        assert second.status_code == 200 and "ETag" not in second.headers
        assert outcomes(gateway) == {}
        assert gateway.runtime.response_cache is None


@pytest.fixture
async def replicas(
    stack: DemoStack, tracer_provider: TracerProvider, prefixed_redis: PrefixedRedis
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    shared = {"cache_backend": "redis", **prefixed_redis.settings}
    async with (
        open_gateway(stack, tracer_provider, **shared) as one,
        open_gateway(stack, tracer_provider, **shared) as two,
    ):
        yield one, two


async def test_replicas_share_responses_in_redis_and_a_write_drops_them_everywhere(
    replicas: tuple[Gateway, Gateway], prefixed_redis: PrefixedRedis
) -> None:
    one, two = replicas
    first = await post(one)
    assert any(":resp:" in key for key in await prefixed_redis.keys())

    shared = await post(two)
    await post(two, 'mutation { updateProfile(input: {firstName: "Ada"}) { firstName } }')
    after = await post(one)

    assert outcomes(two)["hit"] == 1.0 and shared.content == first.content
    assert after.json()["data"]["viewer"]["profile"]["firstName"] == "Ada"
