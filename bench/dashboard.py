"""The dashboard through the gateway: upstream requests, critical path, latency, throughput.

    python -m bench.dashboard [--requests 400] [--concurrency 20] [--samples 100]
                              [--latency crm=0.05,orders=0.08,billing=0.12,support=0.10]
                              [--server uvicorn|asgi] [--profile]

Phases, in order, all over the same running gateway and demo stack:

    cold        one dashboard for cust-001: first request, empty caches, JWKS fetch
    floor       `{ __typename }` at concurrency 1: HTTP + auth + GraphQL, no upstream
    latency     --samples dashboards at concurrency 1, round robin over 50 customers
    throughput  --requests dashboards at --concurrency, round robin over 50 customers
    profile     (only with --profile) 50 more dashboards under cProfile, CPU by package

Exits 1 if any response was not a 200 without `errors`, after printing the first one.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import platform
import pstats
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from importlib.util import find_spec

import httpx

from bench.harness import (
    DASHBOARD,
    PORTALS,
    GcPauses,
    open_gateway_client,
    parse_latencies,
    percentile,
    portal,
    post_query,
    reset_counts,
    route_counts,
)
from demo.stack import DemoStack, open_demo_stack

DEFAULT_LATENCIES = "crm=0.05,orders=0.08,billing=0.12,support=0.10"
CUSTOMERS = 50
FLOOR_QUERY = "{ __typename }"
FLOOR_SAMPLES = 50
PROFILE_SAMPLES = 50
PROFILE_TOP = 15


@dataclass
class Sample:
    latency_s: float
    counts: Counter[str]


@dataclass
class Errors:
    """Failed responses (non-200, no JSON, or `errors`); the first is kept for the report."""

    count: int = 0
    first: str | None = None

    def check(self, what: str, status: int, body: dict[str, object] | None, text: str) -> None:
        if status == 200 and body is not None and "errors" not in body:
            return
        self.count += 1
        if self.first is None:
            shown = json.dumps(body["errors"]) if body and "errors" in body else text
            self.first = f"{what}: HTTP {status}: {shown[:2000]}"


@dataclass
class Run:
    """Drives the gateway: timed queries, sequential or by concurrent workers."""

    stack: DemoStack
    client: httpx.AsyncClient
    tokens: list[str]
    errors: Errors = field(default_factory=Errors)

    async def query(self, what: str, query: str, token: str) -> float:
        started = time.perf_counter()
        status, body, text = await post_query(self.client, query, token)
        elapsed = time.perf_counter() - started
        self.errors.check(what, status, body, text)
        return elapsed

    async def sequential(self, what: str, query: str, samples: int, offset: int) -> list[Sample]:
        """`samples` queries one after another; each with the upstream requests it caused."""
        results: list[Sample] = []
        for index in range(samples):
            before = route_counts(self.stack)
            token = self.tokens[(offset + index) % len(self.tokens)]
            latency = await self.query(what, query, token)
            results.append(Sample(latency, route_counts(self.stack) - before))
        return results

    async def concurrent(self, requests: int, concurrency: int) -> tuple[float, list[float]]:
        """`requests` dashboards by `concurrency` workers; (wall time, latencies)."""
        latencies: list[float] = []
        next_index = iter(range(requests))

        async def worker() -> None:
            for index in next_index:
                token = self.tokens[index % len(self.tokens)]
                latencies.append(await self.query("throughput", DASHBOARD, token))

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        return time.perf_counter() - started, latencies


def critical_path_s(latencies: dict[str, float], counts: Counter[str]) -> float:
    """The portals' latencies on the longest chain of this dashboard's upstream requests.

    Orders are sequential (the items request needs the order ids from the list request),
    so they cost one latency per request; every other portal is one parallel round.
    """
    longest = 0.0
    for name in PORTALS:
        calls = sum(n for route, n in counts.items() if route.split(" ", 1)[0] == name)
        rounds = calls if name == "orders" else min(calls, 1)
        longest = max(longest, rounds * latencies[name])
    return longest


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def print_percentiles(label: str, values: Sequence[float]) -> None:
    ordered = sorted(values)
    print(
        f"  {label:<34} n={len(ordered):<4} p50 {ms(percentile(ordered, 50))}"
        f"  p95 {ms(percentile(ordered, 95))}  p99 {ms(percentile(ordered, 99))}"
        f"  max {ms(ordered[-1])}  ms"
    )


def print_header(args: argparse.Namespace, latencies: dict[str, float]) -> None:
    # uvicorn's http="auto" takes httptools when it is installed, else h11 (pure Python).
    http_impl = "httptools" if find_spec("httptools") else "h11"
    print(f"bench.dashboard  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"  python {platform.python_version()}, {platform.machine()}, "
        f"{_cpus()} CPUs, uvicorn {version('uvicorn')} ({http_impl}), "
        f"strawberry {version('strawberry-graphql')}, httpx {version('httpx')}"
    )
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    print(f"  load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other processes)")
    print(
        f"  server={args.server}  requests={args.requests}  concurrency={args.concurrency}  "
        f"samples={args.samples}  customers={CUSTOMERS}"
    )
    print("  portal latency: " + ", ".join(f"{n}={latencies[n] * 1000:.0f} ms" for n in PORTALS))
    print(
        "  gateway, portals, issuer and load client share one process and one event loop;"
        " the registry's profile (30 s) and order_items (300 s) caches are on"
    )


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def print_requests(
    cold: Counter[str], sequential: Sequence[Counter[str]], load: Counter[str], requests: int
) -> None:
    print("\n(a) upstream requests per dashboard, by portal route")
    routes_of = {route for c in sequential for route in c}
    columns = {
        "cold": {route: float(n) for route, n in cold.items()},
        "mean c=1": {r: sum(c[r] for c in sequential) / len(sequential) for r in routes_of},
        "mean load": {route: n / requests for route, n in load.items()},
    }
    routes = sorted({route for column in columns.values() for route in column})
    print(f"  {'route':<30}" + "".join(f"{name:>12}" for name in columns))
    for route in routes:
        print(f"  {route:<30}" + "".join(f"{c.get(route, 0.0):>12.2f}" for c in columns.values()))
    print(f"  {'total':<30}" + "".join(f"{sum(c.values()):>12.2f}" for c in columns.values()))
    print(
        "  cold: the first dashboard (cust-001), counted exactly; mean c=1: the latency phase;"
        "\n  mean load: the throughput phase (total requests / dashboards)"
    )


def print_profile(profile: cProfile.Profile) -> None:
    stats = pstats.Stats(profile)
    by_package: defaultdict[str, float] = defaultdict(float)
    rows = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in rows.items():
        by_package[_package(filename)] += tottime
        total += tottime
    print(f"\nprofile: {PROFILE_SAMPLES} dashboards at concurrency 1 under cProfile")
    print(f"  own CPU time by package ({total:.2f} s in all; cProfile inflates it)")
    for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:PROFILE_TOP]:
        print(f"  {package:<28} {seconds:7.3f} s  {seconds / total:6.1%}")
    print(f"  top {PROFILE_TOP} functions by own time")
    ranked = sorted(rows.items(), key=lambda kv: -kv[1][2])[:PROFILE_TOP]
    for (filename, line, name), (_cc, calls, tottime, _ct, _callers) in ranked:
        where = f"{_package(filename)}:{name}:{line}"
        print(f"  {where:<64} {calls:>9} calls  {tottime:7.3f} s")


def _package(filename: str) -> str:
    """A short owner for a profiled file: site-packages top package, project package, or stdlib."""
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    parts = filename.replace("\\", "/").split("/")
    if "site-packages" in parts:
        rest = parts[parts.index("site-packages") + 1 :]
        return rest[0].removesuffix(".py") if rest else "site-packages"
    for project in ("gateway", "schema", "resolvers", "connectors", "sso", "config", "demo"):
        if project in parts:
            return f"portalgate.{project}"
    if "asyncio" in parts:
        return "stdlib.asyncio"
    return "stdlib"


async def run(args: argparse.Namespace) -> int:
    latencies = parse_latencies(DEFAULT_LATENCIES) | parse_latencies(args.latency)
    print_header(args, latencies)
    async with open_demo_stack() as stack:
        for name in PORTALS:
            portal(stack, name).knobs.latency_s = latencies[name]
        tokens = [stack.issuer.issue_token(c.subject) for c in stack.customers[:CUSTOMERS]]
        async with open_gateway_client(
            stack, server=args.server, connections=max(args.concurrency, 1)
        ) as client:
            bench = Run(stack, client, tokens)

            reset_counts(stack)
            cold_latency = await bench.query("cold", DASHBOARD, tokens[0])
            cold = route_counts(stack)

            floor = await bench.sequential("floor", FLOOR_QUERY, FLOOR_SAMPLES, 0)
            # Start after cust-001, so the first pass over the customers is cache-cold.
            cpu_started, wall_started = time.process_time(), time.perf_counter()
            with GcPauses() as sequential_gc:
                sequential = await bench.sequential("latency", DASHBOARD, args.samples, 1)
            sequential_cpu_s = time.process_time() - cpu_started
            sequential_wall_s = time.perf_counter() - wall_started

            reset_counts(stack)
            cpu_started = time.process_time()
            with GcPauses() as loaded_gc:
                wall_s, loaded = await bench.concurrent(args.requests, args.concurrency)
            loaded_cpu_s = time.process_time() - cpu_started
            loaded_counts = route_counts(stack)

            profile: cProfile.Profile | None = None
            if args.profile:
                # CPU time, not wall time: waiting in epoll is not work.
                profile = cProfile.Profile(time.process_time)
                profile.enable()
                await bench.sequential("profile", DASHBOARD, PROFILE_SAMPLES, 0)
                profile.disable()

    print_requests(cold, [s.counts for s in sequential], loaded_counts, args.requests)

    print("\n(b) critical path of the portals' latencies for the dashboard")
    cold_path = critical_path_s(latencies, cold)
    print(
        "  max(crm, 2 x orders, billing, support) = max("
        + ", ".join(f"{'2 x ' if n == 'orders' else ''}{latencies[n] * 1000:.0f}" for n in PORTALS)
        + f") = {cold_path * 1000:.1f} ms   (from the cold query's requests)"
    )
    paths = Counter(round(critical_path_s(latencies, s.counts) * 1000, 1) for s in sequential)
    print(
        "  per request in the latency phase (from its own upstream requests): "
        + ", ".join(f"{p:.1f} ms x{n}" for p, n in sorted(paths.items(), reverse=True))
    )

    print("\n(c) gateway latency at concurrency 1")
    print(f"  cold first dashboard                 {ms(cold_latency)} ms")
    print_percentiles("floor `{ __typename }`", [s.latency_s for s in floor])
    dash = [s.latency_s for s in sequential]
    print_percentiles("dashboard, all", dash)
    groups: defaultdict[float, list[Sample]] = defaultdict(list)
    for sample in sequential:
        groups[critical_path_s(latencies, sample.counts)].append(sample)
    overheads: list[str] = []
    for path, members in sorted(groups.items(), reverse=True):
        values = [s.latency_s for s in members]
        print_percentiles(f"dashboard, critical path {path * 1000:.0f} ms", values)
        over = sorted(v - path for v in values)
        print(
            f"    overhead (latency - its critical path): p50 {ms(percentile(over, 50))}"
            f"  p95 {ms(percentile(over, 95))} ms"
        )
        overheads.append(
            f"{percentile(over, 50) * 1000:.1f} ms on the {path * 1000:.0f} ms path"
            f" ({len(members)} of {len(sequential)})"
        )
    print("  overhead over the critical path (p50 - critical path): " + "; ".join(overheads))
    p50 = percentile(sorted(dash), 50)
    if len(groups) > 1:
        print(
            f"  (p50 of all - {cold_path * 1000:.0f} ms = {(p50 - cold_path) * 1000:.1f} ms mixes"
            " both paths: cached order items or no orders skip the second orders request)"
        )
    print(
        f"  process CPU per dashboard (gateway + portals + client): "
        f"{sequential_cpu_s / args.samples * 1000:.1f} ms"
    )
    gc_line = sequential_gc.summary(sequential_wall_s)
    print(f"  GC pauses over the phase: {gc_line} of its wall time")

    print(f"\n(d) throughput at concurrency {args.concurrency}")
    print(
        f"  {args.requests} dashboards over {CUSTOMERS} customers in {wall_s:.2f} s"
        f" = {args.requests / wall_s:.1f} requests/s"
    )
    print_percentiles("latency under load", loaded)
    print(
        f"  process CPU: {loaded_cpu_s / args.requests * 1000:.1f} ms per dashboard,"
        f" {loaded_cpu_s / wall_s:.0%} of one core over the phase"
    )
    print(f"  GC pauses over the phase: {loaded_gc.summary(wall_s)} of its wall time")
    print(f"  errors: {bench.errors.count} (all phases)")

    if profile is not None:
        print_profile(profile)

    if bench.errors.count:
        print(f"\nFAILED: first error: {bench.errors.first}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--requests", type=int, default=400, help="dashboards in the load phase")
    parser.add_argument("--concurrency", type=int, default=20, help="workers in the load phase")
    parser.add_argument(
        "--samples", type=int, default=100, help="dashboards at concurrency 1 (percentiles)"
    )
    parser.add_argument(
        "--latency",
        default=DEFAULT_LATENCIES,
        help="seconds per portal, e.g. crm=0.05,orders=0.08 (unnamed portals keep the default)",
    )
    parser.add_argument("--server", choices=["uvicorn", "asgi"], default="uvicorn")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile breakdown")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.samples < 1:
        parser.error("--requests, --concurrency and --samples must be at least 1")
    try:
        parse_latencies(args.latency)
    except ValueError as exc:
        parser.error(f"--latency: {exc}")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
