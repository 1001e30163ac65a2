"""OrdersPortal over real sockets: pagination, lookups by id, item batches, auth."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from demo.data import DemoCustomer, DemoDataset
from demo.portals.orders import OrdersPortal
from tests.demo.harness import ORDERS_TOKEN

AUTH = {"Authorization": f"Bearer {ORDERS_TOKEN}"}


async def get(
    session: aiohttp.ClientSession, url: str, params: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with session.get(url, params=params, headers=AUTH) as resp:
        return resp.status, await resp.json()


async def test_orders_are_paged_newest_first(
    session: aiohttp.ClientSession, orders: OrdersPortal, customers: list[DemoCustomer]
) -> None:
    url = f"{orders.url}/shop/customers/{customers[0].shop_no}/orders"
    _, first = await get(session, url, {"page": "1", "size": "20"})
    _, second = await get(session, url, {"page": "2", "size": "20"})
    total = first["total"]
    assert total > 20
    assert (first["page"], first["size"], second["page"]) == (1, 20, 2)
    assert len(first["orders"]) == 20
    assert len(second["orders"]) == total - 20
    pages = first["orders"] + second["orders"]
    assert len({o["orderNo"] for o in pages}) == total
    placed = [o["placedAt"] for o in pages]
    assert placed == sorted(placed, reverse=True)
    order = first["orders"][0]
    assert order["customerNo"] == customers[0].shop_no
    assert set(order) == {"orderNo", "customerNo", "placedAt", "status", "total", "history"}
    assert set(order["total"]) == {"amount", "currency"}
    assert order["history"][-1]["status"] == order["status"]
    assert orders.requests["orders.by_customer"] == 2


async def test_default_page_is_the_first_twenty(
    session: aiohttp.ClientSession, orders: OrdersPortal, customers: list[DemoCustomer]
) -> None:
    status, body = await get(session, f"{orders.url}/shop/customers/{customers[0].shop_no}/orders")
    assert status == 200
    assert (body["page"], body["size"], len(body["orders"])) == (1, 20, 20)


@pytest.mark.parametrize(
    "params",
    [{"size": "0"}, {"size": "101"}, {"page": "0"}, {"page": "one"}],
)
async def test_bad_window_is_a_400(
    session: aiohttp.ClientSession,
    orders: OrdersPortal,
    customers: list[DemoCustomer],
    params: dict[str, str],
) -> None:
    url = f"{orders.url}/shop/customers/{customers[0].shop_no}/orders"
    status, body = await get(session, url, params)
    assert status == 400
    assert "message" in body


async def test_unknown_customer_has_no_orders(
    session: aiohttp.ClientSession, orders: OrdersPortal
) -> None:
    status, body = await get(session, f"{orders.url}/shop/customers/000000/orders")
    assert status == 200
    assert (body["total"], body["orders"]) == (0, [])


async def test_orders_by_ids_omit_unknown(
    session: aiohttp.ClientSession, orders: OrdersPortal, dataset: DemoDataset
) -> None:
    known = [o.order_no for o in dataset.orders[dataset.customers[0].shop_no][:2]]
    status, body = await get(
        session, f"{orders.url}/shop/orders", {"ids": ",".join([known[0], "SO-000000", known[1]])}
    )
    assert status == 200
    assert [o["orderNo"] for o in body["orders"]] == known


async def test_items_of_many_orders_come_in_one_request(
    session: aiohttp.ClientSession, orders: OrdersPortal, dataset: DemoDataset
) -> None:
    wanted = dataset.orders[dataset.customers[0].shop_no][:5]
    params = {"orders": ",".join(o.order_no for o in wanted)}
    status, body = await get(session, f"{orders.url}/shop/order-items", params)
    assert status == 200
    assert orders.requests["order_items.batch"] == 1
    assert orders.requests_total == 1
    assert len(body["items"]) == sum(len(o.items) for o in wanted)
    assert {i["orderNo"] for i in body["items"]} == {o.order_no for o in wanted}
    item = body["items"][0]
    assert set(item) == {"orderNo", "sku", "title", "qty", "unitPrice"}
    assert item["unitPrice"]["currency"] == "EUR"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ORDERS_TOKEN}]
)
async def test_missing_or_wrong_token_is_a_401(
    session: aiohttp.ClientSession, orders: OrdersPortal, headers: dict[str, str]
) -> None:
    async with session.get(f"{orders.url}/shop/orders?ids=SO-100001", headers=headers) as resp:
        assert resp.status == 401
        assert await resp.json() == {"message": "unauthorized"}
