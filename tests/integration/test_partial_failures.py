"""A failing portal costs only its own fields: the rest of the dashboard still arrives."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from demo.portals.base import DemoPortal
from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

DASHBOARD = """{ viewer {
  profile { displayName }
  orders(first: 5) { totalCount nodes { number items { sku } } }
  invoices { number }
  tickets { number }
  cases { number }
  actionItems { kind }
} }"""

# Which dashboard fields each portal owns (in the example registry).
FIELDS = {
    "crm": ["profile"],
    "orders": ["orders"],
    "billing": ["invoices"],
    "support": ["tickets", "cases"],
}
# The failing portal's timeout; the others keep the registry's. Short enough to keep the
# hang and slow cases quick, long enough that a garbage-collection pause of the test
# process (measured up to ~0.46 s late in the suite) cannot turn an answer into a timeout.
TIMEOUT_S = 1.0
# Not a timing assertion: a guard so that a gateway that hangs fails the test instead of
# hanging it. A bounded gateway answers in about TIMEOUT_S.
NO_HANG_GUARD_S = 10.0


async def _refuse(portal: DemoPortal) -> None:
    await portal.refuse_connections()


def _set(**knobs: Any) -> Callable[[DemoPortal], Any]:
    async def apply(portal: DemoPortal) -> None:
        for name, value in knobs.items():
            setattr(portal.knobs, name, value)

    return apply


FAILURES = {
    "hang": (_set(hang=True), "UPSTREAM_TIMEOUT"),
    "http-500": (_set(fail_status=500), "UPSTREAM_UNAVAILABLE"),
    "error-rate": (_set(error_rate=1.0), "UPSTREAM_UNAVAILABLE"),
    "slow": (_set(latency_s=TIMEOUT_S * 3), "UPSTREAM_TIMEOUT"),
    "malformed": (_set(malformed=True), "UPSTREAM_BAD_RESPONSE"),
    "refused": (_refuse, "UPSTREAM_UNAVAILABLE"),
}


@pytest.fixture
async def short_timeouts(
    request: pytest.FixtureRequest,
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> AsyncIterator[Gateway]:
    failing: str = request.param

    def shorten(data: dict[str, Any]) -> None:
        data["connectors"][failing]["timeout_s"] = TIMEOUT_S

    async with open_gateway(stack, tracer_provider, registry_path=registry_variant(shorten)) as gw:
        yield gw


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize(
    ("short_timeouts", "connector"), [(c, c) for c in sorted(FIELDS)], indirect=["short_timeouts"]
)
async def test_failing_portal_nulls_only_its_fields(
    short_timeouts: Gateway, connector: str, failure: str
) -> None:
    gateway = short_timeouts
    apply, code = FAILURES[failure]
    await apply(getattr(gateway.stack, connector))

    async with asyncio.timeout(NO_HANG_GUARD_S):
        body = await gateway.query(DASHBOARD)

    viewer = body["data"]["viewer"]
    for owner, fields in FIELDS.items():
        for field in fields:
            if owner == connector:
                assert viewer[field] is None, field
            else:
                assert viewer[field] is not None, field
    failed = [e for e in body["errors"] if e["extensions"].get("connector") == connector]
    assert failed, body["errors"]
    assert {e["extensions"]["code"] for e in failed} == {code}
    assert all(e["extensions"]["connector"] == connector for e in body["errors"])
    for error in body["errors"]:
        assert "Traceback" not in error["message"]
        assert set(error["extensions"]) <= {"code", "connector"}


async def test_action_items_keep_the_other_sources_when_one_fails(gateway: Gateway) -> None:
    gateway.stack.billing.knobs.fail_status = 503

    body = await gateway.query("{ viewer { actionItems { kind } } }")

    items = body["data"]["viewer"]["actionItems"]
    assert None in items
    assert {i["kind"] for i in items if i} >= {"ANSWER_TICKET"}
    assert "PAY_INVOICE" not in {i["kind"] for i in items if i}
    assert body["errors"][0]["extensions"] == {
        "code": "UPSTREAM_UNAVAILABLE",
        "connector": "billing",
    }
    assert body["errors"][0]["path"][:2] == ["viewer", "actionItems"]


async def test_unavailable_portal_is_retried_once_then_reported(gateway: Gateway) -> None:
    gateway.stack.billing.knobs.fail_status = 500
    gateway.reset_counts()

    body = await gateway.query("{ viewer { invoices { number } } }")

    assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert gateway.counts() == {"invoices.by_account": 2}  # retries: 1 in the registry


async def test_breaker_opens_and_stops_calling_a_failing_portal(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    def strict_breaker(data: dict[str, Any]) -> None:
        data["connectors"]["billing"]["retries"] = 0
        data["connectors"]["billing"]["breaker"] = {"failures": 2, "reset_s": 60}

    path = registry_variant(strict_breaker)
    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        stack.billing.knobs.fail_status = 500
        for _ in range(2):
            await gateway.query("{ viewer { invoices { number } } }")
        gateway.reset_counts()

        body = await gateway.query("{ viewer { invoices { number } } }")

        assert gateway.counts() == {}
        assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        health = await gateway.client.get("/health")
        assert health.json()["connectors"]["billing"]["breaker"] == "open"


async def test_connector_calls_are_traced_without_secrets(
    gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    token = gateway.token("cust-001")
    await gateway.client.post(
        "/graphql",
        json={"query": "{ viewer { profile { displayName } invoices { number } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )

    finished = spans.get_finished_spans()
    fetches = [s for s in finished if s.name == "source.load"]
    assert {s.attributes["portalgate.connector"] for s in fetches if s.attributes} == {
        "crm",
        "billing",
    }
    request = next(s for s in finished if s.name == "graphql.request")
    assert all(s.context.trace_id == request.context.trace_id for s in fetches)
    customer = gateway.stack.customers[0]
    secrets = [token, *gateway.stack.env.values(), customer.crm_id, customer.subject]
    for span in finished:
        for value in (span.attributes or {}).values():
            assert not any(str(secret) in str(value) for secret in secrets if len(secret) > 4)


async def test_the_request_deadline_bounds_every_connector_call(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, request_timeout_s=0.4) as gateway:
        stack.billing.knobs.hang = True
        stack.support.knobs.hang = True

        async with asyncio.timeout(NO_HANG_GUARD_S):
            body = await gateway.query(DASHBOARD)

    viewer = body["data"]["viewer"]
    assert viewer["profile"] is not None and viewer["orders"] is not None
    assert viewer["invoices"] is None and viewer["tickets"] is None
    codes = {(e["extensions"]["connector"], e["extensions"]["code"]) for e in body["errors"]}
    assert codes == {("billing", "UPSTREAM_TIMEOUT"), ("support", "UPSTREAM_TIMEOUT")}
