"""Client spans from the session factory's tracing hooks, against a real portal on loopback."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from connectors.base import UpstreamAuth
from connectors.errors import ConnectorUnavailable
from connectors.http import SessionFactory
from connectors.principal import Principal
from connectors.support_xml import SupportXmlConnector
from connectors.tracing import client_trace_config


class NoCredentials:
    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        return UpstreamAuth(headers={})


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[TestServer, list[str | None]]]:
    """A portal that answers every POST with a 503 and records each `traceparent`."""
    seen: list[str | None] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("traceparent"))
        return web.Response(status=503, text="down for maintenance")

    app = web.Application()
    app.router.add_post("/soap", record)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        yield server, seen


async def test_each_portal_request_is_a_client_span_continued_by_the_portal(
    recorder: tuple[TestServer, list[str | None]],
    tracer_provider: TracerProvider,
    spans: InMemorySpanExporter,
) -> None:
    server, seen = recorder
    sessions = SessionFactory(trace_configs=(client_trace_config(tracer_provider),))
    config = SupportXmlConnector.Config.model_validate({"base_url": str(server.make_url("/"))})

    async with SupportXmlConnector("support", config, NoCredentials(), sessions=sessions) as conn:
        with pytest.raises(ConnectorUnavailable):
            await conn.fetch("tickets", ["P-10001"], None)

    [span] = spans.get_finished_spans()
    assert span.name == "POST"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.ERROR
    assert dict(span.attributes or {}) == {
        "http.request.method": "POST",
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "url.scheme": "http",
        "http.response.status_code": 503,
        "error.type": "503",
    }
    [traceparent] = seen
    assert traceparent is not None
    assert traceparent.split("-")[1:3] == [
        f"{span.context.trace_id:032x}",
        f"{span.context.span_id:016x}",
    ]


async def test_a_refused_connection_ends_its_span_with_the_error_type(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    sessions = SessionFactory(trace_configs=(client_trace_config(tracer_provider),))
    with socket.socket() as closed:  # a port nothing listens on once this closes
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = SupportXmlConnector.Config.model_validate({"base_url": f"http://127.0.0.1:{port}"})

    async with SupportXmlConnector("support", config, NoCredentials(), sessions=sessions) as conn:
        with pytest.raises(ConnectorUnavailable):
            await conn.fetch("tickets", ["P-10001"], None)

    [span] = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "ClientConnectorError"
