"""build_gateway_schema: no per-field middleware unless field tracing is switched on."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider

from config.settings import Settings
from gateway.execution import build_gateway_schema


def field_middleware(settings: Settings, tracer_provider: TracerProvider) -> list[str]:
    """The extensions strawberry would wrap every resolver with, by class name."""
    schema = build_gateway_schema(settings, tracer_provider)
    return [type(e).__name__ for e in schema.get_extensions() if e._implements_resolve()]


def test_no_extension_wraps_resolvers_by_default(
    tmp_path: Path, tracer_provider: TracerProvider
) -> None:
    settings = Settings(registry_path=tmp_path / "registry.yaml")
    assert field_middleware(settings, tracer_provider) == []


def test_field_tracing_is_the_one_field_middleware_when_switched_on(
    tmp_path: Path, tracer_provider: TracerProvider
) -> None:
    settings = Settings(registry_path=tmp_path / "registry.yaml", trace_fields=True)
    assert field_middleware(settings, tracer_provider) == ["FieldTracing"]
