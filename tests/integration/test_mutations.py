"""Mutations write to the owning portal only and read the result back at once."""

from __future__ import annotations

from tests.integration.conftest import Gateway

UPDATE = """mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) { displayName primaryEmail addresses { city country } }
}"""


async def test_update_profile_writes_to_the_owner_only_and_reads_back(gateway: Gateway) -> None:
    await gateway.query("{ viewer { profile { displayName } } }")  # warm the profile cache
    gateway.reset_counts()

    body = await gateway.query(
        UPDATE,
        variables={
            "input": {
                "firstName": "Grace",
                "emails": [{"address": "grace@example.org", "primary": True}],
            }
        },
    )

    assert "errors" not in body, body
    updated = body["data"]["updateProfile"]
    assert updated["displayName"].startswith("Grace ")
    assert updated["primaryEmail"] == "grace@example.org"
    assert gateway.counts() == {"customers.update": 1}
    again = await gateway.query("{ viewer { profile { displayName primaryEmail } } }")
    assert again["data"]["viewer"]["profile"] == {
        "displayName": updated["displayName"],
        "primaryEmail": "grace@example.org",
    }


async def test_invalid_profile_input_is_refused_before_any_upstream_call(
    gateway: Gateway,
) -> None:
    gateway.reset_counts()

    body = await gateway.query(
        UPDATE, variables={"input": {"emails": [{"address": "not-an-address"}]}}
    )

    assert body["data"]["updateProfile"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "emails.0.address"
    assert gateway.counts() == {}


async def test_empty_profile_change_is_bad_user_input(gateway: Gateway) -> None:
    body = await gateway.query(UPDATE, variables={"input": {}})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_open_ticket_goes_to_support_and_shows_up_in_tickets(gateway: Gateway) -> None:
    before = await gateway.query("{ viewer { tickets { number } } }")
    gateway.reset_counts()

    body = await gateway.query(
        'mutation { openTicket(input: {subject: "Where is my parcel?", message: "SO-1"}) '
        "{ number subject status } }"
    )

    ticket = body["data"]["openTicket"]
    assert ticket["subject"] == "Where is my parcel?"
    assert gateway.counts() == {"soap.OpenTicket": 1}
    after = await gateway.query("{ viewer { tickets { number } } }")
    numbers = {t["number"] for t in after["data"]["viewer"]["tickets"]}
    assert numbers == {t["number"] for t in before["data"]["viewer"]["tickets"]} | {
        ticket["number"]
    }


async def test_open_ticket_validates_subject(gateway: Gateway) -> None:
    body = await gateway.query(
        'mutation($s: String!) { openTicket(input: {subject: $s, message: "hi"}) { number } }',
        variables={"s": "x" * 121},
    )
    assert body["data"]["openTicket"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "subject"


async def test_one_customer_cannot_reach_another_customers_order_by_id(gateway: Gateway) -> None:
    mine = await gateway.query("{ viewer { orders(first: 1) { nodes { id number } } } }")
    order = mine["data"]["viewer"]["orders"]["nodes"][0]

    own = await gateway.query(
        "query($id: ID!) { node(id: $id) { ... on Order { number } } }",
        variables={"id": order["id"]},
    )
    other = await gateway.query(
        "query($id: ID!) { node(id: $id) { ... on Order { number } } }",
        subject="cust-002",
        variables={"id": order["id"]},
    )

    assert own["data"]["node"] == {"number": order["number"]}
    assert other["data"]["node"] is None
    assert [e["extensions"]["code"] for e in other["errors"]] == ["NOT_FOUND"]


async def test_profile_cache_is_per_customer(gateway: Gateway) -> None:
    first = await gateway.query("{ viewer { profile { id lastName } } }", subject="cust-001")
    second = await gateway.query("{ viewer { profile { id lastName } } }", subject="cust-002")
    again = await gateway.query("{ viewer { profile { id lastName } } }", subject="cust-001")

    assert first == again
    assert first["data"]["viewer"]["profile"]["id"] != second["data"]["viewer"]["profile"]["id"]
    customers = {c.subject: c for c in gateway.stack.customers}
    assert second["data"]["viewer"]["profile"]["lastName"] == customers["cust-002"].last_name


async def test_malformed_node_id_is_bad_user_input(gateway: Gateway) -> None:
    body = await gateway.query('{ node(id: "%%%") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
