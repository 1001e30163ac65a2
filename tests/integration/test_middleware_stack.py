"""The same middleware stack in front of every route, in the order gateway/app.py documents:
request and trace ids and a server span on every response, one body limit, CSRF before
the rate limit, CORS outside every refusal."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import gateway.app
from config.settings import Settings
from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, QUERY, UI, Browser
from tests.integration.conftest import EXAMPLE_REGISTRY, Gateway, open_gateway

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
async def browser(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Browser]:
    async with (
        open_gateway(
            stack, tracer_provider, public_url=PUBLIC, ui_origins=(UI,), rate_limit="2/minute"
        ) as running,
        httpx.AsyncClient(base_url=stack.issuer.url) as issuer,
    ):
        yield Browser(running, issuer)


def _server_span(spans: InMemorySpanExporter, trace_id: str) -> ReadableSpan:
    (span,) = [
        s
        for s in spans.get_finished_spans()
        if s.kind == SpanKind.SERVER and format(s.context.trace_id, "032x") == trace_id
    ]
    return span


async def test_health_and_auth_routes_get_ids_and_a_server_span(
    browser: Browser, spans: InMemorySpanExporter
) -> None:
    client = browser.gateway.client
    responses = {
        "GET /health": await client.get("/health"),
        "GET /auth/login": await client.get("/auth/login", params={"return_to": "/"}),
        "GET /auth/callback": await client.get("/auth/callback", params={"error": "denied"}),
        "GET /auth/session": await client.get("/auth/session"),
        "POST /auth/logout": await client.post("/auth/logout"),
        "GET": await client.get("/no/such/route"),
    }

    assert [r.status_code for r in responses.values()] == [200, 302, 400, 401, 200, 404]
    request_ids = {r.headers["X-Request-Id"] for r in responses.values()}
    assert len(request_ids) == len(responses)
    assert all(re.fullmatch("[0-9a-f]{32}", i) for i in request_ids)
    for name, response in responses.items():
        span = _server_span(spans, response.headers["X-Trace-Id"])
        assert span.name == name
        assert span.attributes is not None
        assert span.attributes["http.response.status_code"] == response.status_code
        if name != "GET":  # a path that is no route has no http.route (and no own name)
            assert span.attributes["http.route"] == name.split(" ")[1]


async def test_a_server_span_continues_the_callers_trace_on_any_route(
    gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    response = await gateway.client.get("/health", headers={"traceparent": TRACEPARENT})

    assert response.headers["X-Trace-Id"] == TRACEPARENT.split("-")[1]
    span = _server_span(spans, response.headers["X-Trace-Id"])
    assert span.parent is not None and format(span.parent.span_id, "016x") == "b7ad6b7169203331"


async def test_a_too_large_body_to_logout_is_413_json(browser: Browser) -> None:
    await browser.sign_in()
    response = await browser.gateway.client.post(
        "/auth/logout",
        content=b"x" * 300_000,
        headers=browser.headers(**{"X-CSRF-Token": browser.csrf, "Origin": UI}),
    )

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    # The refusal passed through every middleware outside the body limit.
    assert response.headers["X-Request-Id"] and response.headers["X-Trace-Id"]
    assert response.headers["access-control-allow-origin"] == UI
    assert response.headers["cache-control"] == "no-store"
    # ... and the session was not ended: the request never reached the route.
    still = await browser.gateway.client.get("/auth/session", headers=browser.headers())
    assert still.status_code == 200


async def test_forged_cookie_requests_are_refused_before_they_spend_the_rate_limit(
    browser: Browser,
) -> None:
    await browser.sign_in()
    client = browser.gateway.client
    forged = [
        await client.post("/graphql", json=QUERY, headers=browser.headers(Origin=UI))
        for _ in range(3)
    ]
    own = [
        await client.post(
            "/graphql", json=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
        )
        for _ in range(3)
    ]

    assert [r.status_code for r in forged] == [403, 403, 403]
    # CSRF sits inside CORS: the UI can read why it was refused.
    assert all(r.headers["access-control-allow-origin"] == UI for r in forged)
    assert [r.status_code for r in own] == [200, 200, 429]


def test_the_stack_is_in_the_documented_order() -> None:
    documented = re.findall(r"^    ([A-Z]\w+) ", gateway.app.__doc__ or "", re.MULTILINE)
    settings = Settings(registry_path=EXAMPLE_REGISTRY, ui_origins=(UI,))
    app = gateway.app.create_app(settings, environ={})

    assert [m.cls.__name__ for m in app.user_middleware] == documented
    assert documented[:3] == ["PrivateResponses", "RequestId", "ServerSpan"]
    assert documented[-3:] == ["Authenticate", "CsrfCheck", "RateLimit"]
