"""Fixtures shared by every test package: real spans from an injected tracer provider, and
a real Redis under a key prefix of the test's own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.redis_server import PrefixedRedis, open_prefixed_redis


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(spans: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    return provider


@pytest.fixture
async def prefixed_redis() -> AsyncIterator[PrefixedRedis]:
    """The real Redis, with a key prefix of this test's own (see tests/redis_server.py)."""
    async with open_prefixed_redis() as redis:
        yield redis
