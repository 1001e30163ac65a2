"""The Starlette application: routes, JSON error handlers and the lifespan that owns the runtime.

Nothing imports this module except the CLI and tests; it holds no state of its own.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Mapping
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
from gateway.health import health_endpoint
from gateway.http import graphql_endpoint, json_error
from gateway.middleware.private_responses import PrivateResponses
from gateway.runtime import Runtime, open_runtime
from gateway.telemetry import build_tracer_provider
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


def _middleware(settings: Settings) -> list[Middleware]:
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


def create_app(
    settings: Settings,
    *,
    tracer_provider: TracerProvider | None = None,
    environ: Mapping[str, str] | None = None,
    audit: AuditSink | None = None,
) -> Starlette:
    """Build the gateway app; the runtime opens when the server starts (lifespan)."""
    provider = tracer_provider or build_tracer_provider()
    env = dict(os.environ if environ is None else environ)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppState]:
        async with open_runtime(settings, provider, env, audit=audit) as runtime:
            yield {"runtime": runtime}

    return Starlette(
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/health", health_endpoint, methods=["GET"]),
            Route("/auth/login", browser.login, methods=["GET"]),
            Route("/auth/callback", browser.callback, methods=["GET"]),
            Route("/auth/session", browser.session_info, methods=["GET"]),
            Route("/auth/logout", browser.logout, methods=["POST"]),
        ],
        middleware=[Middleware(PrivateResponses), *_middleware(settings)],
        exception_handlers={
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _unexpected_error,
        },
        lifespan=lifespan,
    )
