"""A load client in a process of its own, so the gateway's process serves and does nothing else.

    python -m bench.load_client URL CONCURRENCY SECONDS < tokens-and-query.json

Reads {"query": ..., "tokens": [...]} from stdin, then for SECONDS keeps CONCURRENCY
workers POSTing the query over keep-alive connections (aiohttp), round robin over the
tokens. Prints one JSON line: {"requests", "seconds", "errors", "first_error", "statuses"}.
A response counts as an error unless it is a 200 whose JSON has `data` and no `errors`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections import Counter
from typing import Any

import aiohttp


async def drive(
    url: str, query: str, tokens: list[str], concurrency: int, seconds: float
) -> dict[str, Any]:
    payload = json.dumps({"query": query}).encode()
    headers = [{"Authorization": f"Bearer {t}", "Content-Type": "application/json"} for t in tokens]
    turn = itertools.count()
    statuses: Counter[int] = Counter()
    errors = 0
    first_error: str | None = None
    done = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        stop_at = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors, first_error, done
            while time.perf_counter() < stop_at:
                index = next(turn)
                async with session.post(
                    url, data=payload, headers=headers[index % len(headers)]
                ) as r:
                    body = await r.read()
                statuses[r.status] += 1
                done += 1
                if r.status != 200 or b'"errors"' in body or not body.startswith(b'{"data"'):
                    errors += 1
                    first_error = first_error or f"HTTP {r.status}: {body[:500]!r}"

        started = time.perf_counter()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        elapsed = time.perf_counter() - started
    return {
        "requests": done,
        "seconds": elapsed,
        "errors": errors,
        "first_error": first_error,
        "statuses": dict(statuses),
    }


def main() -> None:
    url, concurrency, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    job = json.load(sys.stdin)
    result = asyncio.run(drive(url, job["query"], job["tokens"], concurrency, seconds))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
