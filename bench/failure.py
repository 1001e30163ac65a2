"""One failing portal at a time: how long the dashboard takes, what is null, which codes.

    python -m bench.failure [--server uvicorn|asgi] [--repeats 3] [--latency crm=0,...]

For each portal and each failure (`hang`, `fail_status=500`, `refuse_connections()`), a
fresh gateway (empty caches, closed breakers) serves a warm-up dashboard (cust-001: JWKS
fetch, first connections), then --repeats times: a timed healthy dashboard, the portal
fails, a timed failing dashboard, the portal recovers. Every timed dashboard is for a
customer new to that gateway, so its caches are cold.

Expected: a hang costs the connector's timeout from the registry (a timeout is not
retried); a 500 and a refused connection are retried once and fail fast.

Exits 1 if a response is not a 200 with exactly the failed portal's fields null and
errors naming only that connector with the expected code. The only clock check is a
guard against a gateway that never answers; times are printed, never judged.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from statistics import median
from typing import Any

import httpx

from bench.harness import (
    DASHBOARD,
    PORTALS,
    ServerMode,
    load_example_registry,
    open_gateway_client,
    parse_latencies,
    portal,
    post_query,
)
from demo.portals.base import DemoPortal
from demo.stack import DemoStack, open_demo_stack

# The dashboard's fields by the portal that owns them (config/registry.example.yaml).
FIELDS = {
    "crm": ("profile",),
    "orders": ("orders",),
    "billing": ("invoices",),
    "support": ("tickets", "cases"),
}
VIEWER_FIELDS = ("profile", "orders", "invoices", "tickets", "cases", "actionItems")
# Not a timing check: it stops a gateway that never answers from hanging the bench.
NO_HANG_GUARD_S = 30.0
# Two new customers per repeat, after the warm-up one, out of the demo's 60.
MAX_REPEATS = 29


@dataclass(frozen=True)
class Failure:
    knob: str
    code: str
    bounded_by_timeout: bool
    apply: Callable[[DemoPortal], Awaitable[None]]
    restore: Callable[[DemoPortal], Awaitable[None]]


async def _hang(p: DemoPortal) -> None:
    p.knobs.hang = True


async def _unhang(p: DemoPortal) -> None:
    p.knobs.hang = False


async def _fail(p: DemoPortal) -> None:
    p.knobs.fail_status = 500


async def _unfail(p: DemoPortal) -> None:
    p.knobs.fail_status = None


async def _refuse(p: DemoPortal) -> None:
    await p.refuse_connections()


async def _accept(p: DemoPortal) -> None:
    await p.accept_connections()


FAILURES = (
    Failure("hang", "UPSTREAM_TIMEOUT", True, _hang, _unhang),
    Failure("fail_status=500", "UPSTREAM_UNAVAILABLE", False, _fail, _unfail),
    Failure("refuse_connections()", "UPSTREAM_UNAVAILABLE", False, _refuse, _accept),
)


@dataclass
class Outcome:
    """One portal and one failure, over `repeats` failing dashboards."""

    portal: str
    failure: Failure
    timeout_s: float
    healthy_s: list[float] = field(default_factory=list)
    elapsed_s: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    calls: int = 0
    nulls: dict[str, None] = field(default_factory=dict)  # an ordered set
    codes: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def margin_s(self) -> float:
        bound = self.timeout_s if self.failure.bounded_by_timeout else median(self.healthy_s)
        return median(self.elapsed_s) - bound

    def record(self, status: int, body: dict[str, Any], elapsed_s: float, calls: int) -> None:
        self.elapsed_s.append(elapsed_s)
        self.statuses.add(status)
        self.calls += calls
        viewer = (body.get("data") or {}).get("viewer") or {}
        self.nulls.update(dict.fromkeys(_nulls(viewer)))
        for error in body.get("errors") or []:
            extensions = error.get("extensions") or {}
            self.codes.add(f"{extensions.get('code')}@{extensions.get('connector')}")
        self.problems.extend(_problems(self.portal, self.failure, status, body))


def _nulls(viewer: dict[str, Any]) -> list[str]:
    nulls = [name for name in VIEWER_FIELDS if viewer.get(name) is None]
    items = viewer.get("actionItems")
    if isinstance(items, list) and None in items:
        nulls.append("actionItems[some]")
    return nulls


def _problems(name: str, failure: Failure, status: int, body: dict[str, Any]) -> list[str]:
    if status != 200:
        return [f"HTTP {status}: {body}"[:2000]]
    viewer = (body.get("data") or {}).get("viewer")
    if not isinstance(viewer, dict):
        return [f"no data.viewer: {body}"[:2000]]
    problems: list[str] = []
    for owner, fields in FIELDS.items():
        for field_name in fields:
            if (viewer.get(field_name) is None) != (owner == name):
                state = "null" if viewer.get(field_name) is None else "not null"
                problems.append(f"{field_name} is {state}")
    errors = body.get("errors") or []
    if not errors:
        problems.append("no errors[]")
    for error in errors:
        extensions = error.get("extensions") or {}
        if extensions.get("connector") != name or extensions.get("code") != failure.code:
            problems.append(f"unexpected error {extensions}")
    return problems


async def _healthy(client: httpx.AsyncClient, token: str) -> float:
    started = time.perf_counter()
    status, body, text = await post_query(client, DASHBOARD, token)
    elapsed = time.perf_counter() - started
    if status != 200 or body is None or "errors" in body:
        raise RuntimeError(f"the healthy dashboard failed: HTTP {status}: {text[:2000]}")
    return elapsed


async def measure(
    stack: DemoStack,
    server: ServerMode,
    name: str,
    failure: Failure,
    tokens: Sequence[str],
    repeats: int,
) -> Outcome:
    """`repeats` x (a healthy dashboard, then a failing one), each for a new customer.

    The healthy dashboard before each failing one also closes the breaker again (a
    success resets its count), so no repeat meets an open circuit.
    """
    outcome = Outcome(name, failure, load_example_registry(stack).connectors[name].timeout_s)
    failing = portal(stack, name)
    async with open_gateway_client(stack, server=server) as client:
        # Warm-up: the JWKS fetch and the first connections are not what we measure.
        await _healthy(client, tokens[0])
        for repeat in range(repeats):
            # Both customers are new to this gateway: their caches are cold.
            outcome.healthy_s.append(await _healthy(client, tokens[2 + 2 * repeat]))
            await failure.apply(failing)
            try:
                before = failing.requests_total
                started = time.perf_counter()
                async with asyncio.timeout(NO_HANG_GUARD_S):
                    status, body, text = await post_query(client, DASHBOARD, tokens[1 + 2 * repeat])
                elapsed_s = time.perf_counter() - started
                calls = failing.requests_total - before
            finally:
                await failure.restore(failing)
            outcome.record(status, body if body is not None else {"text": text}, elapsed_s, calls)
    return outcome


def print_table(outcomes: Sequence[Outcome], repeats: int) -> None:
    header = (
        f"  {'portal':<8} {'knob':<21} {'HTTP':>4} {'time ms':>8} {'min-max ms':>13}"
        f" {'healthy':>8} {'timeout':>8} {'margin':>8} {'calls':>5}  {'null fields':<34}"
        " error codes"
    )
    print(header)
    print("  " + "-" * (len(header) + 6))
    for o in outcomes:
        low, high = min(o.elapsed_s) * 1000, max(o.elapsed_s) * 1000
        print(
            f"  {o.portal:<8} {o.failure.knob:<21} {','.join(map(str, sorted(o.statuses))):>4}"
            f" {median(o.elapsed_s) * 1000:>8.1f} {f'{low:.0f}-{high:.0f}':>13}"
            f" {median(o.healthy_s) * 1000:>8.1f} {o.timeout_s:>7.1f}s"
            f" {o.margin_s * 1000:>+8.1f} {o.calls / repeats:>5g}"
            f"  {', '.join(o.nulls) or '-':<34} {', '.join(sorted(o.codes)) or '-'}"
        )
    for line in (
        f"time: median of {repeats} failing dashboards (client-measured), each for a new customer",
        "healthy: median of the same gateway's dashboards just before each (cold caches too)",
        "margin: time - timeout for hang; time - healthy for the fast failures",
        "calls: requests the failing portal received per dashboard (retries included)",
        "actionItems[some]: some action items are null (those from the failed portal)",
    ):
        print(f"  {line}")


async def run(server: ServerMode, latencies: dict[str, float], repeats: int) -> int:
    print(f"bench.failure  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    print(
        f"  server={server}  repeats={repeats}  {os.cpu_count()} CPUs"
        f"  load average at start {load[0]:.2f} (other processes)"
    )
    print("  portal latency: " + ", ".join(f"{n}={latencies[n] * 1000:.0f} ms" for n in PORTALS))
    outcomes: list[Outcome] = []
    async with open_demo_stack() as stack:
        registry = load_example_registry(stack)
        print(
            "  registry: "
            + ", ".join(
                f"{n} timeout {s.timeout_s:.1f}s retries {s.retries}"
                for n, s in registry.connectors.items()
            )
        )
        print()
        for name in PORTALS:
            portal(stack, name).knobs.latency_s = latencies[name]
        tokens = [stack.issuer.issue_token(c.subject) for c in stack.customers[: 2 + 2 * repeats]]
        for name in PORTALS:
            for failure in FAILURES:
                outcomes.append(await measure(stack, server, name, failure, tokens, repeats))
    print_table(outcomes, repeats)
    failed = [o for o in outcomes if o.problems]
    for o in failed:
        print(f"FAILED: {o.portal} {o.failure.knob}: {'; '.join(o.problems)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.failure", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--server", choices=["uvicorn", "asgi"], default="uvicorn")
    parser.add_argument(
        "--latency", default="", help="seconds per portal, e.g. crm=0.05 (default 0 for all)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="failing dashboards per portal and failure"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.repeats <= MAX_REPEATS:
        parser.error(f"--repeats must be between 1 and {MAX_REPEATS}")
    try:
        latencies = {name: 0.0 for name in PORTALS} | parse_latencies(args.latency)
    except ValueError as exc:
        parser.error(f"--latency: {exc}")
    # Connector errors are what this bench provokes; the table reports them, the log
    # would only repeat them.
    logging.getLogger("gateway").setLevel(logging.ERROR)
    server: ServerMode = args.server
    return asyncio.run(run(server, latencies, args.repeats))


if __name__ == "__main__":
    raise SystemExit(main())
