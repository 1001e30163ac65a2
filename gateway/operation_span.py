"""The span of one GraphQL operation, under the request's server span.

    on_operation ─▶ start "GraphQL Operation" as the current span, so every `source.load`
                    (and the client spans under it) is its child
                    graphql.document.hash = sha256 of the document text
    ...parse, validate, execute...
    end          ─▶ named as the semantic conventions say, `query Dashboard` (`query`
                    without a name), with graphql.operation.type and .name

Never the document text, nor variables: literals and variable values may be customer
data. strawberry's OpenTelemetryExtension records the whole text as a `query` attribute,
which is why this span is our own. The hash is the one persisted documents key on
(sha256 of the text, hex), so a trace points at a stored document without holding it.
Nothing is computed when the span is not recording (tracing off, or not sampled).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator

from graphql import DocumentNode, OperationDefinitionNode
from opentelemetry.trace import Span, Tracer, TracerProvider
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

__all__ = [
    "DOCUMENT_HASH",
    "OPERATION_NAME",
    "OPERATION_TYPE",
    "OperationSpan",
    "document_hash",
    "traced_operation",
]

OPERATION_NAME = "graphql.operation.name"
OPERATION_TYPE = "graphql.operation.type"
DOCUMENT_HASH = "graphql.document.hash"
# The conventions' name when the operation's type is unknown (a document that did not parse).
_UNKNOWN = "GraphQL Operation"


def document_hash(document: str) -> str:
    """The document's id for persisted documents and traces: sha256 of its text, hex."""
    return hashlib.sha256(document.encode()).hexdigest()


@contextlib.contextmanager
def traced_operation(tracer: Tracer, execution: ExecutionContext) -> Iterator[Span]:
    """The operation's span, current while the operation runs (used by both extensions).

    No exception text is recorded on it: a resolver's or parser's message may quote the
    document.
    """
    with tracer.start_as_current_span(
        _UNKNOWN, record_exception=False, set_status_on_exception=False
    ) as span:
        if span.is_recording() and execution.query is not None:
            span.set_attribute(DOCUMENT_HASH, document_hash(execution.query))
        yield span
        if span.is_recording():
            _describe(span, execution)


def _describe(span: Span, execution: ExecutionContext) -> None:
    operation = _selected_operation(execution.graphql_document, execution.operation_name)
    if operation is None:
        return
    kind = operation.operation.value
    span.set_attribute(OPERATION_TYPE, kind)
    if operation.name is None:
        span.update_name(kind)
        return
    span.set_attribute(OPERATION_NAME, operation.name.value)
    span.update_name(f"{kind} {operation.name.value}")


def _selected_operation(
    document: DocumentNode | None, name: str | None
) -> OperationDefinitionNode | None:
    """The operation that ran: the one named, or the first (strawberry's own choice)."""
    if document is None:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            name is None or (definition.name is not None and definition.name.value == name)
        ):
            return definition
    return None


class OperationSpan(SchemaExtension):
    """One span per operation, and none for parsing, validation or fields.

    It defines no `resolve`: strawberry installs field middleware for any extension that
    does, which makes every field a coroutine (bench/README.md). Parse and validation are
    cached and take microseconds, so their spans would cost more than they tell; they come
    with `trace_fields` (`FieldTracing`).
    """

    def __init__(self, *, tracer_provider: TracerProvider) -> None:
        self._tracer = tracer_provider.get_tracer(__name__)

    def on_operation(self) -> Iterator[None]:
        with traced_operation(self._tracer, self.execution_context):
            yield
