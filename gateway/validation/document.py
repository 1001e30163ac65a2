"""Validating a document: the query limits first, then graphql-core's rules, cached.

    document ─▶ QueryLimitsRule (linear time; cached per document and numeric variables)
             ─▶ refused: QUERY_TOO_COMPLEX, nothing else runs
             ─▶ graphql-core's specified rules + strawberry's + ours, LRU-cached per document
             ─▶ errors without a code of their own: GRAPHQL_VALIDATION_FAILED

The limits run alone and first so that a document built to be expensive is refused
before any other rule looks at it. This replaces strawberry's ValidationCache because
strawberry does not pass graphql-core's `hide_suggestions` on to validation.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from connectors.errors import ErrorCode
from gateway.validation.cost_model import CostModel, build_cost_model
from gateway.validation.limits_rule import QueryLimits, query_limits_rule

__all__ = ["DocumentValidator", "ValidateDocument", "ValidationPolicy"]

_VALIDATION_FAILED = str(ErrorCode.GRAPHQL_VALIDATION_FAILED)

# strawberry's validate_document adds these two to every validation; so do we.
_STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    """What validation enforces, from the settings."""

    limits: QueryLimits
    default_list_size: int
    hide_suggestions: bool
    extra_rules: tuple[type[ASTValidationRule], ...] = ()


class DocumentValidator:
    """Validates documents against one schema; owns its cost model and the LRU of results.

    The schema is built with this validator among its extensions, so the cost model is
    read from it afterwards, by `bind`, once at start-up.
    """

    def __init__(self, policy: ValidationPolicy, cache_size: int = 256) -> None:
        self.policy = policy
        self._cost_model: CostModel | None = None
        self._cached_rules = lru_cache(maxsize=cache_size)(self._run_rules)
        # Keyed by the document and its numeric variables, the only ones a cost reads.
        self._cached_limits = lru_cache(maxsize=cache_size)(self._check_limits)

    def bind(self, schema: GraphQLSchema) -> None:
        """Read the schema's `@cost`/`@listSize`; ValueError for a bad weight."""
        self._cost_model = build_cost_model(schema, self.policy.default_list_size)

    def validate(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: Sequence[type[ASTValidationRule]],
        variables: Mapping[str, Any] | None,
    ) -> list[GraphQLError]:
        """The document's errors: limit refusals alone, or every other rule's."""
        refused = self._cached_limits(schema, document, _numbers(variables))
        if refused:
            return list(refused)
        return list(self._cached_rules(schema, document, tuple(rules)))

    def _check_limits(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        numbers: tuple[tuple[str, int | float], ...],
    ) -> tuple[GraphQLError, ...]:
        if self._cost_model is None:
            raise RuntimeError("DocumentValidator.bind(schema) must be called before use")
        policy = self.policy
        limits = query_limits_rule(policy.limits, self._cost_model, dict(numbers))
        return tuple(validate(schema, document, [limits], hide_suggestions=policy.hide_suggestions))

    def _run_rules(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> tuple[GraphQLError, ...]:
        all_rules = (*rules, *self.policy.extra_rules, *_STRAWBERRY_RULES)
        hide = self.policy.hide_suggestions
        errors = validate(schema, document, all_rules, hide_suggestions=hide)
        for error in errors:
            # graphql-core's rules set no code; ours (introspection) set their own.
            if not (error.extensions and "code" in error.extensions):
                error.extensions = {**(error.extensions or {}), "code": _VALIDATION_FAILED}
        return tuple(errors)


class ValidateDocument(SchemaExtension):
    """Runs the gateway's validation; strawberry skips its own once errors are set."""

    def __init__(self, validator: DocumentValidator) -> None:
        self.validator = validator

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            context.pre_execution_errors = self.validator.validate(
                context.schema._schema,
                context.graphql_document,
                context.validation_rules,
                context.variables,
            )
        yield


def _numbers(variables: Mapping[str, Any] | None) -> tuple[tuple[str, int | float], ...]:
    """The variables a slicing argument can take its value from, as a cache key."""
    return tuple(
        sorted(
            (name, value)
            for name, value in (variables or {}).items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        )
    )
