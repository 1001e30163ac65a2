"""Identity links: ids from token claims, or looked up once per request through a capability."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import open_gateway


async def test_support_id_is_looked_up_through_the_crm_once_per_request(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    def lookup_support(data: dict[str, Any]) -> None:
        data["identity"]["links"]["support"] = {"lookup": "support_party", "from": "crm"}

    path = registry_variant(lookup_support)
    customer = stack.customers[0]
    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        gateway.reset_counts()
        links = {"crm": customer.crm_id, "orders": customer.shop_no}
        body = await gateway.query(
            "{ viewer { tickets { number } cases { number } actionItems { kind } } }",
            links=links,
        )

    assert "errors" not in body
    expected = {t.ticket_id for t in stack.dataset.tickets.get(customer.support_party, ())}
    assert {t["number"] for t in body["data"]["viewer"]["tickets"]} == expected
    assert stack.crm.requests["external_refs.batch"] == 1
    assert stack.support.requests["soap.GetTickets"] == 1


async def test_a_customer_without_an_account_in_a_portal_gets_empty_lists(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    customer = stack.customers[0]
    async with open_gateway(stack, tracer_provider) as gateway:
        gateway.reset_counts()
        body = await gateway.query(
            "{ viewer { profile { lastName } invoices { number } tickets { number } } }",
            links={"crm": customer.crm_id},
        )

    assert "errors" not in body
    assert body["data"]["viewer"]["invoices"] == []
    assert body["data"]["viewer"]["tickets"] == []
    assert body["data"]["viewer"]["profile"]["lastName"] == customer.last_name
    assert set(gateway.counts()) == {"customers.batch"}
