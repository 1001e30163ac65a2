"""The execution pipeline around strawberry: caches, limits, masking, tracing, error codes.

document ─▶ token limit, parse (cached) ─▶ query limits and cost, then graphql-core's rules
              (gateway/validation, each refusal with its code; introspection per settings)
         ─▶ strawberry execute (resolvers ─▶ loaders ─▶ sources), inside the operation's
              span (gateway/operation_span.py; `trace_fields` adds parse, validation and
              field spans)
         ─▶ MaskUnexpectedErrors ─▶ every error gets `extensions.code`
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

import strawberry
from graphql import (
    ASTValidationRule,
    FieldNode,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSyntaxError,
    OperationDefinitionNode,
)
from graphql.execution import Executor
from opentelemetry.trace import TracerProvider
from strawberry.extensions import LifecycleStep, SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.types import ExecutionContext
from strawberry.types.execution import PreExecutionError

from config.settings import Settings
from connectors.errors import ConnectorError, ErrorCode
from gateway.context import RequestContext
from gateway.errors import MaskUnexpectedErrors, error_code, is_public_error
from gateway.metrics import Metrics
from gateway.operation_metrics import OperationMetrics
from gateway.operation_span import OperationSpan, traced_operation
from gateway.operations import RequireOperationName
from gateway.validation import (
    DocumentParser,
    DocumentValidator,
    ExecutionWithoutSuggestions,
    IntrospectionDisabledRule,
    ParseDocument,
    QueryLimits,
    ValidateDocument,
    ValidationPolicy,
)
from resolvers.errors import GatewayError
from schema.build import build_schema
from schema.viewer_extensions import ViewerExtension
from sso.audit import AuditEvent

__all__ = ["GatewaySchema", "build_gateway_schema", "classify_request_errors"]

logger = logging.getLogger(__name__)


class GatewaySchema(strawberry.Schema):
    """Logs each error by code and connector, never by its text (which may carry tokens).

    A connector error is DEBUG: a portal outage fails every request that reads it, and a
    line per request would bury everything else. It is counted (metrics), carried by the
    request's access line (`connectors[].outcome`) and the breaker logs its transitions.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            path = ".".join(str(p) for p in error.path or ())
            if isinstance(original, ConnectorError):
                logger.debug(
                    "connector error code=%s connector=%s path=%s",
                    original.code,
                    original.connector,
                    path,
                    extra={"code": str(original.code), "connector": original.connector},
                )
            elif isinstance(original, GatewayError):
                logger.info(
                    "request error code=%s path=%s",
                    original.code,
                    path,
                    extra={"code": str(original.code)},
                )
            elif not is_public_error(error):
                logger.error("unexpected error in resolver path=%s", path, exc_info=original)


class AuditActing(SchemaExtension):
    """Records each operation an employee runs for a customer: who, for whom, what, when."""

    def on_execute(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        if not isinstance(context, RequestContext) or context.principal is None:
            return
        actor = context.principal.actor
        if actor is None:
            return
        codes = {
            error_code(e) for e in (execution.result.errors if execution.result else None) or []
        }
        outcome = "denied" if str(ErrorCode.FORBIDDEN) in codes else "errors" if codes else "ok"
        context.audit.record(
            AuditEvent(
                at=datetime.now(UTC),
                actor=actor.subject,
                subject=context.principal.subject,
                operation_type=execution.operation_type.value,
                operation_name=execution.operation_name,
                fields=_root_fields(execution),
                outcome=outcome,
                request_id=context.request_id,
            )
        )


def _root_fields(execution: ExecutionContext) -> tuple[str, ...]:
    document = execution.graphql_document
    if document is None:
        return ()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            execution.operation_name is None
            or (definition.name is not None and definition.name.value == execution.operation_name)
        ):
            return tuple(
                s.name.value
                for s in definition.selection_set.selections
                if isinstance(s, FieldNode)
            )
    return ()


class FieldTracing(OpenTelemetryExtension):
    """The operation span plus spans for parsing, validation and every resolved field, for
    `trace_fields=true` only.

    strawberry's own operation span is replaced by ours (`traced_operation`), because it
    records the document text; field arguments are dropped by the argument filter, so they
    never reach a span either.
    """

    def __init__(self, *, tracer_provider: TracerProvider) -> None:
        super().__init__(tracer_provider=tracer_provider, arg_filter=_no_arguments)

    def on_operation(self) -> Generator[None, None, None]:
        # strawberry's parse, validation and field spans look their parent up here.
        with traced_operation(self._tracer, self.execution_context) as span:
            self._span_holder[LifecycleStep.OPERATION] = span
            yield


def _no_arguments(_args: dict[str, Any], _info: GraphQLResolveInfo[Any]) -> dict[str, Any]:
    return {}


def build_gateway_schema(
    settings: Settings,
    tracer_provider: TracerProvider,
    metrics: Metrics | None = None,
    viewer_extensions: Sequence[ViewerExtension] = (),
) -> strawberry.Schema:
    """The unified schema wrapped in the gateway's extensions.

    Extensions are factories, one instance per operation, as strawberry recommends; the
    parser cache and the validator's cache are shared across requests. Outside
    development, introspection is off unless `settings.introspection` says otherwise, and
    errors carry no "Did you mean ...?" suggestions (they map the schema for a stranger).
    """
    development = settings.development
    introspection = development if settings.introspection is None else settings.introspection
    extra_rules: tuple[type[ASTValidationRule], ...] = (
        () if introspection else (IntrospectionDisabledRule,)
    )
    validator = DocumentValidator(
        ValidationPolicy(
            limits=QueryLimits(
                max_depth=settings.max_query_depth,
                max_introspection_depth=settings.max_introspection_depth,
                max_aliases=settings.max_aliases,
                max_fields=settings.max_query_fields,
                max_cost=settings.max_query_cost,
            ),
            default_list_size=settings.default_list_size,
            hide_suggestions=not development,
            extra_rules=extra_rules,
        )
    )
    executor: type[Executor[Any]] | None = None if development else ExecutionWithoutSuggestions
    tracing = FieldTracing if settings.trace_fields else OperationSpan
    schema = build_schema(
        extensions=[
            MaskUnexpectedErrors,
            partial(ParseDocument, DocumentParser(settings.max_tokens)),
            RequireOperationName,
            partial(ValidateDocument, validator),
            partial(tracing, tracer_provider=tracer_provider),
            AuditActing,
            *([partial(OperationMetrics, metrics)] if metrics and metrics.enabled else []),
        ],
        schema_class=GatewaySchema,
        execution_context_class=executor,
        viewer_extensions=viewer_extensions,
    )
    validator.bind(schema._schema)
    return schema


def classify_request_errors(result: strawberry.types.ExecutionResult) -> bool:
    """True if the result is a request error (nothing executed), every error with a code.

    The parse and validation steps (gateway/validation) attach their codes themselves;
    an error that still has none is classified by its type, never by its message.
    """
    if not isinstance(result, PreExecutionError):
        return _classify_variable_errors(result)
    for error in result.errors or []:
        if error.extensions and "code" in error.extensions:
            continue
        code = (
            ErrorCode.GRAPHQL_PARSE_FAILED
            if isinstance(error, GraphQLSyntaxError)
            else ErrorCode.GRAPHQL_VALIDATION_FAILED
        )
        error.extensions = {**(error.extensions or {}), "code": str(code)}
    return True


def _classify_variable_errors(result: strawberry.types.ExecutionResult) -> bool:
    """True, with `BAD_USER_INPUT`, when graphql-core refused the variables.

    It coerces variables at the start of execution, outside strawberry's pre-execution
    steps, and reports a value that does not fit its type (wrong type, missing, unknown
    input field) as errors without a path and no `data` at all; every error raised while
    executing a field has a path.
    """
    errors = result.errors or []
    if result.data is not None or not errors or any(e.path is not None for e in errors):
        return False
    for error in errors:
        if not (error.extensions and "code" in error.extensions):
            error.extensions = {**(error.extensions or {}), "code": str(ErrorCode.BAD_USER_INPUT)}
    return True
