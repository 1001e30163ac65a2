"""Field, parse and validation spans only when `trace_fields` asks for them; the
operation's span always."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

QUERY = "{ viewer { orders(first: 2) { totalCount } profile { lastName } } }"


def span_names(spans: InMemorySpanExporter) -> list[str]:
    return [span.name for span in spans.get_finished_spans()]


async def test_by_default_operations_are_traced_and_fields_are_not(
    gateway: Gateway, spans: InMemorySpanExporter
) -> None:
    body = await gateway.query(QUERY)
    assert "errors" not in body
    names = span_names(spans)
    assert names.count("query") == 1
    assert not {"GraphQL Parsing", "GraphQL Validation"} & set(names)
    assert not [name for name in names if name.startswith("GraphQL")]


async def test_trace_fields_adds_a_span_per_field_without_its_arguments(
    stack: DemoStack, tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    async with open_gateway(stack, tracer_provider, trace_fields=True) as gateway:
        body = await gateway.query(QUERY)
    assert "errors" not in body
    names = span_names(spans)
    assert {"query", "GraphQL Parsing", "GraphQL Validation"} <= set(names)
    fields = [s for s in spans.get_finished_spans() if s.name.startswith("GraphQL Resolving")]
    assert {"GraphQL Resolving: viewer", "GraphQL Resolving: orders"} <= {s.name for s in fields}
    for span in fields:
        assert not [key for key in span.attributes or {} if key.startswith("graphql.param.")]
