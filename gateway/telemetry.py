"""Tracing set-up from the standard OTEL_* environment variables; tests inject their own.

    OTEL_TRACES_EXPORTER unset or `none`  ─▶ spans are never sampled: nothing is recorded
                                             or exported, ids still propagate
    console, otlp, otlp_proto_http, otlp_proto_grpc (comma-separated)
                                          ─▶ one BatchSpanProcessor per exporter
        otlp ─▶ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL:
                `grpc` (the SDK's default) or `http/protobuf`
    any other name, or one whose package is not installed ─▶ ConfigError naming the variable

Only the choice of exporter is read here: the SDK reads the rest itself from the process
environment (endpoint, headers, timeout, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
OTEL_TRACES_SAMPLER/_ARG, OTEL_BSP_*). Nothing here touches OpenTelemetry's global provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import entry_points

from opentelemetry.environment_variables import OTEL_TRACES_EXPORTER
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
)
from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

from config.errors import ConfigError

__all__ = ["build_tracer_provider", "span_exporters"]

# The entry-point group the SDK and the exporter packages register trace exporters in.
_EXPORTER_GROUP = "opentelemetry_traces_exporter"
_OTLP_BY_PROTOCOL = {"grpc": "otlp_proto_grpc", "http/protobuf": "otlp_proto_http"}
_ENVIRONMENT = "environment"


def build_tracer_provider(environ: Mapping[str, str]) -> TracerProvider:
    """An SDK provider for `portalgate serve` and the demo; raises ConfigError for an
    exporter that is asked for but not available.

    With no exporter the provider samples nothing (ALWAYS_OFF): spans are non-recording, so
    tracing costs next to nothing, yet trace ids still reach `X-Trace-Id` and the portals.
    """
    exporters = span_exporters(environ)
    resource = Resource.create({SERVICE_NAME: "portalgate"}).merge(OTELResourceDetector().detect())
    if not exporters:
        return TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    provider = TracerProvider(resource=resource)  # the sampler from OTEL_TRACES_SAMPLER
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def span_exporters(environ: Mapping[str, str]) -> list[SpanExporter]:
    """The exporters OTEL_TRACES_EXPORTER names, built (they read their own settings).

    The SDK's own parser of this variable lives in its private auto-configuration, which
    also sets the global provider, so the few lines of its rule are repeated here.
    """
    names = [part.strip() for part in environ.get(OTEL_TRACES_EXPORTER, "").split(",")]
    names = [name for name in names if name and name.lower() != "none"]
    return [_load_exporter(_entry_point_name(name, environ)) for name in names]


def _entry_point_name(name: str, environ: Mapping[str, str]) -> str:
    if name != "otlp":
        return name
    variable = OTEL_EXPORTER_OTLP_TRACES_PROTOCOL
    if not environ.get(variable):
        variable = OTEL_EXPORTER_OTLP_PROTOCOL
    protocol = environ.get(variable, "").strip() or "grpc"
    if protocol not in _OTLP_BY_PROTOCOL:
        raise ConfigError(
            _ENVIRONMENT,
            variable,
            f"unsupported OTLP protocol {protocol!r} (expected: {', '.join(_OTLP_BY_PROTOCOL)})",
        )
    return _OTLP_BY_PROTOCOL[protocol]


def _load_exporter(name: str) -> SpanExporter:
    found = entry_points(group=_EXPORTER_GROUP, name=name)
    if not found:
        installed = sorted({"otlp", "none", *entry_points(group=_EXPORTER_GROUP).names})
        raise ConfigError(
            _ENVIRONMENT,
            OTEL_TRACES_EXPORTER,
            f"no trace exporter {name!r} is installed (available: {', '.join(installed)})",
        )
    exporter_class = next(iter(found)).load()
    if not (isinstance(exporter_class, type) and issubclass(exporter_class, SpanExporter)):
        raise ConfigError(_ENVIRONMENT, OTEL_TRACES_EXPORTER, f"{name!r} is not a trace exporter")
    exporter: SpanExporter = exporter_class()
    return exporter
