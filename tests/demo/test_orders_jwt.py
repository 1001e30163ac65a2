"""OrdersPortal in JWT mode over real sockets: the issuer's tokens, per-customer access,
organisation orders, and the static back-office token alongside."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from demo.data import DemoCustomer, DemoDataset
from demo.issuer import DevIssuer
from demo.portals.orders import OrdersPortal
from tests.demo.harness import ORDERS_TOKEN
from tests.demo.oidc import exchange

AUDIENCE = "orders-portal"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def customer_token(issuer: DevIssuer, subject: str, **claims: Any) -> str:
    return issuer.issue_token(subject, **{"aud": AUDIENCE, **claims})


async def get(
    session: aiohttp.ClientSession,
    url: str,
    token: str,
    params: dict[str, str] | None = None,
) -> tuple[int, Any]:
    async with session.get(url, params=params, headers=bearer(token)) as resp:
        return resp.status, await resp.json()


def order_numbers(dataset: DemoDataset, customer: DemoCustomer, count: int = 2) -> list[str]:
    return [o.order_no for o in dataset.orders[customer.shop_no][:count]]


async def test_a_customer_reads_their_own_orders_with_an_exchanged_token(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    status, body = await exchange(
        session, issuer, issuer.issue_token("cust-001"), audience=AUDIENCE
    )
    assert status == 200
    url = f"{orders_jwt.url}/shop/customers/{customers[0].shop_no}/orders"
    status, page = await get(session, url, body["access_token"])
    assert status == 200
    assert page["total"] > 20
    assert {o["customerNo"] for o in page["orders"]} == {customers[0].shop_no}


async def test_another_customers_orders_are_forbidden(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    url = f"{orders_jwt.url}/shop/customers/{customers[1].shop_no}/orders"
    status, body = await get(session, url, customer_token(issuer, "cust-001"))
    assert (status, body) == (403, {"message": "forbidden"})


async def test_orders_and_items_by_id_only_for_the_customers_own_orders(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    dataset: DemoDataset,
    customers: list[DemoCustomer],
) -> None:
    token = customer_token(issuer, "cust-001")
    mine = order_numbers(dataset, customers[0])
    theirs = order_numbers(dataset, customers[1], 1)
    by_ids, items = f"{orders_jwt.url}/shop/orders", f"{orders_jwt.url}/shop/order-items"

    status, body = await get(session, by_ids, token, {"ids": ",".join([*mine, "SO-000000"])})
    assert status == 200
    assert [o["orderNo"] for o in body["orders"]] == mine
    status, body = await get(session, items, token, {"orders": ",".join(mine)})
    assert status == 200
    assert {i["orderNo"] for i in body["items"]} == set(mine)

    for url, name in ((by_ids, "ids"), (items, "orders")):
        status, body = await get(session, url, token, {name: ",".join([*mine, *theirs])})
        assert (status, body) == (403, {"message": "forbidden"})


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "portalgate"},
        {"aud": "support-portal"},
        {"exp": 1},
        {"iss": "http://127.0.0.1:1"},
    ],
    ids=["issuer-audience", "other-portal", "expired", "other-issuer"],
)
async def test_a_token_not_meant_for_the_shop_is_a_401(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
    claims: dict[str, Any],
) -> None:
    url = f"{orders_jwt.url}/shop/customers/{customers[0].shop_no}/orders"
    async with session.get(url, headers=bearer(customer_token(issuer, "cust-001", **claims))) as r:
        assert r.status == 401
        assert await r.json() == {"message": "unauthorized"}
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


async def test_a_tampered_token_is_a_401(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    header, _, signature = customer_token(issuer, "cust-001").split(".")
    forged = f"{header}.{customer_token(issuer, 'cust-002').split('.')[1]}.{signature}"
    url = f"{orders_jwt.url}/shop/customers/{customers[1].shop_no}/orders"
    status, _ = await get(session, url, forged)
    assert status == 401


async def test_the_static_token_still_reads_every_customer(
    session: aiohttp.ClientSession, orders_jwt: OrdersPortal, customers: list[DemoCustomer]
) -> None:
    for customer in customers[:3]:
        url = f"{orders_jwt.url}/shop/customers/{customer.shop_no}/orders"
        status, _ = await get(session, url, ORDERS_TOKEN)
        assert status == 200


async def test_keys_are_fetched_once_and_again_after_a_rotation(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    url = f"{orders_jwt.url}/shop/customers/{customers[0].shop_no}/orders"
    for _ in range(3):
        assert (await get(session, url, customer_token(issuer, "cust-001")))[0] == 200
    assert issuer.requests["jwks"] == 1
    issuer.rotate_key()
    assert (await get(session, url, customer_token(issuer, "cust-001")))[0] == 200
    assert issuer.requests["jwks"] == 2
    assert issuer.requests["discovery"] == 2


async def test_a_jwt_only_shop_refuses_other_bearers(
    session: aiohttp.ClientSession,
    dataset: DemoDataset,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    async with OrdersPortal(dataset, jwt_issuer=issuer.url) as portal:
        url = f"{portal.url}/shop/customers/{customers[0].shop_no}/orders"
        assert (await get(session, url, ORDERS_TOKEN))[0] == 401
        assert (await get(session, url, customer_token(issuer, "cust-001")))[0] == 200
    with pytest.raises(ValueError, match="token"):
        OrdersPortal(dataset)


async def test_an_unreachable_issuer_is_a_503(
    session: aiohttp.ClientSession,
    dataset: DemoDataset,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    async with OrdersPortal(dataset, jwt_issuer=issuer.url) as portal:
        token = customer_token(issuer, "cust-001")
        await issuer.aclose()
        url = f"{portal.url}/shop/customers/{customers[0].shop_no}/orders"
        status, body = await get(session, url, token)
    assert (status, body) == (503, {"message": "identity provider unavailable"})


def members(dataset: DemoDataset, organisation: str) -> list[DemoCustomer]:
    return [c for c in dataset.customers if c.tenant == organisation]


async def test_an_org_admin_reads_the_organisations_orders(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    dataset: DemoDataset,
) -> None:
    staff = members(dataset, "org-acme")
    admin = next(c for c in staff if c.org_role == "admin")
    token = customer_token(issuer, admin.subject)
    url = f"{orders_jwt.url}/shop/organisations/org-acme/orders"
    status, first = await get(session, url, token, {"page": "1", "size": "100"})
    assert status == 200
    expected = sum(len(dataset.orders.get(c.shop_no, ())) for c in staff)
    assert first["total"] == expected
    assert (first["page"], first["size"]) == (1, 100)
    listed = first["orders"]
    assert {o["customerNo"] for o in listed} == {
        c.shop_no for c in staff if dataset.orders.get(c.shop_no)
    }
    placed = [o["placedAt"] for o in listed]
    assert placed == sorted(placed, reverse=True)
    assert set(listed[0]) == {"orderNo", "customerNo", "placedAt", "status", "total", "history"}
    assert orders_jwt.requests["orders.by_organisation"] == 1

    # ... and may open any of them.
    member_order = next(o["orderNo"] for o in listed if o["customerNo"] != admin.shop_no)
    items = f"{orders_jwt.url}/shop/order-items"
    assert (await get(session, items, token, {"orders": member_order}))[0] == 200


async def test_org_orders_are_forbidden_to_members_and_other_organisations(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    dataset: DemoDataset,
) -> None:
    acme = members(dataset, "org-acme")
    member = next(c for c in acme if c.org_role == "member")
    other_admin = next(
        c for c in dataset.customers if c.tenant not in {None, "org-acme"} and c.org_role == "admin"
    )
    url = f"{orders_jwt.url}/shop/organisations/org-acme/orders"
    for subject in (member.subject, other_admin.subject, "cust-001"):
        status, body = await get(session, url, customer_token(issuer, subject))
        assert (status, body) == (403, {"message": "forbidden"})
    status, body = await get(session, url, ORDERS_TOKEN)
    assert status == 200
    status, body = await get(
        session, f"{orders_jwt.url}/shop/organisations/org-none/orders", ORDERS_TOKEN
    )
    assert (status, body["total"]) == (200, 0)
    status, _ = await get(session, url, ORDERS_TOKEN, {"size": "0"})
    assert status == 400


async def test_a_key_set_with_rsa_and_ec_keys_accepts_tokens_signed_with_either(
    session: aiohttp.ClientSession,
    orders_jwt: OrdersPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    signed_rsa = customer_token(issuer, "cust-001")
    issuer.rotate_key("ES256")  # the key set now holds an RSA and an EC key
    signed_ec = customer_token(issuer, "cust-001")
    assert {key["kty"] for key in issuer.jwks()["keys"]} == {"RSA", "EC"}
    url = f"{orders_jwt.url}/shop/customers/{customers[0].shop_no}/orders"

    for token in (signed_rsa, signed_ec):
        status, page = await get(session, url, token)
        assert status == 200, page
        assert page["total"] > 0
