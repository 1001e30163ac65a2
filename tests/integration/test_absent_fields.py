"""A field the owning portal does not have is null in the GraphQL answer, never a made-up
constant (DESIGN decision 9): the owner leaves it out of the mapping, nothing else.

The demo portals answer as always; the registry variant maps less of their answer, as an
owner whose portal lacks those fields would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import open_gateway

QUERY = """
{
  viewer {
    orders(first: 2) {
      totalCount
      pageInfo { hasNextPage }
      nodes { number status placedAt total { amount currency } timeline { status at } }
    }
    invoices { number issuedOn dueOn amount { amount currency } }
    actionItems { kind title dueOn overdue }
  }
}
"""


def lacking(data: dict[str, Any]) -> None:
    """The shop without a total count, order dates, currencies or status times; billing
    without issue and due dates or currencies."""
    shop = data["connectors"]["orders"]["config"]["capabilities"]
    shop["orders_by_customer"]["response"]["record"].pop("total_count")
    order = shop["orders_by_customer"]["response"]["record"]["orders"]["fields"]
    order.pop("placed_at")
    order["total"]["fields"].pop("currency")
    order["history"]["fields"].pop("at")
    billing = data["connectors"]["billing"]["config"]["capabilities"]
    invoice = billing["invoices"]["response"]["record"]["invoices"]["fields"]
    invoice.pop("issued_on")
    invoice.pop("due_on")
    invoice["amount"]["fields"].pop("currency")


async def test_fields_a_portal_lacks_are_null_not_zero_or_1970(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    data = stack.dataset
    customer = next(
        c
        for c in stack.customers
        if len(data.orders.get(c.shop_no, ())) > 2
        and any(i.state != "PAID" for i in data.invoices.get(c.billing_account, ()))
    )

    async with open_gateway(
        stack, tracer_provider, registry_path=registry_variant(lacking)
    ) as gateway:
        body = await gateway.query(QUERY, customer.subject)

    assert "errors" not in body, body["errors"]
    orders = body["data"]["viewer"]["orders"]
    assert orders["totalCount"] is None
    # No total to compare with: a full window is taken to have a next one.
    assert orders["pageInfo"]["hasNextPage"] is True
    assert len(orders["nodes"]) == 2
    for node in orders["nodes"]:
        assert node["number"] and node["status"]
        assert node["placedAt"] is None
        assert node["total"]["currency"] is None
        assert node["total"]["amount"] is not None
        assert node["timeline"] and all(step["at"] is None for step in node["timeline"])
    invoices = body["data"]["viewer"]["invoices"]
    assert invoices
    for invoice in invoices:
        assert invoice["issuedOn"] is None and invoice["dueOn"] is None
        assert invoice["amount"]["currency"] is None
    pay = [a for a in body["data"]["viewer"]["actionItems"] if a["kind"] == "PAY_INVOICE"]
    assert pay and all(a["dueOn"] is None for a in pay)
    assert all("None" not in a["title"] for a in pay)


async def test_the_same_query_over_the_full_mapping_has_every_value(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    # The other side of the test above: the demo portals do have these fields.
    customer = next(c for c in stack.customers if len(stack.dataset.orders.get(c.shop_no, ())) > 2)

    async with open_gateway(stack, tracer_provider) as gateway:
        body = await gateway.query(QUERY, customer.subject)

    orders = body["data"]["viewer"]["orders"]
    assert orders["totalCount"] == len(stack.dataset.orders[customer.shop_no])
    assert all(n["placedAt"] and n["total"]["currency"] for n in orders["nodes"])
