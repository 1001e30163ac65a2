"""What both benches share: the gateway in front of the demo stack, a client, the counters.

    async with open_demo_stack() as stack:
        async with open_gateway_client(stack, server="uvicorn") as client:
            response = await client.post("/graphql", json=..., headers=bearer(token))

`server="uvicorn"` serves the real app on 127.0.0.1 (a free port) in this process and
drives it over real HTTP; `server="asgi"` drives it in-process through httpx's
ASGITransport, running the lifespan the way a server would (as tests/integration does).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

import httpx
import uvicorn
from opentelemetry.sdk.trace import TracerProvider
from starlette.types import Receive, Scope, Send

from config.kinds import load_kinds
from config.registry import Registry, load_registry
from config.settings import Settings
from demo.portals.base import DemoPortal
from demo.stack import DemoStack
from gateway.app import create_app
from gateway.cli import GatewayServer
from gateway.slow_clients import ConnectionGuard, GuardedConfig
from gateway.telemetry import build_tracer_provider

__all__ = [
    "DASHBOARD",
    "PORTALS",
    "REGISTRY_PATH",
    "GcPauses",
    "ServerMode",
    "bearer",
    "load_example_registry",
    "open_gateway_client",
    "parse_latencies",
    "percentile",
    "portal",
    "post_query",
    "reset_counts",
    "route_counts",
]

REGISTRY_PATH = Path("config/registry.example.yaml")
PORTALS = ("crm", "orders", "billing", "support")
ServerMode = Literal["uvicorn", "asgi"]

# The dashboard of tests/integration/test_dashboard.py: every portal, orders then items.
DASHBOARD = """
query Dashboard {
  viewer {
    profile { id displayName firstName lastName primaryEmail addresses { city country } }
    orders(first: 10) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id number status placedAt total { amount currency } timeline { status at }
              items { sku title quantity unitPrice { amount currency } } }
    }
    invoices { id number status dueOn amount { amount currency } }
    tickets { id number subject status awaitingYourReply }
    cases { id number kind title steps { position name state } currentStep { name }
            requirements { kind dueOn } }
    actionItems { kind title dueOn overdue source sourceId }
  }
}
"""

_START_TIMEOUT_S = 10.0
# Generous: a bench must report a slow gateway, not die of a client timeout.
_CLIENT_TIMEOUT_S = 60.0


def portal(stack: DemoStack, name: str) -> DemoPortal:
    """The demo portal called `name` (one of PORTALS)."""
    portals: dict[str, DemoPortal] = {
        "crm": stack.crm,
        "orders": stack.orders,
        "billing": stack.billing,
        "support": stack.support,
    }
    return portals[name]


def route_counts(stack: DemoStack) -> Counter[str]:
    """Requests counted by every portal, keyed `portal route` (health probes left out)."""
    counts: Counter[str] = Counter()
    for name in PORTALS:
        for route, count in portal(stack, name).requests.items():
            if route != "health":
                counts[f"{name} {route}"] += count
    return counts


def reset_counts(stack: DemoStack) -> None:
    for name in PORTALS:
        portal(stack, name).reset_counts()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": "application/graphql-response+json"}


def parse_latencies(text: str) -> dict[str, float]:
    """`crm=0.05,orders=0.08` as seconds per portal; raises ValueError naming the bad part."""
    latencies: dict[str, float] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or name not in PORTALS:
            raise ValueError(f"{part!r}: expected <portal>=<seconds>, portal one of {PORTALS}")
        seconds = float(value)
        if seconds < 0:
            raise ValueError(f"{part!r}: latency must not be negative")
        latencies[name] = seconds
    return latencies


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (p in 0..100)."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def load_example_registry(stack: DemoStack, path: Path = REGISTRY_PATH) -> Registry:
    """The registry the gateway will load, for its timeouts and retries."""
    return load_registry(path, stack.env, load_kinds())


@contextlib.asynccontextmanager
async def open_gateway_client(
    stack: DemoStack,
    *,
    server: ServerMode,
    registry_path: Path = REGISTRY_PATH,
    connections: int = 100,
    unguarded: bool = False,
    tracer_provider: TracerProvider | None = None,
    **overrides: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for a started gateway in front of `stack`; closes both on exit.

    `overrides` are further Settings fields (e.g. `rate_limit=""`); `unguarded` serves
    with uvicorn's plain Config, without gateway/slow_clients.py (for before/after);
    `tracer_provider` replaces the one built from the process's OTEL_* variables."""
    settings = Settings(
        registry_path=registry_path,
        issuer=stack.issuer.url,
        client_id=stack.env["PORTALGATE_CLIENT_ID"],
        client_secret=stack.env["PORTALGATE_CLIENT_SECRET"],
        **overrides,
    )
    # The production provider, from OTEL_TRACES_EXPORTER etc. (unset: tracing off).
    provider = tracer_provider or build_tracer_provider(os.environ)
    app = create_app(settings, tracer_provider=provider, environ=stack.env)
    if server == "asgi":
        async with app.router.lifespan_context(app) as state:

            async def with_state(scope: Scope, receive: Receive, send: Send) -> None:
                scope["state"] = dict(state or {})
                await app(scope, receive, send)

            transport = httpx.ASGITransport(app=with_state)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://gateway", timeout=_CLIENT_TIMEOUT_S
            ) as client:
                yield client
        return

    options: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "log_level": "warning"}
    if unguarded:
        config = uvicorn.Config(app, lifespan="on", **options)
    else:
        guard = ConnectionGuard.from_settings(settings)
        config = GuardedConfig(app, guard=guard, lifespan="on", **options)
    # The CLI's config and server class, so the bench measures what `portalgate serve` runs.
    uvicorn_server = GatewayServer(config, banner=None)
    serving = asyncio.create_task(uvicorn_server.serve())
    try:
        async with asyncio.timeout(_START_TIMEOUT_S):
            while not uvicorn_server.started:
                if serving.done():
                    serving.result()  # re-raises a start-up exception, if any
                    raise RuntimeError("the gateway stopped before it started (see the log)")
                await asyncio.sleep(0.01)
        port = uvicorn_server.servers[0].sockets[0].getsockname()[1]
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=_CLIENT_TIMEOUT_S, limits=limits
        ) as client:
            yield client
    finally:
        uvicorn_server.should_exit = True
        await serving


async def post_query(
    client: httpx.AsyncClient, query: str, token: str
) -> tuple[int, dict[str, Any] | None, str]:
    """POST one query: (status, JSON body or None, raw text for reporting)."""
    response = await client.post("/graphql", json={"query": query}, headers=bearer(token))
    try:
        body = response.json()
    except ValueError:
        return response.status_code, None, response.text
    return response.status_code, body if isinstance(body, dict) else None, response.text


class GcPauses:
    """The cyclic garbage collector's pauses while the block runs (via `gc.callbacks`).

    Every collection stops the event loop, so its pauses land in request latencies.
    """

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], time.perf_counter() - self._started))

    def __enter__(self) -> Self:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self, wall_s: float) -> str:
        """`gen0 n=.. .. ms, ..., total .. ms = ..% of wall_s`, one line."""
        parts = []
        for generation in range(3):
            times = [t for g, t in self.pauses if g == generation]
            if times:
                parts.append(
                    f"gen{generation} n={len(times)} {sum(times) * 1000:.0f} ms"
                    f" (max {max(times) * 1000:.1f})"
                )
        total = sum(t for _, t in self.pauses)
        return f"{', '.join(parts) or 'none'}; total {total * 1000:.0f} ms = {total / wall_s:.0%}"
