"""One customer's data is never served to another: not through any field, id or cache."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest

from demo.data import DemoCustomer
from schema.ids import InvalidGlobalId, decode_global_id, encode_global_id
from tests.integration.conftest import Gateway

# Every field a customer can reach from `viewer`, in one document.
EVERYTHING = """{
  viewer {
    profile { id firstName lastName displayName primaryEmail emails { address primary }
              phones { number kind } addresses { kind street city postcode country }
              preferences { language newsletter contactChannel } }
    orders(first: 50) { totalCount edges { cursor node { id number status placedAt
              total { amount currency } timeline { status at }
              items { sku title quantity unitPrice { amount currency } } } } }
    invoices { id number issuedOn dueOn status amount { amount currency } }
    tickets { id number subject status openedAt updatedAt awaitingYourReply }
    cases { id number kind title status steps { position name state } currentStep { name }
            requirements { kind description dueOn } }
    actionItems { kind title dueOn overdue source sourceId }
    organisation { id }
  }
}"""


def identifiers(gateway: Gateway, customer: DemoCustomer) -> set[str]:
    """Strings that belong to `customer` alone: ids in every portal and record numbers."""
    data = gateway.stack.dataset
    ids = {customer.crm_id, customer.shop_no, customer.billing_account, customer.support_party}
    ids |= {customer.email, f'"{customer.last_name}"'}
    ids |= {o.order_no for o in data.orders.get(customer.shop_no, ())}
    ids |= {i.invoice_id for i in data.invoices.get(customer.billing_account, ())}
    ids |= {t.ticket_id for t in data.tickets.get(customer.support_party, ())}
    ids |= {c.case_id for c in data.cases.get(customer.support_party, ())}
    return ids


def _with_decoded_ids(value: Any, out: list[str]) -> None:
    """Collect every string, and the raw ids inside global ids, so hidden ids are seen too."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("id", "sourceId") and isinstance(item, str):
                with contextlib.suppress(InvalidGlobalId):
                    out.append(decode_global_id(item)[1])
            _with_decoded_ids(item, out)
    elif isinstance(value, list):
        for item in value:
            _with_decoded_ids(item, out)
    elif isinstance(value, str):
        out.append(value)


def _customer(gateway: Gateway, subject: str) -> DemoCustomer:
    return next(c for c in gateway.stack.customers if c.subject == subject)


@pytest.mark.parametrize(("me", "other"), [("cust-001", "cust-004"), ("cust-004", "cust-001")])
async def test_no_field_ever_carries_another_customers_data(
    gateway: Gateway, me: str, other: str
) -> None:
    # The other customer goes first, so that anything cached could leak if it were shared.
    await gateway.query(EVERYTHING, other)
    body = await gateway.query(EVERYTHING, me)

    assert "errors" not in body
    strings: list[str] = []
    _with_decoded_ids(body, strings)
    text = json.dumps(body) + "\n".join(strings)
    mine = identifiers(gateway, _customer(gateway, me))
    theirs = identifiers(gateway, _customer(gateway, other)) - mine
    assert theirs, "the test needs identifiers to look for"
    assert [leak for leak in theirs if leak in text] == []
    assert _customer(gateway, me).crm_id in text


async def test_node_never_returns_another_customers_objects(gateway: Gateway) -> None:
    other = _customer(gateway, "cust-004")
    data = gateway.stack.dataset
    foreign = [
        encode_global_id("Profile", other.crm_id),
        encode_global_id("Order", data.orders[other.shop_no][0].order_no),
        encode_global_id("Invoice", data.invoices[other.billing_account][0].invoice_id),
        encode_global_id("Ticket", data.tickets[other.support_party][0].ticket_id),
        encode_global_id("Case", data.cases[other.support_party][0].case_id),
    ]
    for global_id in foreign:
        body = await gateway.query(
            "query($id: ID!) { node(id: $id) { id } }", "cust-001", variables={"id": global_id}
        )
        assert body["data"]["node"] is None, global_id
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"], global_id


async def test_a_forged_token_cannot_borrow_another_customers_links(gateway: Gateway) -> None:
    other = _customer(gateway, "cust-004")
    token = gateway.token("cust-001")
    header, _payload, signature = token.split(".")
    forged_links = gateway.token("cust-001", links={"crm": other.crm_id}).split(".")[1]
    response = await gateway.client.post(
        "/graphql",
        json={"query": "{ viewer { profile { lastName } } }"},
        headers={"Authorization": f"Bearer {header}.{forged_links}.{signature}"},
    )
    assert response.status_code == 401
    assert other.last_name not in response.text
