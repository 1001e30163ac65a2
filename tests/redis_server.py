"""The real Redis on 127.0.0.1:6379 for tests, touched only under a prefix of their own.

Each use gets a fresh prefix (`pgtest-<uuid>`) for the gateway's `redis_prefix`; on exit
exactly the keys under that prefix are deleted (SCAN MATCH), never a whole database, so
running the tests against a Redis that holds other data, or beside other test runs,
destroys nothing. Required in CI, skipped with a reason elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis.asyncio as redis

__all__ = ["TEST_REDIS_URL", "PrefixedRedis", "open_prefixed_redis"]

TEST_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True, slots=True)
class PrefixedRedis:
    """A Redis client and the one key prefix a test may write under."""

    url: str
    prefix: str
    client: redis.Redis

    @property
    def settings(self) -> dict[str, Any]:
        """The gateway settings that point it at this Redis and prefix."""
        return {"redis_url": self.url, "redis_prefix": self.prefix}

    async def keys(self, pattern: str = "*") -> list[str]:
        """This test's keys matching `pattern` (after the prefix and its colon)."""
        match = f"{self.prefix}:{pattern}"
        return [key.decode() async for key in self.client.scan_iter(match=match, count=500)]


async def delete_prefixed(client: redis.Redis, prefix: str) -> int:
    """Delete the keys under `prefix` and nothing else; how many there were."""
    deleted = 0
    async for key in client.scan_iter(match=f"{prefix}:*", count=500):
        deleted += await client.delete(key)
    return deleted


@contextlib.asynccontextmanager
async def open_prefixed_redis(url: str = TEST_REDIS_URL) -> AsyncIterator[PrefixedRedis]:
    """A client with a fresh prefix; fails in CI, skips elsewhere when Redis is down."""
    client = redis.Redis.from_url(url)
    try:
        await client.ping()
    except (redis.ConnectionError, OSError) as exc:
        await client.aclose()
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {url} is required in CI: {exc}")
        pytest.skip(f"no Redis at {url} ({exc}); start redis-server to run this test")
    prefix = f"pgtest-{uuid.uuid4().hex}"
    try:
        yield PrefixedRedis(url, prefix, client)
    finally:
        await delete_prefixed(client, prefix)
        await client.aclose()
