"""What tracing and metrics cost: dashboards/s and CPU per dashboard with each on and off.

    python -m bench.observability [--rounds 5] [--requests 300] [--concurrency 10]
                                  [--latency crm=0,...] [--server uvicorn|asgi]

Modes, each on a fresh gateway in front of the same demo stack:

    off       metrics_enabled=false, no exporter (spans are non-recording)
    metrics   metrics_enabled=true (recorded; nobody scrapes during the bench)
    tracing   OTLP/HTTP export to bench/otlp_sink.py, a receiver in another process
    both      metrics and tracing

Every round runs every mode once, in an order rotated each round, so that the machine's
drift (other processes on its shared cores) spreads over all modes. Per mode and round:
one dashboard per customer to warm caches, connections and the JWKS, then `--requests`
dashboards at `--concurrency`. The timed window ends once the batch span processor has
exported every span of it (`force_flush`), so export work is not left outside the window.
CPU is the whole process (gateway, portals, client, the exporter's thread). Printed: the
median and range of requests/s and CPU ms per dashboard over the rounds, each mode's
cost against `off` from the medians, and paired with `off` round by round (the median
and range of those costs: steadier, since a round's modes run minutes apart at most).
The sink's span count is checked: a tracing mode that exported nothing is an error.

Exits 1 if any response is not a 200 without `errors`, or if no span arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from bench.harness import (
    DASHBOARD,
    PORTALS,
    open_gateway_client,
    parse_latencies,
    portal,
    post_query,
)
from demo.stack import DemoStack, open_demo_stack
from gateway.telemetry import build_tracer_provider

MODES: dict[str, tuple[bool, bool]] = {  # name: (metrics, tracing)
    "off": (False, False),
    "metrics": (True, False),
    "tracing": (False, True),
    "both": (True, True),
}
CUSTOMERS = 50
_SINK_START_S = 10.0


@dataclass
class Figures:
    rates: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    spans_per_request: list[float] = field(default_factory=list)


@contextlib.asynccontextmanager
async def open_sink() -> AsyncIterator[str]:
    """bench/otlp_sink.py in a process of its own; yields its URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.otlp_sink", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(_SINK_START_S):
            url = (await process.stdout.readline()).decode().strip()
        if not url.startswith("http://"):
            raise RuntimeError("bench.otlp_sink did not start")
        yield url
    finally:
        process.terminate()
        await process.wait()


async def spans_received(url: str) -> int:
    async with httpx.AsyncClient() as client:
        return int((await client.get(f"{url}/count")).text)


def export_environment(sink_url: str) -> dict[str, str]:
    """OTLP/HTTP to the sink; the SDK's batch processor defaults otherwise."""
    return {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_ENDPOINT": sink_url,
    }


@dataclass
class Bench:
    stack: DemoStack
    args: argparse.Namespace
    tokens: list[str]
    sink_url: str
    errors: int = 0
    first_error: str | None = None

    def check(self, status: int, body: dict[str, object] | None, text: str) -> None:
        if status == 200 and body is not None and "errors" not in body:
            return
        self.errors += 1
        if self.first_error is None:
            self.first_error = f"HTTP {status}: {text[:2000]}"

    async def dashboards(self, client: httpx.AsyncClient, requests: int) -> None:
        next_index = iter(range(requests))

        async def worker() -> None:
            for index in next_index:
                token = self.tokens[index % len(self.tokens)]
                try:
                    self.check(*await post_query(client, DASHBOARD, token))
                except httpx.HTTPError as exc:  # counted and reported, not fatal
                    self.check(0, None, f"{type(exc).__name__}: {exc}")

        async with asyncio.TaskGroup() as group:
            for _ in range(self.args.concurrency):
                group.create_task(worker())

    async def mode(self, name: str) -> tuple[float, float, float]:
        """(requests/s, CPU ms per request, spans exported per request) for one mode."""
        metrics, tracing = MODES[name]
        # The exporter reads its endpoint from os.environ (set in `run`); off is no exporter.
        provider = build_tracer_provider(os.environ if tracing else {})
        try:
            async with open_gateway_client(
                self.stack,
                server=self.args.server,
                connections=self.args.concurrency,
                tracer_provider=provider,
                metrics_enabled=metrics,
            ) as client:
                await self.dashboards(client, len(self.tokens))  # warm-up, not timed
                provider.force_flush()
                spans_before = await spans_received(self.sink_url)
                cpu_started, wall_started = time.process_time(), time.perf_counter()
                await self.dashboards(client, self.args.requests)
                provider.force_flush()
                wall_s = time.perf_counter() - wall_started
                cpu_s = time.process_time() - cpu_started
                spans = await spans_received(self.sink_url) - spans_before
        finally:
            provider.shutdown()
        requests = self.args.requests
        return requests / wall_s, cpu_s / requests * 1000, spans / requests


def _range(values: Sequence[float]) -> str:
    return f"{min(values):6.1f}-{max(values):<6.1f}"


def report(figures: dict[str, Figures]) -> None:
    base_rate = statistics.median(figures["off"].rates)
    base_cpu = statistics.median(figures["off"].cpu_ms)
    print(
        "\n  mode       req/s median  range          CPU ms/req median  range"
        "          cost: req/s   CPU/req   spans/req"
    )
    for name, mode in figures.items():
        rate = statistics.median(mode.rates)
        cpu = statistics.median(mode.cpu_ms)
        print(
            f"  {name:<9} {rate:12.1f}  {_range(mode.rates)}  {cpu:17.2f}  {_range(mode.cpu_ms)}"
            f"  {(base_rate - rate) / base_rate:+11.1%}  {(cpu - base_cpu) / base_cpu:+8.1%}"
            f"  {statistics.median(mode.spans_per_request):10.1f}"
        )
    print(
        "  cost: req/s is the drop from off's median (positive = slower);"
        " CPU/req the rise of CPU per dashboard"
    )
    off = figures["off"]
    print("  paired with off in the same round (median, range over rounds):")
    for name, mode in figures.items():
        if name == "off":
            continue
        rate_costs = [(b - r) / b for r, b in zip(mode.rates, off.rates, strict=True)]
        cpu_costs = [(c - b) / b for c, b in zip(mode.cpu_ms, off.cpu_ms, strict=True)]
        print(
            f"  {name:<9} req/s {statistics.median(rate_costs):+.1%}"
            f" ({min(rate_costs):+.0%}..{max(rate_costs):+.0%})"
            f"   CPU/req {statistics.median(cpu_costs):+.1%}"
            f" ({min(cpu_costs):+.0%}..{max(cpu_costs):+.0%})"
        )
    for name, mode in figures.items():
        print(f"  {name:<9} per round req/s: " + ", ".join(f"{r:.1f}" for r in mode.rates))


async def run(args: argparse.Namespace) -> int:
    latencies = {name: 0.0 for name in PORTALS} | parse_latencies(args.latency)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"bench.observability  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"  server={args.server}  rounds={args.rounds}  requests={args.requests}"
        f"  concurrency={args.concurrency}  {os.cpu_count()} CPUs  load average {load}"
    )
    print("  portal latency: " + ", ".join(f"{n}={latencies[n] * 1000:.0f} ms" for n in PORTALS))
    figures = {name: Figures() for name in MODES}
    names = list(MODES)
    async with open_sink() as sink_url, open_demo_stack() as stack:
        os.environ.update(export_environment(sink_url))
        for name in PORTALS:
            portal(stack, name).knobs.latency_s = latencies[name]
        tokens = [stack.issuer.issue_token(c.subject) for c in stack.customers[:CUSTOMERS]]
        bench = Bench(stack, args, tokens, sink_url)
        for round_index in range(args.rounds):
            order = names[round_index % len(names) :] + names[: round_index % len(names)]
            for name in order:
                errors_before = bench.errors
                rate, cpu_ms, spans = await bench.mode(name)
                figures[name].rates.append(rate)
                figures[name].cpu_ms.append(cpu_ms)
                figures[name].spans_per_request.append(spans)
                print(
                    f"  round {round_index + 1} {name:<8} {rate:6.1f} req/s"
                    f" {cpu_ms:6.2f} ms CPU/req {spans:5.1f} spans/req"
                    f" {bench.errors - errors_before} errors",
                    flush=True,
                )
    report(figures)
    if bench.errors:
        print(f"\nFAILED: {bench.errors} errors; first: {bench.first_error}", file=sys.stderr)
        return 1
    if not all(s > 0 for n in ("tracing", "both") for s in figures[n].spans_per_request):
        print("\nFAILED: a tracing mode exported no span", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.observability", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=5, help="times each mode runs")
    parser.add_argument("--requests", type=int, default=300, help="timed dashboards per run")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--latency", default="", help="seconds per portal (default 0 for all)")
    parser.add_argument("--server", choices=["uvicorn", "asgi"], default="uvicorn")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.requests < 1 or args.concurrency < 1:
        parser.error("--rounds, --requests and --concurrency must be at least 1")
    try:
        parse_latencies(args.latency)
    except ValueError as exc:
        parser.error(f"--latency: {exc}")
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
