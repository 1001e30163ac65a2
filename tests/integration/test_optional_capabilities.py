"""A company without a claims portal: capabilities nobody owns answer without placeholders.

The registry is the example without its `support` connector (tickets, cases, open_ticket):
the gateway starts, the lists answer empty with no error, and the write answers
CAPABILITY_NOT_CONFIGURED. The schema is the same as with the portal.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import open_gateway

DASHBOARD = """
{ viewer {
    profile { lastName }
    tickets { number }
    cases { number currentStep { name } }
    invoices { number }
    actionItems { source }
} }
"""


def without_support(data: dict[str, Any]) -> None:
    del data["connectors"]["support"]
    del data["identity"]["links"]["support"]


async def test_a_registry_without_a_claims_portal_answers_empty_lists(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    customer = stack.customers[0]
    async with open_gateway(
        stack, tracer_provider, registry_path=registry_variant(without_support)
    ) as gateway:
        assert set(gateway.runtime.registry.unowned) >= {"tickets", "cases", "open_ticket"}
        gateway.reset_counts()
        body = await gateway.query(DASHBOARD)

    assert "errors" not in body
    viewer = body["data"]["viewer"]
    assert viewer["tickets"] == []
    assert viewer["cases"] == []
    assert viewer["profile"]["lastName"] == customer.last_name
    assert {i["number"] for i in viewer["invoices"]} == {
        i.invoice_id for i in stack.dataset.invoices.get(customer.billing_account, ())
    }
    assert {item["source"] for item in viewer["actionItems"]} <= {"INVOICE"}
    assert not any(name.startswith("soap") for name in stack.support.requests)


async def test_a_write_nobody_owns_is_refused_with_its_own_code(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    async with open_gateway(
        stack, tracer_provider, registry_path=registry_variant(without_support)
    ) as gateway:
        body = await gateway.query(
            'mutation { openTicket(input: {subject: "Parcel?", message: "SO-1"}) { number } }'
        )

    assert body["data"] == {"openTicket": None}
    [error] = body["errors"]
    assert error["path"] == ["openTicket"]
    assert error["extensions"] == {
        "code": "CAPABILITY_NOT_CONFIGURED",
        "capability": "open_ticket",
    }
    assert error["message"] == (
        "Opening a support ticket is not available here: no system is configured for it."
    )


async def test_the_schema_does_not_change_with_the_registry(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    async with open_gateway(stack, tracer_provider) as full:
        with_support = full.runtime.schema.as_str()
    async with open_gateway(
        stack, tracer_provider, registry_path=registry_variant(without_support)
    ) as partial:
        without = partial.runtime.schema.as_str()

    assert without == with_support
    assert "openTicket" in without and "cases" in without
