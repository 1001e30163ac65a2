"""Slow clients: how long a stalled request holds a connection, and what 400 of them cost
everybody else.

    python -m bench.slow_clients [--stalled 400] [--timeout 10] [--box 60] [--samples 50]

For the gateway served as `portalgate serve` serves it (gateway/slow_clients.py, here with
request_read_timeout_s=--timeout) and, for comparison, on uvicorn's plain Config (no
guard, as before), in this process on 127.0.0.1:

    cut off     seconds until the server closes a connection that sent half its headers,
                and one that sent headers and half its body (time-boxed at --box s)
    latency     a `{ viewer { profile { firstName } } }` request (record cache warm) at
                concurrency 1: --samples with nothing stalled, then --samples with
                --stalled connections holding half a request each

Exits 1 if any GraphQL response is not a 200 without `errors`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections.abc import Sequence

import httpx

from bench.harness import open_gateway_client, percentile, post_query
from demo.stack import DemoStack, open_demo_stack

QUERY = "{ viewer { profile { firstName } } }"
HALF_HEADERS = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: applic"
HALF_BODY = (
    b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
    b'Content-Length: 200\r\n\r\n{"query": "{ vie'
)


async def _stall(port: int, sent: bytes) -> tuple[asyncio.StreamWriter, asyncio.Task[bytes]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(sent)
    await writer.drain()
    return writer, asyncio.create_task(reader.read())


async def _close(writer: asyncio.StreamWriter, reading: asyncio.Task[bytes]) -> None:
    reading.cancel()
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def _cut_off_s(port: int, sent: bytes, box_s: float) -> float | None:
    writer, reading = await _stall(port, sent)
    started = time.perf_counter()
    done, _ = await asyncio.wait([reading], timeout=box_s)
    elapsed = time.perf_counter() - started
    await _close(writer, reading)
    return elapsed if done else None


async def _latencies(client: httpx.AsyncClient, token: str, samples: int) -> list[float]:
    latencies = []
    for _ in range(samples):
        started = time.perf_counter()
        status, body, text = await post_query(client, QUERY, token)
        latencies.append(time.perf_counter() - started)
        if status != 200 or body is None or "errors" in body:
            print(f"unexpected response {status}: {text[:300]}", file=sys.stderr)
            raise SystemExit(1)
    return sorted(latencies)


def _ms(latencies: Sequence[float]) -> str:
    return (
        f"p50 {percentile(latencies, 50) * 1000:.1f} ms, "
        f"p95 {percentile(latencies, 95) * 1000:.1f} ms"
    )


async def _measure(stack: DemoStack, args: argparse.Namespace, *, unguarded: bool) -> None:
    token = stack.issuer.issue_token("cust-001")
    async with open_gateway_client(
        stack,
        server="uvicorn",
        unguarded=unguarded,
        request_read_timeout_s=args.timeout,
        max_connections_per_address=args.stalled + 100,
    ) as client:
        port = client.base_url.port
        assert port is not None
        await _latencies(client, token, args.samples)  # warm-up: JWKS, record cache, imports
        label = "uvicorn plain Config (before)" if unguarded else "guarded (portalgate serve)"
        print(f"\n{label}")
        for what, sent in (("half the headers", HALF_HEADERS), ("half the body", HALF_BODY)):
            cut = await _cut_off_s(port, sent, args.box)
            shown = f"{cut:.2f} s" if cut is not None else f"still open after {args.box:.0f} s"
            print(f"  cut off, {what + ':':<18} {shown}")
        print(f"  latency, nothing stalled:   {_ms(await _latencies(client, token, args.samples))}")
        stalled = [
            await _stall(port, HALF_HEADERS if i % 2 else HALF_BODY) for i in range(args.stalled)
        ]
        try:
            loaded = await _latencies(client, token, args.samples)
            still_open = sum(not reading.done() for _, reading in stalled)
            print(f"  latency, {still_open} stalled open: {_ms(loaded)}")
        finally:
            for writer, reading in stalled:
                await _close(writer, reading)


async def run(args: argparse.Namespace) -> int:
    print(
        f"bench.slow_clients: request_read_timeout_s={args.timeout}, {args.stalled} stalled, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    async with open_demo_stack() as stack:
        await _measure(stack, args, unguarded=False)
        await _measure(stack, args, unguarded=True)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stalled", type=int, default=400)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--box", type=float, default=60.0)
    parser.add_argument("--samples", type=int, default=50)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
