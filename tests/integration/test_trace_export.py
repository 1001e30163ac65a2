"""Traces leave `portalgate serve` through the standard OTEL_* variables: a dashboard sent
with a `traceparent` arrives at a local OTLP receiver as one trace, and the portals saw it;
no span holds the document's text or a variable's value."""

from __future__ import annotations

import asyncio
import secrets
import time

import httpx
import pytest

from demo.stack import DemoStack
from gateway.operation_span import document_hash
from schema.ids import encode_global_id
from tests.integration.served import serve_gateway
from tests.integration.test_dashboard import DASHBOARD
from tests.otlp_receiver import ReceivedSpan, Receiver, open_otlp_http_receiver

_WAIT_S = 20.0  # a bound on waiting for the batch processor, not an assertion
SECRET_LITERAL = "LIT-4711-SECRET"
SECRET_VARIABLE = "VAR-4712-SECRET"
LOOKUP = f"""
query Lookup($other: ID!) {{
  literal: node(id: "{encode_global_id("Order", SECRET_LITERAL)}") {{ id }}
  variable: node(id: $other) {{ id }}
}}
"""


async def _wait_for(receiver: Receiver, trace_id: str, server_span: str) -> list[ReceivedSpan]:
    """The trace's spans once its server span (the last to end) has arrived."""
    started = time.monotonic()
    while time.monotonic() - started < _WAIT_S:
        spans = receiver.trace(trace_id)
        if any(span.name == server_span for span in spans):
            await asyncio.sleep(0.3)  # a later batch may still carry stragglers
            return receiver.trace(trace_id)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no server span arrived; received {len(receiver.spans)} spans")


async def test_a_dashboard_with_a_traceparent_is_one_trace_at_the_otlp_receiver(
    stack: DemoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    portals = [stack.crm, stack.orders, stack.billing, stack.support]
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    async with open_otlp_http_receiver() as receiver:
        monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "portalgate-under-test")
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        async with serve_gateway(stack, {}) as served:
            for portal in portals:
                portal.reset_counts()
            async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
                response = await client.post(
                    "/graphql",
                    json={"query": DASHBOARD},
                    headers={
                        "Authorization": f"Bearer {stack.issuer.issue_token('cust-001')}",
                        "traceparent": f"00-{trace_id}-{parent_id}-01",
                    },
                )
            assert response.status_code == 200
            assert "errors" not in response.json()
            assert response.headers["X-Trace-Id"] == trace_id
            spans = await _wait_for(receiver, trace_id, "graphql.request")
            calls = sum(portal.requests_total for portal in portals)
            received = [value for portal in portals for value in portal.traceparents]
            portal_traces = [portal.trace_ids() for portal in portals]
            lookup_trace = secrets.token_hex(16)
            async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
                response = await client.post(
                    "/graphql",
                    json={
                        "query": LOOKUP,
                        "variables": {"other": encode_global_id("Order", SECRET_VARIABLE)},
                    },
                    headers={
                        "Authorization": f"Bearer {stack.issuer.issue_token('cust-001')}",
                        "traceparent": f"00-{lookup_trace}-{parent_id}-01",
                    },
                )
            assert response.status_code == 200
            lookup = await _wait_for(receiver, lookup_trace, "graphql.request")

    # Besides ours, only the harness's start-up probe (`GET /ready-probe`, no route) and
    # the readiness watch's health probes of the portals (traces of their own).
    others = [span for span in receiver.spans if span.trace_id not in {trace_id, lookup_trace}]
    assert {(span.name, span.kind) for span in others} <= {
        ("GET", "SPAN_KIND_SERVER"),
        ("GET", "SPAN_KIND_CLIENT"),
    }
    assert {span.service_name for span in spans} == {"portalgate-under-test"}
    [server] = [span for span in spans if span.name == "graphql.request"]
    assert server.kind == "SPAN_KIND_SERVER"
    assert server.parent_span_id == parent_id
    assert server.attributes["http.route"] == "/graphql"
    [operation] = [span for span in spans if span.name == "query Dashboard"]
    assert operation.parent_span_id == server.span_id
    assert operation.attributes == {
        "graphql.operation.name": "Dashboard",
        "graphql.operation.type": "query",
        "graphql.document.hash": document_hash(DASHBOARD),
    }
    loads = [span for span in spans if span.name == "source.load"]
    assert {span.attributes["portalgate.capability"] for span in loads} >= {
        "profile",
        "orders_by_customer",
        "order_items",
        "invoices",
        "tickets",
        "cases",
    }
    for load in loads:
        assert load.parent_span_id == operation.span_id
        assert load.attributes["portalgate.connector"] in {"crm", "orders", "billing", "support"}
        assert load.attributes["portalgate.batch_size"] >= 1
        assert load.attributes["portalgate.cache.outcome"] in {"hit", "miss", "partial", "off"}
    # cust-001's first dashboard: every load called its portal once, through a closed breaker.
    for load in loads:
        assert load.attributes["portalgate.retries"] == 0
        assert load.attributes["portalgate.breaker.state"] == "closed"
    [profile] = [span for span in loads if span.attributes["portalgate.capability"] == "profile"]
    assert profile.attributes["portalgate.cache.outcome"] == "miss"  # cached for 30 s
    # One CLIENT span per portal call, and each portal call carried its span as parent.
    clients = [span for span in spans if span.kind == "SPAN_KIND_CLIENT"]
    assert len(clients) == calls == len(received)
    assert {value.split("-")[1] for value in received} == {trace_id}
    assert sorted(value.split("-")[2] for value in received) == sorted(s.span_id for s in clients)
    assert portal_traces == [{trace_id}] * len(portals)
    by_id = {span.span_id: span for span in spans}
    for client_span in clients:
        assert by_id[client_span.parent_span_id].name == "source.load"

    # Neither document's text, nor a literal, nor a variable's value is in any span.
    [looked_up] = [span for span in lookup if span.name == "query Lookup"]
    assert looked_up.attributes["graphql.document.hash"] == document_hash(LOOKUP)
    values = [str(v) for span in receiver.spans for v in span.attributes.values()]
    keys = {key for span in receiver.spans for key in span.attributes}
    assert not {"query", "graphql.document", "graphql.variables"} & keys
    for secret in (SECRET_LITERAL, SECRET_VARIABLE, encode_global_id("Order", SECRET_VARIABLE)):
        assert not [value for value in values if secret in value]
    assert not [value for value in values if "{" in value or "viewer" in value]
