"""Fixtures for gateway tests: a real Redis on 127.0.0.1:6379 (database 15, flushed)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.redis_server import connect_or_skip

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """The test Redis, emptied; in CI a Redis that cannot be reached fails the test."""
    client = await connect_or_skip(REDIS_URL)
    try:
        yield REDIS_URL
    finally:
        await client.flushdb()
        await client.aclose()
