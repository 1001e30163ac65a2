"""What `portalgate serve` writes: one JSON object per line, one access line per request,
and a portal outage that costs a bounded number of WARNING lines (issue 9, "Logs").

The gateway runs as a child process (tests/integration/served.py) in front of the demo
portals, so its logging is configured exactly as the command does it, uvicorn's included.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from demo.stack import DemoStack
from tests.integration.served import ServedGateway, serve_gateway
from tests.integration.test_partial_failures import DASHBOARD

# The dashboard reads one capability per connector call, every one through its loader.
DASHBOARD_CAPABILITIES = {
    ("crm", "profile"),
    ("orders", "orders_by_customer"),
    ("orders", "order_items"),
    ("billing", "invoices"),
    ("support", "tickets"),
    ("support", "cases"),
}
# WARNING or worse lines a whole outage may cost, however many requests it fails: the
# breaker's transitions (open, and open again after each failed half-open probe) and the
# readiness watch's state changes, never one per request.
OUTAGE_WARNING_BOUND = 10


def parsed_lines(served: ServedGateway) -> list[dict[str, Any]]:
    """Every line the gateway wrote, each parsed as JSON (a line that is not fails here)."""
    lines = []
    for number, line in enumerate(served.log().splitlines(), start=1):
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"line {number} is not JSON: {line!r}") from exc
        assert isinstance(parsed, dict), line
        assert {"time", "level", "logger", "message"} <= parsed.keys(), line
        lines.append(parsed)
    return lines


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "portalgate.access"]


async def dashboards(served: ServedGateway, stack: DemoStack, count: int) -> list[int]:
    """`count` dashboard requests, ten at a time; their statuses."""
    token = stack.issuer.issue_token(stack.customers[0].subject)
    headers = {"Authorization": f"Bearer {token}"}
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        for start in range(0, count, 10):
            batch = [
                client.post("/graphql", json={"query": DASHBOARD}, headers=headers)
                for _ in range(min(10, count - start))
            ]
            statuses += [response.status_code for response in await asyncio.gather(*batch)]
    return statuses


async def test_every_line_of_a_run_is_json_and_each_request_has_its_access_line(
    stack: DemoStack,
) -> None:
    async with serve_gateway(stack, {"log_level": "DEBUG"}) as served:
        token = stack.issuer.issue_token(stack.customers[0].subject)
        async with httpx.AsyncClient(base_url=served.url) as client:
            dashboard = await client.post(
                "/graphql",
                json={"query": f"query Dashboard {DASHBOARD}", "operationName": "Dashboard"},
                headers={"Authorization": f"Bearer {token}"},
            )
            refused = await client.post("/graphql", json={"query": "{ viewer { id } }"})
            unknown = await client.get("/orders/700417?token=t0ken-in-a-url")
            health = await client.get("/health")
        await asyncio.sleep(0.2)  # the child writes the last lines
        lines = parsed_lines(served)

    assert dashboard.status_code == 200 and "errors" not in dashboard.json()
    assert (refused.status_code, unknown.status_code, health.status_code) == (401, 404, 200)
    loggers = {line["logger"] for line in lines}
    assert "uvicorn.error" in loggers  # uvicorn's own start-up lines are JSON as well
    assert "uvicorn.access" not in loggers  # replaced by ours, which has no query string
    by_route = {(line["method"], line["route"]): line for line in access_lines(lines)}
    by_request = {line["request_id"]: line for line in access_lines(lines)}
    line = by_request[dashboard.headers["X-Request-Id"]]
    assert len(by_request) == len(access_lines(lines))  # one line per request
    assert line["level"] == "INFO"
    assert line["message"] == "POST /graphql 200"
    assert line["status"] == 200
    assert line["trace_id"] == dashboard.headers["X-Trace-Id"]
    assert line["operation"] == "Dashboard"
    assert line["principal_kind"] == "customer"
    assert line["duration_ms"] > 0
    called = {(call["connector"], call["capability"]) for call in line["connectors"]}
    assert called == DASHBOARD_CAPABILITIES
    assert {call["outcome"] for call in line["connectors"]} == {"ok"}
    assert all(call["duration_ms"] >= 0 for call in line["connectors"])
    unauthenticated = by_request[refused.headers["X-Request-Id"]]
    assert (unauthenticated["status"], unauthenticated["principal_kind"]) == (401, "anonymous")
    assert by_route[("GET", "other")]["status"] == 404
    assert by_route[("GET", "/health")]["connectors"] == []
    assert "t0ken-in-a-url" not in json.dumps(lines) and "700417" not in json.dumps(lines)


async def outage_warnings(stack: DemoStack, requests: int) -> tuple[int, list[dict[str, Any]]]:
    """Billing answers 500 to everything; WARNING+ lines and access lines of `requests`
    dashboards served by a fresh gateway."""
    stack.billing.knobs.fail_status = 500
    try:
        async with serve_gateway(stack, {}) as served:
            statuses = await dashboards(served, stack, requests)
            await asyncio.sleep(0.2)
            lines = parsed_lines(served)
    finally:
        stack.billing.knobs.fail_status = None
    assert statuses == [200] * requests  # only billing's fields fail
    warnings = [line for line in lines if line["level"] in ("WARNING", "ERROR", "CRITICAL")]
    graphql = [line for line in access_lines(lines) if line["route"] == "/graphql"]
    return len(warnings), graphql  # (the start-up probe's own line is not one of them)


async def test_a_portal_outage_costs_a_bounded_number_of_warning_lines(
    stack: DemoStack,
) -> None:
    few, few_access = await outage_warnings(stack, 50)
    many, many_access = await outage_warnings(stack, 200)
    print(f"WARNING+ lines: {few} for 50 requests, {many} for 200")

    assert few <= OUTAGE_WARNING_BOUND
    assert many <= OUTAGE_WARNING_BOUND  # four times the requests, not four times the lines
    assert len(few_access) == 50 and len(many_access) == 200
    for line in many_access:  # the failure is in every request's access line instead
        outcomes = {call["connector"]: call["outcome"] for call in line["connectors"]}
        assert outcomes["billing"] == "UPSTREAM_UNAVAILABLE"
        assert outcomes["crm"] in ("ok", "cache")  # its profile is cached after the first
