"""The executor outside development leaves graphql-core's suggestions out of variable errors.

Driven through graphql-core's own `execute` on the real schema: the gateway's pipeline
masks variable errors today, so this is where the executor's effect can be seen.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import ExecutionResult, execute, parse

from gateway.validation import ExecutionWithoutSuggestions
from schema.build import build_schema

UPDATE = "mutation M($i: UpdateProfileInput!) { updateProfile(input: $i) { lastName } }"
INVOICES = "query Q($s: [InvoiceStatus!]) { viewer { invoices(status: $s) { id } } }"


def run(query: str, variables: dict[str, Any], executor: Any) -> str:
    result = execute(
        build_schema()._schema, parse(query), variable_values=variables, executor_class=executor
    )
    assert isinstance(result, ExecutionResult)
    assert result.errors
    return " ".join(error.message for error in result.errors)


@pytest.mark.parametrize(
    ("query", "variables"),
    [(UPDATE, {"i": {"lastNam": "x"}}), (INVOICES, {"s": ["PAIDD"]})],
)
def test_variable_errors_carry_no_suggestions(query: str, variables: dict[str, Any]) -> None:
    assert "Did you mean" in run(query, variables, None)
    assert "Did you mean" not in run(query, variables, ExecutionWithoutSuggestions)
