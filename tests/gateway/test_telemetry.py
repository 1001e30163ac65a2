"""Exporters chosen by OTEL_TRACES_EXPORTER: built from OpenTelemetry's own packages, a bad
choice is a start-up error naming the variable, and none means non-recording spans."""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

from config.errors import ConfigError
from gateway.cli import main
from gateway.telemetry import build_tracer_provider, span_exporters
from tests.otlp_receiver import open_otlp_grpc_receiver


def test_serve_with_an_unknown_exporter_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "bogus")

    status = main(["serve", "--port", "0"])

    _, err = capsys.readouterr()
    assert status == 2
    assert err.startswith("configuration error: environment: OTEL_TRACES_EXPORTER: ")
    assert "'bogus'" in err
    assert "Traceback" not in err


def test_an_unknown_otlp_protocol_names_its_variable() -> None:
    environ = {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon"}
    with pytest.raises(ConfigError) as caught:
        span_exporters(environ)
    assert caught.value.key == "OTEL_EXPORTER_OTLP_PROTOCOL"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, GrpcExporter),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, GrpcExporter),  # the SDK's default protocol
        (
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
            HttpExporter,
        ),
        ({"OTEL_TRACES_EXPORTER": "console"}, ConsoleSpanExporter),
    ],
)
def test_the_exporter_comes_from_the_variables(
    environ: dict[str, str], expected: type[object]
) -> None:
    [exporter] = span_exporters(environ)
    assert isinstance(exporter, expected)
    exporter.shutdown()


@pytest.mark.parametrize("value", [None, "none", "NONE"])
def test_without_an_exporter_spans_are_not_recorded(value: str | None) -> None:
    environ = {} if value is None else {"OTEL_TRACES_EXPORTER": value}
    assert span_exporters(environ) == []
    with build_tracer_provider(environ).get_tracer(__name__).start_as_current_span("x") as span:
        assert not span.is_recording()
        assert span.get_span_context().is_valid  # ids still reach X-Trace-Id and the portals


async def test_grpc_protocol_exports_to_a_grpc_receiver(monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_otlp_grpc_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "portalgate-grpc")
        provider = build_tracer_provider(
            {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
        )
        with provider.get_tracer(__name__).start_as_current_span("connector.fetch"):
            pass
        # The exporter's client blocks its thread; the receiver runs on this loop.
        assert await asyncio.to_thread(provider.force_flush)
        await asyncio.to_thread(provider.shutdown)
    assert [(s.name, s.service_name) for s in receiver.spans] == [
        ("connector.fetch", "portalgate-grpc")
    ]
