"""One server span per HTTP request, on every route, and its trace id as `X-Trace-Id`.

The span continues an incoming `traceparent` (W3C, via OpenTelemetry's propagators) and
is the current span while the app runs, so the spans of the GraphQL operation and of
connector calls are its children. It is named as OpenTelemetry's HTTP semantic
conventions say (`GET /health`, `POST /auth/logout`; the method alone for a path that
is no route, which keeps names few), except `/graphql`'s, which keeps the name
`graphql.request` that dashboards and tests already use.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from opentelemetry import propagate
from opentelemetry.trace import Span, SpanKind, StatusCode, TracerProvider
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TRACE_ID_HEADER", "ServerSpan"]

TRACE_ID_HEADER = "X-Trace-Id"


class ServerSpan:
    """Wraps each HTTP request in a SERVER span (attributes `http.request.method`,
    `http.route` for known routes, `http.response.status_code`)."""

    def __init__(
        self,
        app: ASGIApp,
        tracer_provider: TracerProvider,
        *,
        routes: Collection[str],
        span_names: Mapping[str, str] | None = None,
    ) -> None:
        self.app = app
        self._tracer = tracer_provider.get_tracer(__name__)
        self._routes = frozenset(routes)
        self._span_names = dict(span_names or {})

    def _name(self, method: str, route: str | None) -> str:
        if route is None:
            return method
        return self._span_names.get(route) or f"{method} {route}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        route = scope["path"] if scope["path"] in self._routes else None
        parent = propagate.extract(Headers(scope=scope))
        with self._tracer.start_as_current_span(
            self._name(method, route), context=parent, kind=SpanKind.SERVER
        ) as span:
            span.set_attribute("http.request.method", method)
            if route is not None:
                span.set_attribute("http.route", route)
            trace_id = format(span.get_span_context().trace_id, "032x")

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    MutableHeaders(scope=message)[TRACE_ID_HEADER] = trace_id
                    _record_status(span, message["status"])
                await send(message)

            await self.app(scope, receive, send_traced)


def _record_status(span: Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500:  # a 4xx is the client's error, not the server span's (semconv)
        span.set_status(StatusCode.ERROR)
