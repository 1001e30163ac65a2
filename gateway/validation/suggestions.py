"""Execution without "Did you mean ...?" in errors about variables.

graphql-core can leave suggestions out (`hide_suggestions`), but strawberry does not pass
that option on; the executor class is strawberry's own extension point, so the option is
set there. Validation messages are covered by `gateway.validation.document`.
"""

from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = ["ExecutionWithoutSuggestions"]


class ExecutionWithoutSuggestions(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor with graphql-core's `hide_suggestions` switched on."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        return super().build(*args, **{**kwargs, "hide_suggestions": True})
