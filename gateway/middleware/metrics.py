"""Request metrics for every route: in flight, count by route and status, 429s, overhead.

It sits outside every refusal (right inside the server span), so a 413, a 401 or a rate
limit's 429 is counted like any answer. Each request gets an `UpstreamWait` in its state;
the GraphQL endpoint hands it to the request's loaders, and what is left of the request's
time is the gateway's own overhead.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.metrics import UpstreamWait
from gateway.middleware.runtime_view import MiddlewareRuntime

__all__ = ["RequestMetrics", "upstream_wait_of"]

_STATE_KEY = "upstream_wait"
_UNKNOWN_ROUTE = "other"


class RequestMetrics:
    """Times each HTTP request and records it in the runtime's metrics."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[str], graphql_path: str) -> None:
        self.app = app
        self._routes = frozenset(routes)
        self._graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime: MiddlewareRuntime = scope["state"]["runtime"]
        metrics = runtime.metrics
        if not metrics.enabled:
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        route = path if path in self._routes else _UNKNOWN_ROUTE  # never an id in a label
        wait = UpstreamWait() if path == self._graphql_path else None
        if wait is not None:
            scope["state"][_STATE_KEY] = wait
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        metrics.request_started()
        try:
            await self.app(scope, receive, send_status)
        finally:
            waited = None if wait is None else wait.total_s
            metrics.request_finished(route, status, time.perf_counter() - started, waited)


def upstream_wait_of(request: Request) -> UpstreamWait | None:
    """The request's data-plane wait clock, when metrics are on."""
    wait = request.scope.get("state", {}).get(_STATE_KEY)
    return wait if isinstance(wait, UpstreamWait) else None
