"""Fixtures for flows over real local servers: the demo portals, the dev issuer, the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import ASGIApp, Receive, Scope, Send

from config.settings import Settings
from demo.stack import DemoStack, open_demo_stack
from gateway.app import create_app
from gateway.cli import GatewayServer, server_config
from gateway.runtime import Runtime
from schema.viewer_extensions import ViewerExtension
from sso.audit import AuditSink

EXAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml"


@pytest.fixture
async def stack() -> AsyncIterator[DemoStack]:
    async with open_demo_stack() as running:
        yield running


class Gateway:
    """A gateway app driven in-process through httpx, with its lifespan running."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        stack: DemoStack,
        state: Mapping[str, Any],
        app: ASGIApp | None = None,
    ):
        self.client = client
        self.stack = stack
        self.runtime = state["runtime"]
        self._app = app
        self._tokens: dict[str, str] = {}

    def client_from(self, host: str) -> httpx.AsyncClient:
        """Another client of the same gateway, connecting from `host` (close it after use)."""
        assert self._app is not None
        transport = httpx.ASGITransport(app=self._app, client=(host, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://gateway")

    def token(self, subject: str = "cust-001", **claims: Any) -> str:
        return self.stack.issuer.issue_token(subject, **claims)

    def auth(self, subject: str = "cust-001", **claims: Any) -> dict[str, str]:
        """The header of a client that keeps its token: one token per subject and claims
        for the gateway's life. (Minting one per request would make any cache keyed by the
        user's token miss whenever two requests straddle a second, as real clients do not.)"""
        key = json.dumps([subject, claims], sort_keys=True, default=str)
        if key not in self._tokens:
            self._tokens[key] = self.token(subject, **claims)
        return {"Authorization": f"Bearer {self._tokens[key]}"}

    async def query(
        self,
        query: str,
        subject: str = "cust-001",
        variables: dict[str, Any] | None = None,
        **claims: Any,
    ) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={**self.auth(subject, **claims), "Accept": "application/graphql-response+json"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def reset_counts(self) -> None:
        for portal in (self.stack.crm, self.stack.orders, self.stack.billing, self.stack.support):
            portal.reset_counts()

    def counts(self) -> dict[str, int]:
        """Portal requests that customers' calls caused: the readiness watch's background
        `GET /health` probes are left out (count them with `portal.requests["health"]`)."""
        merged: dict[str, int] = {}
        for portal in (self.stack.crm, self.stack.orders, self.stack.billing, self.stack.support):
            merged.update(portal.requests)
        merged.pop("health", None)
        return merged


@contextlib.asynccontextmanager
async def open_gateway(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    *,
    registry_path: Path = EXAMPLE_REGISTRY,
    audit: AuditSink | None = None,
    extensions: Sequence[ViewerExtension] | None = None,
    **settings: Any,
) -> AsyncIterator[Gateway]:
    defaults: dict[str, Any] = {
        "issuer": stack.issuer.url,
        "client_id": stack.env["PORTALGATE_CLIENT_ID"],
        "client_secret": stack.env["PORTALGATE_CLIENT_SECRET"],
    }
    config = Settings(registry_path=registry_path, **(defaults | settings))
    app = create_app(
        config,
        tracer_provider=tracer_provider,
        environ=stack.env,
        audit=audit,
        extensions=extensions,
    )
    # httpx's ASGITransport does not run the lifespan; do what the server does instead.
    async with app.router.lifespan_context(app) as state:

        async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
            scope["state"] = dict(state or {})
            await app(scope, receive, send)

        transport = httpx.ASGITransport(app=with_state)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield Gateway(client, stack, state or {}, with_state)


@pytest.fixture
async def gateway(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Gateway]:
    async with open_gateway(stack, tracer_provider) as running:
        yield running


@pytest.fixture
def registry_variant(tmp_path: Path) -> Callable[[Callable[[dict[str, Any]], None]], Path]:
    """Write a copy of the example registry changed by `edit` and return its path."""

    def make(edit: Callable[[dict[str, Any]], None]) -> Path:
        data = yaml.safe_load(EXAMPLE_REGISTRY.read_text())
        edit(data)
        path = tmp_path / "registry.yaml"
        path.write_text(yaml.safe_dump(data))
        return path

    return make


class InProcessServer(GatewayServer):
    """The gateway's own uvicorn server (as `portalgate serve` runs it) on a given socket;
    `ready` is set once it listens."""

    def __init__(self, config: uvicorn.Config, url: str) -> None:
        super().__init__(config, banner=None)
        self.url = url
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()

    @property
    def runtime(self) -> Runtime:
        """The running app's runtime (its lifespan state), for looking behind the API."""
        runtime: Runtime = self.lifespan.state["runtime"]
        return runtime


@contextlib.asynccontextmanager
async def serve_in_process(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    *,
    port: int = 0,
    registry_path: Path = EXAMPLE_REGISTRY,
    **settings: Any,
) -> AsyncIterator[InProcessServer]:
    """The gateway in this process on a real loopback socket (`port`, or a free one),
    served like `portalgate serve` (logging is left to the test: `configure_logging`, or caplog);
    `public_url` is the server's own URL; `settings` may name another issuer and client."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    defaults: dict[str, Any] = {
        "issuer": stack.issuer.url,
        "client_id": stack.env["PORTALGATE_CLIENT_ID"],
        "client_secret": stack.env["PORTALGATE_CLIENT_SECRET"],
    }
    config = Settings(registry_path=registry_path, public_url=base, **(defaults | settings))
    app = create_app(config, tracer_provider=tracer_provider, environ=stack.env)
    server = InProcessServer(server_config(app, config, lifespan="on"), base)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(15):
            await server.ready.wait()
        yield server
    finally:
        server.should_exit = True
        await serving
        sock.close()
