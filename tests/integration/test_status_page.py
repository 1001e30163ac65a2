"""GET /status over HTTP with a portal failing for real: the page shows it down with its
breaker history and last error codes, fetches nothing from elsewhere, and the breaker
logs one line per transition (not one per request)."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

INVOICES = "{ viewer { invoices { number } } }"
# A probe every 5 s, so that none is in flight while a test makes the portal fail (one that
# went out before and comes back "up" would close the breaker again); 0.1 s while down.
PROBES = {"readiness_interval_s": 5.0, "readiness_recovery_interval_s": 0.1}
# Not a timing assertion: a guard so that a state that never comes fails instead of hanging.
STATE_GUARD_S = 10.0


async def _status(gateway: Gateway) -> dict[str, Any]:
    response = await gateway.client.get("/status.json")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _wait_for(
    gateway: Gateway, connector: str, state: str, field: str = "status"
) -> dict[str, Any]:
    async with asyncio.timeout(STATE_GUARD_S):
        while True:
            entry: dict[str, Any] = (await _status(gateway))["connectors"][connector]
            if entry[field] == state:
                return entry
            await asyncio.sleep(0.05)


def _billing_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str, str, str]]:
    return [
        (r.levelno, r.getMessage(), getattr(r, "from"), r.reason)
        for r in caplog.records
        if r.name == "portalgate.breaker" and getattr(r, "connector", None) == "billing"
    ]


@pytest.fixture
def quick_breaker(
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> Path:
    def edit(data: dict[str, Any]) -> None:
        data["connectors"]["billing"]["retries"] = 0
        data["connectors"]["billing"]["breaker"] = {"failures": 2}  # reset_s: the default 10 s

    return registry_variant(edit)


async def test_the_page_shows_a_failing_portal_down_with_its_history_and_errors(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    quick_breaker: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="portalgate.breaker")
    async with open_gateway(
        stack, tracer_provider, registry_path=quick_breaker, **PROBES
    ) as gateway:
        await _wait_for(gateway, "billing", "up")
        stack.billing.knobs.fail_status = 500
        for _ in range(6):  # two failures open the breaker; four more are refused by it
            body = await gateway.query(INVOICES)
            assert body["errors"][0]["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
        await _wait_for(gateway, "billing", "down")

        response = await gateway.client.get("/status", headers={"Accept": "text/html"})
        as_json = await gateway.client.get("/status", headers={"Accept": "application/json"})
        billing = (await _status(gateway))["connectors"]["billing"]

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    section = page.split('<section id="connector-billing">', 1)[1].split("</section>", 1)[0]
    assert '<span class="state down">down</span>' in section
    assert '<span class="state open">open</span>' in section  # the breaker now
    assert "circuit open (last call: UPSTREAM_UNAVAILABLE)" in section
    assert "UPSTREAM_UNAVAILABLE" in section and "ConnectorUnavailable, HTTP 500" in section
    # Self-contained: nothing to fetch, no script, and the portal's own words never shown.
    assert re.search(r"\b(src|href)\s*=", page) is None
    assert "<script" not in page and "://" not in page
    assert "simulated failure" not in page

    assert as_json.headers["content-type"] == "application/json"
    assert as_json.json()["connectors"]["billing"]["breaker"] == "open"
    assert billing["status"] == "down" and billing["breaker"] == "open"
    assert [(t["from"], t["to"], t["reason"]) for t in billing["breakerHistory"]] == [
        ("closed", "open", "UPSTREAM_UNAVAILABLE")
    ]
    # Only the two calls that went out are calls; the refused ones never reached billing.
    assert billing["calls"] == 2 and billing["outcomes"] == {"UPSTREAM_UNAVAILABLE": 2}
    assert billing["errorRate"] == 1.0
    assert [(e["capability"], e["code"]) for e in billing["lastErrors"]] == [
        ("invoices", "UPSTREAM_UNAVAILABLE")
    ] * 2
    # Six failed requests, one transition: one line.
    assert _billing_lines(caplog) == [
        (logging.WARNING, "breaker billing: closed -> open", "closed", "UPSTREAM_UNAVAILABLE")
    ]


async def test_recovery_is_one_more_line_and_one_more_row(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    quick_breaker: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="portalgate.breaker")
    async with open_gateway(
        stack, tracer_provider, registry_path=quick_breaker, **PROBES
    ) as gateway:
        await _wait_for(gateway, "billing", "up")
        stack.billing.knobs.fail_status = 500
        for _ in range(2):
            await gateway.query(INVOICES)
        await _wait_for(gateway, "billing", "down")
        stack.billing.knobs.fail_status = None
        await _wait_for(gateway, "billing", "closed", "breaker")  # the probe closes it
        for _ in range(3):
            assert "errors" not in await gateway.query(INVOICES)
        billing = (await _status(gateway))["connectors"]["billing"]

    assert [(t["from"], t["to"], t["reason"]) for t in billing["breakerHistory"]] == [
        ("open", "closed", "health probe answered"),
        ("closed", "open", "UPSTREAM_UNAVAILABLE"),
    ]
    assert billing["outcomes"] == {"UPSTREAM_UNAVAILABLE": 2, "ok": 3}
    assert billing["p50Ms"] is not None and billing["p95Ms"] >= billing["p50Ms"]
    assert _billing_lines(caplog) == [
        (logging.WARNING, "breaker billing: closed -> open", "closed", "UPSTREAM_UNAVAILABLE"),
        (logging.INFO, "breaker billing: open -> closed", "open", "health probe answered"),
    ]


async def test_the_page_can_be_switched_off(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, status_page_enabled=False) as gateway:
        responses = [await gateway.client.get(path) for path in ("/status", "/status.json")]

    assert [r.status_code for r in responses] == [404, 404]
    assert responses[0].json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
