"""Request validation: query limits and cost, introspection, suggestions in errors."""

from __future__ import annotations

from gateway.validation.cost_model import CostModel, build_cost_model
from gateway.validation.document import DocumentValidator, ValidateDocument, ValidationPolicy
from gateway.validation.introspection import IntrospectionDisabledRule
from gateway.validation.limits_rule import QueryLimits
from gateway.validation.suggestions import ExecutionWithoutSuggestions

__all__ = [
    "CostModel",
    "DocumentValidator",
    "ExecutionWithoutSuggestions",
    "IntrospectionDisabledRule",
    "QueryLimits",
    "ValidateDocument",
    "ValidationPolicy",
    "build_cost_model",
]
