"""The dashboard query over the four real demo portals: data, batching, derived items."""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration.conftest import Gateway

DASHBOARD = """
query Dashboard {
  viewer {
    profile { id displayName firstName lastName primaryEmail addresses { city country } }
    orders(first: 10) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id number status placedAt total { amount currency } timeline { status at }
              items { sku title quantity unitPrice { amount currency } } }
    }
    invoices { id number status dueOn amount { amount currency } }
    tickets { id number subject status awaitingYourReply }
    cases { id number kind title steps { position name state } currentStep { name }
            requirements { kind dueOn } }
    actionItems { kind title dueOn overdue source sourceId }
  }
}
"""

# The upstream request each capability of the dashboard costs, by the portal's route name.
ONE_EACH = {
    "customers.batch": 1,
    "orders.by_customer": 1,
    "order_items.batch": 1,
    "invoices.by_account": 1,
    "soap.GetTickets": 1,
    "soap.GetCases": 1,
}


@pytest.mark.parametrize("subject", ["cust-001", "cust-002", "cust-007", "cust-023", "cust-050"])
async def test_dashboard_serves_each_customer_from_all_four_portals(
    gateway: Gateway, subject: str
) -> None:
    body = await gateway.query(DASHBOARD, subject)

    assert "errors" not in body
    viewer = body["data"]["viewer"]
    customer = next(c for c in gateway.stack.customers if c.subject == subject)
    data = gateway.stack.dataset
    assert viewer["profile"]["firstName"] == customer.first_name
    assert viewer["profile"]["lastName"] == customer.last_name
    assert viewer["orders"]["totalCount"] == len(data.orders.get(customer.shop_no, ()))
    assert len(viewer["orders"]["nodes"]) == min(10, len(data.orders.get(customer.shop_no, ())))
    assert {i["number"] for i in viewer["invoices"]} == {
        i.invoice_id for i in data.invoices.get(customer.billing_account, ())
    }
    assert {t["number"] for t in viewer["tickets"]} == {
        t.ticket_id for t in data.tickets.get(customer.support_party, ())
    }
    assert {c["number"] for c in viewer["cases"]} == {
        c.case_id for c in data.cases.get(customer.support_party, ())
    }


async def test_dashboard_makes_one_upstream_request_per_capability(gateway: Gateway) -> None:
    gateway.reset_counts()

    body = await gateway.query(DASHBOARD, "cust-001")

    assert "errors" not in body
    assert len(body["data"]["viewer"]["orders"]["nodes"]) == 10
    assert gateway.counts() == ONE_EACH


async def test_action_items_come_from_the_same_loads_at_no_extra_cost(gateway: Gateway) -> None:
    gateway.reset_counts()
    body = await gateway.query(
        "{ viewer { invoices { number } tickets { number } cases { number }"
        " actionItems { kind source overdue dueOn sourceId } } }"
    )
    items = body["data"]["viewer"]["actionItems"]

    assert gateway.counts() == {"invoices.by_account": 1, "soap.GetTickets": 1, "soap.GetCases": 1}
    kinds = {item["kind"] for item in items}
    assert "PAY_INVOICE" in kinds
    assert "ANSWER_TICKET" in kinds
    assert kinds & {"UPLOAD_DOCUMENT", "SIGN_FORM", "PROVIDE_INFORMATION"}
    assert any(item["overdue"] for item in items if item["kind"] == "PAY_INVOICE")
    dated = [date.fromisoformat(i["dueOn"]) for i in items if i["dueOn"] is not None]
    assert dated == sorted(dated)
    assert all(i["dueOn"] is None for i in items[len(dated) :])


async def test_action_item_points_at_its_source_through_node(gateway: Gateway) -> None:
    body = await gateway.query("{ viewer { actionItems { kind sourceId } } }")
    pay = next(i for i in body["data"]["viewer"]["actionItems"] if i["kind"] == "PAY_INVOICE")

    node = await gateway.query(
        "query($id: ID!) { node(id: $id) { id ... on Invoice { status } } }",
        variables={"id": pay["sourceId"]},
    )

    assert node["data"]["node"]["id"] == pay["sourceId"]
    assert node["data"]["node"]["status"] in ("UNPAID", "OVERDUE")


async def test_orders_page_forward_with_cursors(gateway: Gateway) -> None:
    page = (
        "query($after: String) { viewer { orders(first: 10, after: $after) {"
        " totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { number } } } }"
    )
    first = (await gateway.query(page))["data"]["viewer"]["orders"]
    second = (await gateway.query(page, variables={"after": first["pageInfo"]["endCursor"]}))[
        "data"
    ]["viewer"]["orders"]

    customer = gateway.stack.customers[0]
    expected = [o.order_no for o in gateway.stack.dataset.orders.get(customer.shop_no, ())]
    assert [o["number"] for o in first["nodes"]] == expected[:10]
    assert [o["number"] for o in second["nodes"]] == expected[10:20]
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert second["pageInfo"]["hasPreviousPage"] is True
    assert second["pageInfo"]["hasNextPage"] is (len(expected) > 20)


async def test_a_bad_cursor_or_page_size_is_bad_user_input(gateway: Gateway) -> None:
    body = await gateway.query('{ viewer { orders(first: 5, after: "nonsense!") { totalCount } } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gateway.query("{ viewer { orders(first: 500) { totalCount } } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["data"]["viewer"]["orders"] is None


async def test_invoices_filter_by_status(gateway: Gateway) -> None:
    body = await gateway.query("{ viewer { invoices(status: [OVERDUE]) { status } } }")
    statuses = {i["status"] for i in body["data"]["viewer"]["invoices"]}
    assert statuses == {"OVERDUE"}
