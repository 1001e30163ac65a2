"""`node(id:)` for several orders in one request, against the real web shop portal.

The shop (with the customer's exchanged token) refuses a whole `ids=` batch with 403 when
one order is someone else's. One customer's answer must never depend on whether another
customer's id exists: their own order comes back, and a foreign id gets exactly the error
an unknown id gets, for the same number of upstream requests.
"""

from __future__ import annotations

from typing import Any

from demo.data import DemoCustomer
from schema.ids import encode_global_id
from tests.integration.conftest import Gateway

TWO_NODES = """
query($own: ID!, $other: ID!) {
  own: node(id: $own) { ... on Order { number } }
  other: node(id: $other) { ... on Order { number } }
}
"""


def _customer(gateway: Gateway, subject: str) -> DemoCustomer:
    return next(c for c in gateway.stack.customers if c.subject == subject)


def _order_id(gateway: Gateway, subject: str) -> tuple[str, str]:
    """(global id, order number) of the customer's most recent order."""
    number = gateway.stack.dataset.orders[_customer(gateway, subject).shop_no][0].order_no
    return encode_global_id("Order", number), number


async def _own_and(gateway: Gateway, other: str) -> tuple[dict[str, Any], int]:
    """The body for the viewer's own order plus `other`, and the shop requests it cost."""
    own_id, _ = _order_id(gateway, "cust-001")
    gateway.reset_counts()
    body = await gateway.query(TWO_NODES, "cust-001", variables={"own": own_id, "other": other})
    return body, gateway.stack.orders.requests["orders.by_ids"]


async def test_own_order_comes_back_beside_a_foreign_one(gateway: Gateway) -> None:
    _, own_number = _order_id(gateway, "cust-001")
    foreign_id, _ = _order_id(gateway, "cust-004")

    body, _ = await _own_and(gateway, foreign_id)

    assert body["data"] == {"own": {"number": own_number}, "other": None}
    assert body["errors"] == [
        {
            "message": "No object with this id.",
            "locations": [{"line": 4, "column": 3}],
            "path": ["other"],
            "extensions": {"code": "NOT_FOUND"},
        }
    ]


async def test_a_foreign_order_id_reads_exactly_like_an_unknown_one(gateway: Gateway) -> None:
    foreign_id, _ = _order_id(gateway, "cust-004")
    unknown_id = encode_global_id("Order", "SO-999999")

    foreign, foreign_calls = await _own_and(gateway, foreign_id)
    unknown, unknown_calls = await _own_and(gateway, unknown_id)

    assert foreign == unknown
    assert foreign["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # The same round trips either way: a foreign id is not told apart by the time it takes.
    assert foreign_calls == unknown_calls


async def test_a_single_foreign_or_unknown_order_is_not_found(gateway: Gateway) -> None:
    foreign_id, _ = _order_id(gateway, "cust-004")
    query = "query($id: ID!) { node(id: $id) { ... on Order { number } } }"

    foreign = await gateway.query(query, "cust-001", variables={"id": foreign_id})
    unknown = await gateway.query(
        query, "cust-001", variables={"id": encode_global_id("Order", "SO-999999")}
    )

    assert foreign == unknown
    assert foreign["data"] == {"node": None}
    assert [e["extensions"]["code"] for e in foreign["errors"]] == ["NOT_FOUND"]
