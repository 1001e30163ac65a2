"""Rate limits: per principal, per address when anonymous, per root field, shared by
replicas through Redis, and employees acting for customers counted as themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway
from tests.redis_server import PrefixedRedis

PROFILE = "{ viewer { profile { firstName } } }"
OPEN_TICKET = 'mutation %s { openTicket(input: {subject: "Hello", message: "Call me"}) { number } }'
SERVICE = {"sub": "emp-001", "roles": ["customer_service"]}


async def post(gateway: Gateway, query: str, subject: str = "cust-001", **claims: Any) -> Any:
    return await gateway.client.post(
        "/graphql", json={"query": query}, headers=gateway.auth(subject, **claims)
    )


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "retry after" in error["message"]


async def test_a_principal_over_its_limit_gets_429_and_others_do_not(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, rate_limit="3/minute") as gateway:
        allowed = [(await post(gateway, PROFILE)).status_code for _ in range(3)]
        refused = await post(gateway, PROFILE)
        someone_else = await post(gateway, PROFILE, "cust-002")

    assert allowed == [200, 200, 200]
    assert_rate_limited(refused)
    assert refused.headers["X-Request-Id"]
    assert someone_else.status_code == 200


async def test_anonymous_requests_are_limited_by_client_address(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with (
        open_gateway(stack, tracer_provider, rate_limit="2/minute") as gateway,
        gateway.client_from("203.0.113.7") as one,
        gateway.client_from("203.0.113.8") as two,
    ):
        first = [(await one.post("/graphql", json={"query": PROFILE})) for _ in range(3)]
        other_address = await two.post("/graphql", json={"query": PROFILE})
        signed_in = await post(gateway, PROFILE)

    assert [r.status_code for r in first[:2]] == [401, 401]
    assert_rate_limited(first[2])
    assert other_address.status_code == 401
    assert signed_in.status_code == 200


async def test_an_employee_acting_for_customers_is_limited_as_the_employee(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, rate_limit="2/minute") as gateway:
        for_first = await post(gateway, PROFILE, "cust-001", act=SERVICE)
        for_second = await post(gateway, PROFILE, "cust-002", act=SERVICE)
        for_third = await post(gateway, PROFILE, "cust-003", act=SERVICE)
        customer_themselves = await post(gateway, PROFILE, "cust-003")

    assert (for_first.status_code, for_second.status_code) == (200, 200)
    assert_rate_limited(for_third)
    assert customer_themselves.status_code == 200


async def test_a_root_field_limit_applies_whatever_the_operation_is_called(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(
        stack,
        tracer_provider,
        rate_limit="100/minute",
        rate_limit_per_operation={"openTicket": "1/minute"},
    ) as gateway:
        first = await post(gateway, OPEN_TICKET % "Open")
        gateway.reset_counts()
        renamed = await post(gateway, OPEN_TICKET % "SomethingElse")
        upstream_calls = gateway.counts()
        reads = await post(gateway, PROFILE)

    assert first.status_code == 200
    assert first.json()["data"]["openTicket"]["number"]
    assert_rate_limited(renamed)
    assert reads.status_code == 200
    assert upstream_calls == {}  # refused before any portal was asked


async def test_browser_sign_in_starts_are_limited_by_address(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(
        stack, tracer_provider, public_url="http://gateway", login_rate_limit="2/minute"
    ) as gateway:
        starts = [await gateway.client.get("/auth/login") for _ in range(3)]

    assert [r.status_code for r in starts[:2]] == [302, 302]
    assert_rate_limited(starts[2])


@pytest.fixture
async def replicas(
    stack: DemoStack, tracer_provider: TracerProvider, prefixed_redis: PrefixedRedis
) -> AsyncIterator[tuple[Gateway, Gateway]]:
    shared = {"rate_limit_backend": "redis", "rate_limit": "3/minute", **prefixed_redis.settings}
    async with (
        open_gateway(stack, tracer_provider, **shared) as one,
        open_gateway(stack, tracer_provider, **shared) as two,
    ):
        yield one, two


async def test_replicas_count_in_the_same_window(replicas: tuple[Gateway, Gateway]) -> None:
    one, two = replicas
    statuses = [
        (await post(one, PROFILE)).status_code,
        (await post(two, PROFILE)).status_code,
        (await post(one, PROFILE)).status_code,
    ]
    refused = await post(two, PROFILE)

    assert statuses == [200, 200, 200]
    assert_rate_limited(refused)


async def test_an_unreachable_rate_limit_store_lets_requests_through(
    stack: DemoStack, tracer_provider: TracerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_gateway(
        stack,
        tracer_provider,
        rate_limit_backend="redis",
        redis_url="redis://127.0.0.1:9/10",
        rate_limit="1/minute",
    ) as gateway:
        statuses = [(await post(gateway, PROFILE)).status_code for _ in range(2)]

    assert statuses == [200, 200]
    warnings = [r for r in caplog.records if r.name == "gateway.middleware.rate_limiter"]
    assert warnings and all(r.levelname == "WARNING" and not r.exc_info for r in warnings)
