"""The access line: one record per HTTP request with its route, status, ids and calls."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.principal import Principal
from gateway.logs import PortalgateJsonFormatter
from gateway.middleware.access_line import (
    ACCESS_LOGGER,
    AccessLine,
    connector_calls_of,
    note_operation,
)
from gateway.middleware.authenticator import Authentication
from gateway.middleware.request_id import RequestId
from gateway.middleware.tracing import ServerSpan


async def graphql(request: Request) -> Response:
    """Stands in for the GraphQL endpoint: names the operation, makes two calls."""
    note_operation(request, request.query_params.get("operationName"))
    calls = connector_calls_of(request)
    assert calls is not None
    calls.add("crm", "profile", "ok", 0.0125)
    calls.add("billing", "invoices", "UPSTREAM_UNAVAILABLE", 0.2)
    return JSONResponse({"data": {}})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def broken(request: Request) -> Response:
    raise RuntimeError("a bug")


class AsCustomer:
    """What Authenticate leaves in the state for a signed-in customer."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/graphql":
            principal = Principal(subject="cust-001", issuer="https://issuer.test")
            scope["state"]["authentication"] = Authentication(principal, None)
        await self.app(scope, receive, send)


def _app() -> Starlette:
    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/health", health),
        Route("/broken", broken),
    ]
    paths = [route.path for route in routes]
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(RequestId),
            Middleware(ServerSpan, TracerProvider(), routes=paths),
            Middleware(
                AccessLine,
                routes=paths,
                graphql_path="/graphql",
                employee_role="customer_service",
                service_role="service_client",
            ),
            Middleware(AsCustomer),
        ],
    )


async def _get(path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        return await client.get(path)


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = PortalgateJsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == ACCESS_LOGGER
    ]


async def test_a_graphql_request_gets_one_line_with_ids_operation_principal_and_calls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    response = await _get("/graphql?operationName=Dashboard&query=%7Bviewer%7D")

    [line] = _lines(caplog)
    assert line["message"] == "GET /graphql 200"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["route"] == "/graphql"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert line["trace_id"] == response.headers["X-Trace-Id"]
    assert line["operation"] == "Dashboard"
    assert line["principal_kind"] == "customer"
    assert line["connectors"] == [
        {"connector": "crm", "capability": "profile", "outcome": "ok", "duration_ms": 12.5},
        {
            "connector": "billing",
            "capability": "invoices",
            "outcome": "UPSTREAM_UNAVAILABLE",
            "duration_ms": 200.0,
        },
    ]
    assert "query" not in json.dumps(line)


@pytest.mark.parametrize(
    ("operation", "logged"),
    [
        ("", "anonymous"),
        ("x" * 65, "other"),
        ("Robert'); DROP", "other"),
        ("Orders_2", "Orders_2"),
    ],
)
async def test_operation_names_are_bounded(
    caplog: pytest.LogCaptureFixture, operation: str, logged: str
) -> None:
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    suffix = f"?operationName={operation}" if operation else ""
    await _get(f"/graphql{suffix}")

    assert [line["operation"] for line in _lines(caplog)] == [logged]


async def test_an_unknown_path_is_other_without_its_ids_or_query(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    response = await _get("/orders/700417?code=c0de")

    [line] = _lines(caplog)
    assert response.status_code == 404
    assert (line["route"], line["status"], line["message"]) == ("other", 404, "GET other 404")
    assert "700417" not in json.dumps(line) and "c0de" not in json.dumps(line)
    assert "operation" not in line  # GraphQL only
    assert line["principal_kind"] == "anonymous"
    assert line["connectors"] == []


async def test_a_request_that_raises_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, ACCESS_LOGGER)
    response = await _get("/broken")

    assert response.status_code == 500
    assert [(line["route"], line["status"]) for line in _lines(caplog)] == [("/broken", 500)]


async def test_nothing_is_collected_when_the_access_logger_is_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, ACCESS_LOGGER)
    response = await _get("/health")

    assert response.status_code == 200
    assert _lines(caplog) == []
