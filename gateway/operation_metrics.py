"""Each GraphQL operation counted by name, outcome and kind of principal, and timed."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.execution import PreExecutionError

from gateway.context import RequestContext
from gateway.metrics import Metrics

__all__ = ["OperationMetrics"]


class OperationMetrics(SchemaExtension):
    """Records one operation in the runtime's metrics when it ends, however it ends.

    Outcomes: `ok` (no errors), `partial` (data with errors, e.g. one portal failed),
    `failed` (no data, errors from execution) and `rejected` (refused before execution:
    parse, validation, limits, variables), whose names never take a label of their own.
    """

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            execution = self.execution_context
            context = execution.context
            principal = context.principal if isinstance(context, RequestContext) else None
            self._metrics.operation(
                execution.operation_name,
                _outcome(execution.result),
                principal,
                time.perf_counter() - started,
            )


def _outcome(result: object) -> str:
    errors = getattr(result, "errors", None)
    if result is None or isinstance(result, PreExecutionError):
        return "rejected"
    if not errors:
        return "ok"
    if getattr(result, "data", None) is not None:
        return "partial"
    return "rejected" if all(e.path is None for e in errors) else "failed"
