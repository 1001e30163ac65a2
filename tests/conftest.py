"""Fixtures shared by every test package: real spans from an injected tracer provider, a
real Redis under a key prefix of the test's own, and logging put back after a test that
configures it as the CLI does."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

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


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The root and uvicorn loggers as they were before the test (pytest's handlers
    included), for tests that run `configure_logging` in this process."""
    names = ["", "uvicorn", "uvicorn.error", "uvicorn.asgi", "uvicorn.access"]
    saved = [
        (logger, logger.handlers[:], logger.level, logger.propagate)
        for logger in map(logging.getLogger, names)
    ]
    try:
        yield
    finally:
        for logger, handlers, level, propagate in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
