"""The Starlette application: routes, middleware, JSON error handlers and the lifespan
that owns the runtime.

Every route gets the same middleware stack, outermost first (Starlette's own
ServerErrorMiddleware is outside it, its ExceptionMiddleware inside):

    PrivateResponses   no-store and Vary on /graphql and /auth/* (all of them, refusals too)
    RequestId          X-Request-Id
    ServerSpan         one SERVER span per request, X-Trace-Id
    AccessLine         one JSON access line per request (portalgate.access), inside the span
    RequestMetrics     in flight, requests by route and status, 429s, gateway overhead
    CORSMiddleware     only for settings.ui_origins; outside every refusal, so the UI can
                       read a 403, 413 or 429; preflights end here
    BodyLimit          413 over max_body_bytes
    Authenticate       bearer or session cookie ─▶ request.state.authentication
    CsrfCheck          403 for a cookie-authenticated request without our CSRF token/Origin
    RateLimit          429 per principal on /graphql, per address on /auth/login

Nothing imports this module except the CLI and tests; it holds no state of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TypedDict

from opentelemetry.trace import TracerProvider
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from config.settings import Settings
from connectors.errors import ErrorCode
from gateway import browser
from gateway.backchannel import backchannel_logout
from gateway.health import health_endpoint, liveness_endpoint, readiness_endpoint
from gateway.http import graphql_endpoint
from gateway.metrics_endpoint import metrics_endpoint
from gateway.middleware.access_line import AccessLine
from gateway.middleware.authentication import Authenticate
from gateway.middleware.body_limit import BodyLimit
from gateway.middleware.csrf import CsrfCheck
from gateway.middleware.media import json_error
from gateway.middleware.metrics import RequestMetrics
from gateway.middleware.private_responses import PrivateResponses
from gateway.middleware.rate_limit import RateLimit
from gateway.middleware.request_id import RequestId
from gateway.middleware.tracing import ServerSpan
from gateway.runtime import Runtime, open_runtime
from gateway.status_page import status_endpoint, status_json_endpoint
from gateway.telemetry import build_tracer_provider
from schema.viewer_extensions import ViewerExtension
from sso.audit import AuditSink

__all__ = ["AppState", "create_app"]

logger = logging.getLogger(__name__)


class AppState(TypedDict):
    runtime: Runtime


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.BAD_USER_INPUT
    headers = dict(exc.headers) if exc.headers else None
    return json_error(exc.status_code, str(exc.detail), code, headers=headers)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """The client left (or was cut off for being slow) before its request arrived whole;
    not our error, and nobody is there to read an answer."""
    return Response(status_code=400)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error on %s", request.url.path, exc_info=exc)
    return json_error(500, "Unexpected error.", ErrorCode.INTERNAL_SERVER_ERROR)


def _cors(settings: Settings) -> list[Middleware]:
    """CORS only for the UI origins named in the settings, with credentials."""
    if not settings.ui_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.ui_origins),
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "traceparent"],
            expose_headers=["X-Request-Id", "X-Trace-Id"],
            max_age=600,
        )
    ]


def _middleware_stack(
    settings: Settings, tracer_provider: TracerProvider, routes: list[Route]
) -> list[Middleware]:
    """The stack in the module docstring's order, outermost first (Starlette's order)."""
    return [
        Middleware(PrivateResponses),
        Middleware(RequestId),
        Middleware(
            ServerSpan,
            tracer_provider,
            routes=[route.path for route in routes],
            span_names={"/graphql": "graphql.request"},
        ),
        Middleware(
            AccessLine,
            routes=[route.path for route in routes],
            graphql_path="/graphql",
            employee_role=settings.employee_role,
            service_role=settings.service_client_role,
        ),
        Middleware(
            RequestMetrics, routes=[route.path for route in routes], graphql_path="/graphql"
        ),
        *_cors(settings),
        Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        Middleware(Authenticate, anonymous=("/health", "/readyz", "/auth/", "/metrics", "/status")),
        Middleware(CsrfCheck),
        Middleware(RateLimit, graphql_path="/graphql", login_path="/auth/login"),
    ]


def create_app(
    settings: Settings,
    *,
    tracer_provider: TracerProvider | None = None,
    environ: Mapping[str, str] | None = None,
    audit: AuditSink | None = None,
    extensions: Sequence[ViewerExtension] | None = None,
) -> Starlette:
    """Build the gateway app; the runtime opens when the server starts (lifespan).

    `extensions` are the installed viewer extensions (None: the entry points').
    """
    env = dict(os.environ if environ is None else environ)
    provider = tracer_provider or build_tracer_provider(env)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppState]:
        async with open_runtime(
            settings, provider, env, audit=audit, extensions=extensions
        ) as runtime:
            yield {"runtime": runtime}

    routes = [
        Route("/graphql", graphql_endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        Route("/health", health_endpoint, methods=["GET"]),
        Route("/healthz", liveness_endpoint, methods=["GET"]),
        Route("/readyz", readiness_endpoint, methods=["GET"]),
        Route("/auth/login", browser.login, methods=["GET"]),
        Route("/auth/callback", browser.callback, methods=["GET"]),
        Route("/auth/session", browser.session_info, methods=["GET"]),
        Route("/auth/logout", browser.logout, methods=["POST"]),
        Route("/auth/backchannel-logout", backchannel_logout, methods=["POST"]),
    ]
    if settings.metrics_enabled:
        routes.append(Route("/metrics", metrics_endpoint, methods=["GET"]))
    if settings.status_page_enabled:
        routes.append(Route("/status", status_endpoint, methods=["GET"]))
        routes.append(Route("/status.json", status_json_endpoint, methods=["GET"]))
    return Starlette(
        routes=routes,
        middleware=_middleware_stack(settings, provider, routes),
        exception_handlers={
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _unexpected_error,
        },
        lifespan=lifespan,
    )
