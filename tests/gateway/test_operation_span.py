"""gateway/operation_span: one span per operation, named and hashed, never the document."""

from __future__ import annotations

import hashlib
from functools import partial
from typing import Any

import strawberry
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.execution import FieldTracing
from gateway.operation_span import OperationSpan, document_hash

SECRET_LITERAL = "literal-4711-secret"
SECRET_VARIABLE = "variable-4712-secret"
QUERY = (
    f'query Greeting($who: String!) {{ hello(name: "{SECRET_LITERAL}") again: hello(name: $who) }}'
)


def schema(
    tracer_provider: TracerProvider, extension: type[Any] = OperationSpan
) -> strawberry.Schema:
    tracer = tracer_provider.get_tracer("test")

    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self, name: str) -> str:
            with tracer.start_as_current_span("inner"):
                return f"hello {name}"

    return strawberry.Schema(
        query=Query, extensions=[partial(extension, tracer_provider=tracer_provider)]
    )


def every_attribute_value(spans: list[ReadableSpan]) -> list[str]:
    return [str(v) for s in spans for v in (s.attributes or {}).values()]


def test_the_document_hash_is_sha256_of_its_text() -> None:
    assert document_hash("{ a }") == hashlib.sha256(b"{ a }").hexdigest()


async def test_a_named_operation_is_one_span_with_name_type_and_hash(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    result = await schema(tracer_provider).execute(QUERY, variable_values={"who": SECRET_VARIABLE})

    assert result.errors is None
    operations = [s for s in spans.get_finished_spans() if s.name != "inner"]
    [operation] = operations
    assert operation.name == "query Greeting"
    assert dict(operation.attributes or {}) == {
        "graphql.operation.name": "Greeting",
        "graphql.operation.type": "query",
        "graphql.document.hash": document_hash(QUERY),
    }
    # What the resolvers start (source.load, in the gateway) are its children.
    inner = [s for s in spans.get_finished_spans() if s.name == "inner"]
    assert len(inner) == 2
    assert {s.parent.span_id for s in inner if s.parent} == {operation.context.span_id}


async def test_an_anonymous_operation_is_named_for_its_type(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    await schema(tracer_provider).execute('{ hello(name: "x") }')

    [operation] = [s for s in spans.get_finished_spans() if s.name != "inner"]
    assert operation.name == "query"
    assert "graphql.operation.name" not in (operation.attributes or {})


async def test_a_document_that_does_not_parse_keeps_the_generic_name(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    result = await schema(tracer_provider).execute(f'{{ hello(name: "{SECRET_LITERAL}" }}')

    assert result.errors
    [operation] = spans.get_finished_spans()
    assert operation.name == "GraphQL Operation"
    assert not [v for v in every_attribute_value([operation]) if SECRET_LITERAL in v]
    assert not operation.events


async def test_field_tracing_spans_hold_neither_document_nor_variables(
    tracer_provider: TracerProvider, spans: InMemorySpanExporter
) -> None:
    result = await schema(tracer_provider, FieldTracing).execute(
        QUERY, variable_values={"who": SECRET_VARIABLE}
    )

    assert result.errors is None
    finished = spans.get_finished_spans()
    names = {s.name for s in finished}
    assert {"query Greeting", "GraphQL Parsing", "GraphQL Validation"} <= names
    assert "GraphQL Resolving: hello" in names
    values = every_attribute_value(list(finished))
    assert not [v for v in values if SECRET_LITERAL in v or SECRET_VARIABLE in v or "{" in v]
    [operation] = [s for s in finished if s.name == "query Greeting"]
    fields = [s for s in finished if s.name.startswith("GraphQL Resolving")]
    assert {s.parent.span_id for s in fields if s.parent} == {operation.context.span_id}
