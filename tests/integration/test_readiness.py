"""`/healthz` and `/readyz` over HTTP, against the demo portals' failure knobs, and recovery
once a portal returns (the background watch, not a customer, closes its breaker)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.portals.base import DemoPortal
from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

INVOICES = "{ viewer { invoices { number } } }"
# Quick probes keep each case short; the recovery test keeps the defaults.
FAST = {"readiness_interval_s": 0.2, "readiness_recovery_interval_s": 0.1}
# Not timing assertions: guards so that a state that never comes fails instead of hanging.
STATE_GUARD_S = 10.0
RECOVERY_GUARD_S = 15.0
# Thresholds that tell behaviours apart, not speed targets: an answer that waited on the
# hung portal takes at least the probe's 2 s timeout, and a breaker left to its reset_s
# (10 s) serves the portal again only after it. Half of each leaves room for a loaded
# machine while still failing the old behaviour.
PROBE_TIMEOUT_S = 2.0
RESET_S = 10.0
READYZ_BOUND_S = PROBE_TIMEOUT_S / 2
RECOVERY_BOUND_S = RESET_S / 2


async def _readyz(gateway: Gateway) -> dict[str, Any]:
    response = await gateway.client.get("/readyz")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _wait_for(gateway: Gateway, connector: str, state: str) -> dict[str, Any]:
    async with asyncio.timeout(STATE_GUARD_S):
        while True:
            entry: dict[str, Any] = (await _readyz(gateway))["connectors"][connector]
            if entry["status"] == state:
                return entry
            await asyncio.sleep(0.05)


async def _all_up(gateway: Gateway) -> None:
    for name in ("crm", "orders", "billing", "support"):
        await _wait_for(gateway, name, "up")


def _knob(**knobs: Any) -> Callable[[DemoPortal], Awaitable[None]]:
    async def apply(portal: DemoPortal) -> None:
        for name, value in knobs.items():
            setattr(portal.knobs, name, value)

    return apply


async def _refuse(portal: DemoPortal) -> None:
    await portal.refuse_connections()


KNOBS = {
    "refuse_connections": (_refuse, "down", "unreachable"),
    "fail_status": (_knob(fail_status=500), "down", "HTTP 500"),
    "hang": (_knob(hang=True), "down", "no answer within 2.0 s"),
    "malformed": (_knob(malformed=True), "degraded", "malformed answer"),
    # Over half the connector's 2 s timeout, within the probe's own 2 s.
    "latency": (_knob(latency_s=1.3), "degraded", "slow: health answered in"),
}


async def test_healthz_answers_without_asking_a_portal(gateway: Gateway) -> None:
    gateway.stack.billing.knobs.hang = True

    response = await gateway.client.get("/healthz")  # at once: no probe is awaited

    assert (response.status_code, response.json()) == (200, {"status": "up"})
    assert "X-Request-Id" in response.headers


@pytest.mark.parametrize("knob", list(KNOBS))
async def test_readyz_reports_each_failure_with_reason_and_since(
    stack: DemoStack, tracer_provider: TracerProvider, knob: str
) -> None:
    apply, state, reason = KNOBS[knob]
    async with open_gateway(stack, tracer_provider, **FAST) as gateway:
        await _all_up(gateway)
        before = datetime.now(UTC)

        await apply(stack.billing)
        entry = await _wait_for(gateway, "billing", state)

        assert entry["reason"].startswith(reason)
        assert before <= datetime.fromisoformat(entry["since"]) <= datetime.now(UTC)
        body = await _readyz(gateway)  # one portal down costs only its fields: still 200
        assert body["status"] == state
        assert body["connectors"]["crm"]["status"] == "up"
        assert body["connectors"]["crm"]["reason"] is None


async def test_readyz_answers_at_once_while_a_portal_hangs(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, **FAST) as gateway:
        await _all_up(gateway)
        stack.billing.knobs.hang = True
        await asyncio.sleep(0.3)  # a probe is now waiting on the hung portal

        for _ in range(5):
            started = time.perf_counter()
            response = await gateway.client.get("/readyz")
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            assert elapsed < READYZ_BOUND_S, f"/readyz took {elapsed * 1000:.0f} ms"


async def test_only_one_probe_per_connector_is_in_flight(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    settings = {"readiness_interval_s": 0.02, "readiness_recovery_interval_s": 0.02}
    async with open_gateway(stack, tracer_provider, **settings) as gateway:
        await _all_up(gateway)
        stack.billing.knobs.hang = True
        stack.billing.reset_counts()

        # Many readers, for longer than many probe intervals, within one probe's 2 s.
        for _ in range(15):
            await asyncio.gather(*(gateway.client.get("/readyz") for _ in range(4)))
            await asyncio.sleep(0.1)

        assert stack.billing.requests["health"] == 1


async def test_a_returning_portal_is_served_again_within_about_a_second(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    def quick_breaker(data: dict[str, Any]) -> None:
        data["connectors"]["billing"]["retries"] = 0
        data["connectors"]["billing"]["breaker"] = {"failures": 2}  # reset_s: the default 10 s

    path = registry_variant(quick_breaker)
    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        stack.billing.knobs.fail_status = 500
        for _ in range(2):
            await gateway.query(INVOICES)
        opened = await _wait_for(gateway, "billing", "down")
        assert opened["breaker"] == "open"
        assert opened["reason"] == "circuit open (last call: UPSTREAM_UNAVAILABLE)"

        stack.billing.knobs.fail_status = None
        gateway.reset_counts()
        returned = time.perf_counter()
        async with asyncio.timeout(RECOVERY_GUARD_S):
            while True:
                body = await gateway.query(INVOICES)
                if "errors" not in body:
                    break
                await asyncio.sleep(0.05)
        recovery_s = time.perf_counter() - returned

        print(f"billing served again {recovery_s * 1000:.0f} ms after it returned")
        assert body["data"]["viewer"]["invoices"]
        assert recovery_s < RECOVERY_BOUND_S
        # Refused while open, so no customer's call was a failing trial: only the answer.
        assert gateway.counts() == {"invoices.by_account": 1}
        assert (await _wait_for(gateway, "billing", "up"))["breaker"] == "closed"
