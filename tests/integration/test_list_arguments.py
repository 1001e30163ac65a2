"""List arguments over the real demo portals: a status filter pushed to billing when it
can take it, applied by the gateway when it cannot, and refused when the registry
declares the request narrowed to other statuses; totals the shop does not give are null."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

RegistryVariant = Callable[[Callable[[dict[str, Any]], None]], Path]


def statuses_of(body: dict[str, Any]) -> list[str]:
    return sorted(i["status"] for i in body["data"]["viewer"]["invoices"])


def expected(gateway: Gateway, *states: str) -> list[str]:
    customer = gateway.stack.customers[0]
    invoices = gateway.stack.dataset.invoices.get(customer.billing_account, ())
    names = {"PAID": "PAID", "OPEN": "UNPAID", "OVERDUE": "OVERDUE"}
    return sorted(names[i.state] for i in invoices if i.state in states)


async def test_one_status_is_pushed_to_billing(gateway: Gateway) -> None:
    gateway.stack.billing.reset_counts()

    body = await gateway.query("{ viewer { invoices(status: [OVERDUE]) { status } } }")

    assert "errors" not in body
    assert statuses_of(body) == expected(gateway, "OVERDUE")
    assert gateway.stack.billing.states_asked == ["OVERDUE"]


async def test_two_statuses_are_applied_by_the_gateway(gateway: Gateway) -> None:
    gateway.stack.billing.reset_counts()

    body = await gateway.query("{ viewer { invoices(status: [OVERDUE, PAID]) { status } } }")

    assert "errors" not in body
    assert statuses_of(body) == expected(gateway, "OVERDUE", "PAID")
    assert gateway.stack.billing.states_asked == [None]  # billing takes one state at a time


def narrowed_to_open(registry: dict[str, Any]) -> None:
    invoices = registry["connectors"]["billing"]["config"]["capabilities"]["invoices"]
    del invoices["arguments"]
    invoices["request"]["query"] = {"state": "OPEN"}
    invoices["narrows"] = {"status": ["unpaid"]}


async def test_a_status_outside_a_narrowed_request_is_an_error_not_an_empty_list(
    stack: DemoStack, tracer_provider: TracerProvider, registry_variant: RegistryVariant
) -> None:
    path = registry_variant(narrowed_to_open)
    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        stack.billing.reset_counts()
        refused = await gateway.query("{ viewer { invoices(status: [PAID]) { status } } }")
        assert stack.billing.states_asked == []  # nothing was asked

        served = await gateway.query("{ viewer { invoices(status: [UNPAID]) { status } } }")

    assert refused["data"]["viewer"]["invoices"] is None
    [error] = refused["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_REJECTED"
    assert "lists only status unpaid" in error["message"]
    assert statuses_of(served) == expected(gateway, "OPEN")
    assert stack.billing.states_asked == ["OPEN"]


def without_order_totals(registry: dict[str, Any]) -> None:
    orders = registry["connectors"]["orders"]["config"]["capabilities"]["orders_by_customer"]
    del orders["response"]["record"]["total_count"]


async def test_a_total_the_shop_does_not_give_is_null(
    stack: DemoStack, tracer_provider: TracerProvider, registry_variant: RegistryVariant
) -> None:
    path = registry_variant(without_order_totals)
    query = "{ viewer { orders(first: 10) { totalCount pageInfo { hasNextPage } nodes { id } } } }"
    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        body = await gateway.query(query)

    orders = body["data"]["viewer"]["orders"]
    assert orders["totalCount"] is None
    # No total and no flag: a full window may have more after it.
    assert len(orders["nodes"]) == 10
    assert orders["pageInfo"]["hasNextPage"] is True


async def test_a_filter_left_to_the_gateway_shares_the_request_of_the_whole_list(
    gateway: Gateway,
) -> None:
    gateway.stack.billing.reset_counts()
    query = """{ viewer { invoices(status: [OVERDUE, UNPAID]) { status }
                          actionItems { kind } } }"""

    body = await gateway.query(query)

    assert "errors" not in body
    assert gateway.stack.billing.requests["invoices.by_account"] == 1
