"""Fixtures for schema tests: the real gateway and demo portals, serving a schema a test built."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import strawberry
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import Receive, Scope, Send

from config.settings import Settings
from demo.stack import DemoStack
from gateway.app import create_app
from tests.integration.conftest import EXAMPLE_REGISTRY, Gateway, stack

__all__ = ["ServeSchema", "serve_schema", "stack"]

ServeSchema = Callable[[strawberry.Schema], contextlib.AbstractAsyncContextManager[Gateway]]


@pytest.fixture
def serve_schema(stack: DemoStack, tracer_provider: TracerProvider) -> ServeSchema:
    """Run the gateway over the example registry, answering with `schema` instead of its own.

    Everything else (authentication, loaders, sources, connectors, portals) is the real
    thing, so a declaration made in a test module is exercised end to end over HTTP.
    """

    @contextlib.asynccontextmanager
    async def serve(schema: strawberry.Schema) -> AsyncIterator[Gateway]:
        config = Settings(
            registry_path=EXAMPLE_REGISTRY,
            issuer=stack.issuer.url,
            client_id=stack.env["PORTALGATE_CLIENT_ID"],
            client_secret=stack.env["PORTALGATE_CLIENT_SECRET"],
        )
        app = create_app(config, tracer_provider=tracer_provider, environ=stack.env)
        async with app.router.lifespan_context(app) as state:
            served: dict[str, Any] = dict(state or {})
            served["runtime"] = dataclasses.replace(served["runtime"], schema=schema)

            async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
                scope["state"] = dict(served)
                await app(scope, receive, send)

            transport = httpx.ASGITransport(app=with_state)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield Gateway(client, stack, served, with_state)

    return serve
