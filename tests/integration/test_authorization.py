"""Authorization declared on the schema: organisation admins, members, consumers, employees."""

from __future__ import annotations

from demo.data import DemoCustomer
from tests.integration.conftest import Gateway

ORG = """{ viewer { organisation { id
  orders(first: 50) { totalCount nodes { number } }
  invoices { number } } orders(first: 50) { totalCount } } }"""


def _org(gateway: Gateway, role: str) -> tuple[DemoCustomer, list[DemoCustomer]]:
    person = next(c for c in gateway.stack.customers if c.org_role == role)
    members = [c for c in gateway.stack.customers if c.tenant == person.tenant]
    return person, members


async def test_an_organisation_admin_sees_all_members_orders_and_invoices(gateway: Gateway) -> None:
    admin, members = _org(gateway, "admin")
    data = gateway.stack.dataset

    body = await gateway.query(ORG, admin.subject)

    assert "errors" not in body, body
    organisation = body["data"]["viewer"]["organisation"]
    assert organisation["id"] == admin.tenant
    expected_orders = sum(len(data.orders.get(m.shop_no, ())) for m in members)
    assert organisation["orders"]["totalCount"] == expected_orders
    assert len(members) > 1
    assert body["data"]["viewer"]["orders"]["totalCount"] == len(data.orders.get(admin.shop_no, ()))


async def test_a_member_sees_only_their_own_orders(gateway: Gateway) -> None:
    member, _ = _org(gateway, "member")
    gateway.reset_counts()

    body = await gateway.query(ORG, member.subject)

    organisation = body["data"]["viewer"]["organisation"]
    assert organisation["id"] == member.tenant
    assert organisation["orders"] is None
    assert organisation["invoices"] is None
    codes = {(e["path"][-1], e["extensions"]["code"]) for e in body["errors"]}
    assert codes == {("orders", "FORBIDDEN"), ("invoices", "FORBIDDEN")}
    own = len(gateway.stack.dataset.orders.get(member.shop_no, ()))
    assert body["data"]["viewer"]["orders"]["totalCount"] == own
    assert "orders.by_organisation" not in gateway.counts()
    assert "invoices.by_organisation" not in gateway.counts()


async def test_a_consumer_has_no_organisation(gateway: Gateway) -> None:
    body = await gateway.query("{ viewer { organisation { id } } }", "cust-001")
    assert body["data"]["viewer"]["organisation"] is None
    assert "errors" not in body


async def test_viewer_without_a_token_is_401_and_never_reaches_a_resolver(gateway: Gateway) -> None:
    response = await gateway.client.post("/graphql", json={"query": ORG})
    assert response.status_code == 401
