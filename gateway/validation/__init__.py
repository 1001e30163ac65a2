"""Request validation: token limit and parsing, query limits and cost, introspection,
suggestions in errors; every refusal carries its own `extensions.code`."""

from __future__ import annotations

from gateway.validation.cost_model import CostModel, build_cost_model
from gateway.validation.document import DocumentValidator, ValidateDocument, ValidationPolicy
from gateway.validation.introspection import IntrospectionDisabledRule
from gateway.validation.limits_rule import QueryLimits
from gateway.validation.parsing import DocumentParser, ParseDocument, TooManyTokens
from gateway.validation.suggestions import ExecutionWithoutSuggestions

__all__ = [
    "CostModel",
    "DocumentParser",
    "DocumentValidator",
    "ExecutionWithoutSuggestions",
    "IntrospectionDisabledRule",
    "ParseDocument",
    "QueryLimits",
    "TooManyTokens",
    "ValidateDocument",
    "ValidationPolicy",
    "build_cost_model",
]
