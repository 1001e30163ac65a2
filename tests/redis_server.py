"""The real Redis on 127.0.0.1:6379 for tests: required in CI, skipped with a reason elsewhere."""

from __future__ import annotations

import os

import pytest
import redis.asyncio as redis


async def connect_or_skip(url: str) -> redis.Redis:
    """A client for `url` with its database emptied; fails in CI, skips elsewhere."""
    client = redis.Redis.from_url(url)
    try:
        await client.ping()
    except (redis.ConnectionError, OSError) as exc:
        await client.aclose()
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is required in CI: {exc}")
        pytest.skip(f"no Redis at {url} ({exc}); start redis-server to run this test")
    await client.flushdb()
    return client
