"""One structured access line per HTTP request, written when its response has started.

    {"logger": "portalgate.access", "message": "POST /graphql 200", "method": "POST",
     "route": "/graphql", "status": 200, "duration_ms": 41.2, "request_id": "…",
     "trace_id": "…", "operation": "Dashboard", "response_cache": "miss",
     "principal_kind": "customer",
     "connectors": [{"connector": "crm", "capability": "profile", "outcome": "ok",
                     "duration_ms": 12.5}, …]}

It sits right inside the server span (so the trace id is the request's) and outside
every refusal, so a 401, 413 or 429 gets its line too. It replaces uvicorn's access log,
which writes the raw path with its query string (an OIDC callback's code and state).
The route is the route's path for known routes and "other" for anything else; the query
string is never read. The connector list comes from the request's own `ConnectorCalls`,
put in the scope state here and handed to the request's loaders by the GraphQL endpoint.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Collection
from typing import Any

from opentelemetry import trace
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.data.connector_calls import ConnectorCalls
from gateway.metrics import principal_kind
from gateway.middleware.authentication import authentication_or_none

__all__ = [
    "ACCESS_LOGGER",
    "AccessLine",
    "connector_calls_of",
    "note_operation",
    "note_response_cache",
]

ACCESS_LOGGER = "portalgate.access"
_CALLS = "connector_calls"
_OPERATION = "graphql_operation"
_RESPONSE_CACHE = "response_cache"
_UNKNOWN_ROUTE = "other"
# Clients choose operation names: only a GraphQL name of modest length is written as is.
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


class AccessLine:
    """Writes the `portalgate.access` line of every HTTP request (INFO)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Collection[str],
        graphql_path: str,
        employee_role: str,
        service_role: str,
    ) -> None:
        self.app = app
        self._routes = frozenset(routes)
        self._graphql_path = graphql_path
        self._roles = {"employee_role": employee_role, "service_role": service_role}
        self._logger = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._logger.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        calls = ConnectorCalls()
        state = scope.setdefault("state", {})
        state[_CALLS] = calls
        status = 500  # what ServerErrorMiddleware answers if the app raises before starting

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_status)
        finally:
            duration_s = time.perf_counter() - started
            self._write(scope, status, duration_s, calls)

    def _write(self, scope: Scope, status: int, duration_s: float, calls: ConnectorCalls) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        route = path if path in self._routes else _UNKNOWN_ROUTE  # never an id or a query
        state = scope.get("state", {})
        authentication = authentication_or_none(Request(scope))
        principal = authentication.principal if authentication is not None else None
        context = trace.get_current_span().get_span_context()
        fields: dict[str, Any] = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(duration_s * 1000, 1),
            "request_id": state.get("request_id"),
            "trace_id": format(context.trace_id, "032x") if context.is_valid else None,
        }
        if path == self._graphql_path:  # null when the request was refused before parsing
            fields["operation"] = (
                _operation_label(state[_OPERATION]) if _OPERATION in state else None
            )
            if _RESPONSE_CACHE in state:
                fields["response_cache"] = state[_RESPONSE_CACHE]
        fields["principal_kind"] = principal_kind(principal, **self._roles)
        fields["connectors"] = [call.as_dict() for call in calls.calls]
        if calls.dropped:
            fields["connectors_dropped"] = calls.dropped
        self._logger.info("%s %s %d", method, route, status, extra=fields)


def _operation_label(name: object) -> str:
    if name is None:
        return "anonymous"
    if isinstance(name, str) and _OPERATION_NAME.fullmatch(name):
        return name
    return _UNKNOWN_ROUTE


def connector_calls_of(request: Request) -> ConnectorCalls | None:
    """The request's connector-call list, when the access line is being written."""
    calls = request.scope.get("state", {}).get(_CALLS)
    return calls if isinstance(calls, ConnectorCalls) else None


def note_operation(request: Request, name: str | None) -> None:
    """Remember the GraphQL operation name the client sent, for the access line."""
    request.scope.setdefault("state", {})[_OPERATION] = name


def note_response_cache(request: Request, outcome: str) -> None:
    """Remember what the response cache did for this request (hit, miss, ...)."""
    request.scope.setdefault("state", {})[_RESPONSE_CACHE] = outcome
