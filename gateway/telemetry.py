"""Tracing set-up for production; tests inject their own provider instead.

Nothing here touches OpenTelemetry's global provider: the provider is passed down.
"""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

__all__ = ["build_tracer_provider"]


def build_tracer_provider(*, console: bool = False) -> TracerProvider:
    """An SDK provider named `portalgate`; with `console`, spans are printed (demo, debugging).

    Exporters for a collector (OTLP) are added by deployment through the standard
    OTEL_* environment variables once an exporter package is installed.
    """
    provider = TracerProvider(resource=Resource.create({"service.name": "portalgate"}))
    if console:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return provider
