"""The warm dashboard with and without the response cache: requests/s and upstream calls.

    python -m bench.response_cache [--concurrency 16] [--seconds 10] [--repeats 3]

One gateway process (uvicorn, as `portalgate serve` runs it) in front of the demo
portals, with a registry that gives every capability the dashboard reads a cache policy
(`ttl_s: 300`; the example registry caches only profile and order_items, so there no
dashboard is ever storable). The load comes from `bench.load_client` in a process of its
own, so the gateway's process does nothing but serve. For each mode (response cache on,
then off: the record cache stays on and warm in both):

    warm-up   one dashboard per customer (50), then the portals' counters are reset
    measure   --seconds of --concurrency clients, round robin over the 50 customers,
              --repeats times; requests/s and the portals' request counts of each run

and last the floor: `{ __typename }` the same way (HTTP, middleware, bearer token
validation and a trivial execution; an upper bound for what any cache hit can reach).

Exits 1 if any response was not a 200 with `data` and without `errors`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from bench.harness import (
    DASHBOARD,
    REGISTRY_PATH,
    open_gateway_client,
    post_query,
    reset_counts,
    route_counts,
)
from connectors.capabilities import CAPABILITIES
from demo.stack import open_demo_stack

CUSTOMERS = 50
# HTTP, the middleware (bearer auth included) and a trivial execution: no hit can be faster.
FLOOR_QUERY = "{ __typename }"
CACHE_TTL_S = 300
# The per-principal limit stays on (its check is part of every request), far above the load.
RATE_LIMIT = "1000000/minute"


def cached_registry(directory: Path) -> Path:
    """The example registry with a cache policy for every read a connector owns."""
    registry = yaml.safe_load(REGISTRY_PATH.read_text())
    cache = registry.setdefault("cache", {})
    for spec in registry["connectors"].values():
        for capability in spec["owns"]:
            if CAPABILITIES[capability].kind != "write":
                cache.setdefault(capability, {"ttl_s": CACHE_TTL_S})
    path = directory / "registry.yaml"
    path.write_text(yaml.safe_dump(registry))
    return path


async def run_load(
    url: str, query: str, tokens: list[str], concurrency: int, seconds: float
) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.load_client",
        url,
        str(concurrency),
        str(seconds),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    job = json.dumps({"query": query, "tokens": tokens}).encode()
    out, _ = await process.communicate(job)
    if process.returncode != 0:
        raise RuntimeError(f"bench.load_client failed ({process.returncode})")
    result: dict[str, Any] = json.loads(out)
    return result


async def measure_mode(
    args: argparse.Namespace, registry: Path, enabled: bool, query: str = DASHBOARD
) -> tuple[list[float], list[int], int]:
    """(requests/s per run, upstream requests per run, errors) for one mode."""
    label = "floor    " if query == FLOOR_QUERY else "cache on " if enabled else "cache off"
    async with open_demo_stack() as stack:
        tokens = [stack.issuer.issue_token(c.subject) for c in stack.customers[:CUSTOMERS]]
        async with open_gateway_client(
            stack,
            server="uvicorn",
            registry_path=registry,
            rate_limit=RATE_LIMIT,
            response_cache_enabled=enabled,
        ) as client:
            errors = 0
            for token in tokens:  # warm every customer's records (and response)
                status, body, text = await post_query(client, query, token)
                if status != 200 or body is None or "errors" in body:
                    errors += 1
                    print(f"  warm-up failed: HTTP {status}: {text[:500]}")
            rates: list[float] = []
            upstream: list[int] = []
            for _ in range(args.repeats):
                reset_counts(stack)
                url = str(client.base_url).rstrip("/") + "/graphql"
                result = await run_load(url, query, tokens, args.concurrency, args.seconds)
                calls = sum(route_counts(stack).values())
                rate = result["requests"] / result["seconds"]
                rates.append(rate)
                upstream.append(calls)
                errors += result["errors"]
                print(
                    f"  {label}  {rate:8.0f} req/s"
                    f"  {result['requests']:6d} requests  {calls:6d} upstream requests"
                    f"  errors {result['errors']}"
                )
                if result["first_error"]:
                    print(f"    first error: {result['first_error']}")
    return rates, upstream, errors


def spread(rates: list[float]) -> str:
    return (
        f"median {statistics.median(rates):.0f} req/s"
        f" (min {min(rates):.0f}, max {max(rates):.0f}, n={len(rates)})"
    )


async def main(args: argparse.Namespace) -> int:
    load = os.getloadavg()
    print(
        f"bench.response_cache  concurrency={args.concurrency}  seconds={args.seconds}"
        f"  repeats={args.repeats}  customers={CUSTOMERS}"
    )
    print(f"  load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (other processes)")
    with tempfile.TemporaryDirectory() as directory:
        registry = cached_registry(Path(directory))
        on = await measure_mode(args, registry, enabled=True)
        off = await measure_mode(args, registry, enabled=False)
        floor = await measure_mode(args, registry, enabled=True, query=FLOOR_QUERY)
    print("\nwarm dashboard, one gateway process, load client in another process")
    print(f"  response cache on:  {spread(on[0])}, upstream requests per run {on[1]}")
    print(f"  response cache off: {spread(off[0])}, upstream requests per run {off[1]}")
    print(f"  floor {FLOOR_QUERY}: {spread(floor[0])}")
    errors = on[2] + off[2] + floor[2]
    print(f"  errors: {errors}")
    return 1 if errors else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
