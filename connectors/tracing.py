"""Client-side tracing hooks for connector sessions, as an aiohttp `TraceConfig`.

    on_request_start      start a CLIENT span named for the method; inject `traceparent`
                          into the request's headers, so the portal can continue the trace
    on_request_end        http.response.status_code (an error status from 400 up)
    on_request_exception  error.type = the exception's class; the span ends either way

Attributes follow the OpenTelemetry HTTP client conventions, minus the URL: paths and
queries carry customer ids (`/shop/customers/{customerNo}/orders`), which stay out of
spans; `server.address` and `server.port` say which portal. The parent is whatever span
is current, the gateway's `source.load` or `source.write`. Hand-written (a few lines) rather than
opentelemetry-instrumentation-aiohttp-client, which is not a dependency and records
`url.full`.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider

__all__ = ["client_trace_config"]


def client_trace_config(tracer_provider: TracerProvider) -> aiohttp.TraceConfig:
    """Hooks that trace every request of a session built with them (`SessionFactory`)."""
    tracer = tracer_provider.get_tracer(__name__)
    config = aiohttp.TraceConfig()

    async def started(
        session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        attributes: dict[str, str | int] = {
            "http.request.method": params.method,
            "server.address": params.url.host or "",
            "url.scheme": params.url.scheme,
        }
        if params.url.port is not None:
            attributes["server.port"] = params.url.port
        span = tracer.start_span(params.method, kind=SpanKind.CLIENT, attributes=attributes)
        ctx.span = span
        propagate.inject(params.headers, context=trace.set_span_in_context(span))

    async def ended(
        session: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        span: trace.Span = ctx.span
        status = params.response.status
        span.set_attribute("http.response.status_code", status)
        if status >= 400:
            span.set_status(Status(StatusCode.ERROR))
            span.set_attribute("error.type", str(status))
        span.end()

    async def failed(
        session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        span: trace.Span = ctx.span
        # The class only: an exception's text may carry the URL and so a customer id.
        span.set_attribute("error.type", type(params.exception).__name__)
        span.set_status(Status(StatusCode.ERROR))
        span.end()

    config.on_request_start.append(started)
    config.on_request_end.append(ended)
    config.on_request_exception.append(failed)
    return config
