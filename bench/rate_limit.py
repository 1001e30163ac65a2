"""What the rate limiter costs: requests/s and latency with it off, in memory, in Redis.

    python -m bench.rate_limit [--requests 2000] [--concurrency 20] [--server asgi|uvicorn]
                               [--redis redis://127.0.0.1:6379/10] [--rounds 3]

The query is `{ viewer { profile { firstName } } }` served from the record cache after
the first request, so the gateway's own work (HTTP, auth, GraphQL) is all that is timed
and the limiter's share shows. CPU per request (the whole process: gateway, portals,
client) is steadier than requests/s on a shared machine. Round robin over 50 customers,
limits far above the load (nothing is refused; every response is checked).
Cases, each on a fresh gateway, --rounds times in turn (the best round is printed):

    off              rate_limit=""
    memory           rate_limit="1000000/minute"       (the default backend)
    memory+field     plus rate_limit_per_operation={"viewer": ...} (parses the document)
    redis            rate_limit_backend=redis         (skipped if Redis is not reachable)

Exits 1 if any response is not a 200 without `errors`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis

from bench.harness import open_gateway_client, percentile, post_query
from demo.stack import DemoStack, open_demo_stack

QUERY = "{ viewer { profile { firstName } } }"
CUSTOMERS = 50
HIGH = "1000000/minute"


async def _redis_ready(url: str) -> bool:
    client = redis.Redis.from_url(url)
    try:
        await client.ping()
        await client.flushdb()
        return True
    except (redis.ConnectionError, OSError):
        return False
    finally:
        await client.aclose()


async def _case(
    stack: DemoStack, args: argparse.Namespace, tokens: Sequence[str], **overrides: Any
) -> tuple[float, float, list[float]]:
    """(requests/s, CPU s per request, latencies in s) for one gateway configuration."""
    async with open_gateway_client(
        stack, server=args.server, connections=args.concurrency, **overrides
    ) as client:
        for token in tokens:  # warm the record cache and the JWKS
            await post_query(client, QUERY, token)
        latencies: list[float] = []
        next_index = 0

        async def worker() -> None:
            nonlocal next_index
            while next_index < args.requests:
                token = tokens[next_index % len(tokens)]
                next_index += 1
                started = time.perf_counter()
                status, body, text = await post_query(client, QUERY, token)
                latencies.append(time.perf_counter() - started)
                if status != 200 or body is None or "errors" in body:
                    print(f"unexpected response {status}: {text[:300]}", file=sys.stderr)
                    raise SystemExit(1)

        started, cpu_started = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(args.concurrency)))
        cpu_per_request = (time.process_time() - cpu_started) / args.requests
        return args.requests / (time.perf_counter() - started), cpu_per_request, latencies


async def run(args: argparse.Namespace) -> int:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("off", {"rate_limit": ""}),
        ("memory", {"rate_limit": HIGH}),
        ("memory+field", {"rate_limit": HIGH, "rate_limit_per_operation": {"viewer": HIGH}}),
    ]
    if await _redis_ready(args.redis):
        cases.append(
            ("redis", {"rate_limit": HIGH, "rate_limit_backend": "redis", "redis_url": args.redis})
        )
    else:
        print(f"(no Redis at {args.redis}: the redis case is skipped)")
    load = os.getloadavg()[0]
    print(
        f"bench.rate_limit: {args.requests} requests at concurrency {args.concurrency}, "
        f"server={args.server}, load average {load:.2f}"
    )
    print(f"{'case':<14}{'req/s':>9}{'CPU ms/req':>12}{'p50 ms':>9}{'p95 ms':>9}")
    async with open_demo_stack() as stack:
        tokens = [stack.issuer.issue_token(c.subject) for c in stack.customers[:CUSTOMERS]]
        # Round 1 also warms the process up (the first gateway pays for it); each case
        # reports its best round.
        results: dict[str, list[tuple[float, float, list[float]]]] = {n: [] for n, _ in cases}
        for _ in range(args.rounds):
            for name, overrides in cases:
                results[name].append(await _case(stack, args, tokens, **overrides))
    baseline_cpu = min(cpu for _, cpu, _ in results["off"])
    for name, runs in results.items():
        rate, cpu, unsorted = min(runs, key=lambda run: run[1])
        latencies = sorted(unsorted)
        print(
            f"{name:<14}{rate:>9.0f}{cpu * 1000:>12.3f}"
            f"{percentile(latencies, 50) * 1000:>9.2f}{percentile(latencies, 95) * 1000:>9.2f}"
            f"   (CPU {(cpu - baseline_cpu) * 1e6:+.0f} us/req vs off)"
        )
    if cases[-1][0] == "redis":
        await _redis_ready(args.redis)  # flushes: the bench leaves no counters behind
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--server", choices=("asgi", "uvicorn"), default="asgi")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--rounds", type=int, default=3)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
