"""DemoServer lifecycle: start, url, refuse/accept, idempotent close."""

from __future__ import annotations

import aiohttp
import pytest

from demo.data import DemoDataset
from demo.portals.orders import OrdersPortal
from tests.demo.harness import ORDERS_TOKEN


async def test_url_exists_only_while_started(dataset: DemoDataset) -> None:
    portal = OrdersPortal(dataset, token=ORDERS_TOKEN)
    with pytest.raises(RuntimeError):
        _ = portal.url
    await portal.start()
    assert portal.url.startswith("http://127.0.0.1:")
    await portal.aclose()
    with pytest.raises(RuntimeError):
        _ = portal.url


async def test_aclose_is_idempotent_and_safe_before_start(dataset: DemoDataset) -> None:
    portal = OrdersPortal(dataset, token=ORDERS_TOKEN)
    await portal.aclose()
    await portal.start()
    await portal.aclose()
    await portal.aclose()


async def test_start_twice_is_an_error(dataset: DemoDataset) -> None:
    async with OrdersPortal(dataset, token=ORDERS_TOKEN) as portal:
        with pytest.raises(RuntimeError):
            await portal.start()


async def test_refuse_and_accept_need_a_started_server(dataset: DemoDataset) -> None:
    portal = OrdersPortal(dataset, token=ORDERS_TOKEN)
    with pytest.raises(RuntimeError):
        await portal.refuse_connections()
    with pytest.raises(RuntimeError):
        await portal.accept_connections()


async def test_refuse_and_accept_are_idempotent(
    session: aiohttp.ClientSession, orders: OrdersPortal
) -> None:
    await orders.refuse_connections()
    await orders.refuse_connections()
    await orders.accept_connections()
    await orders.accept_connections()
    async with session.get(f"{orders.url}/health") as resp:
        assert resp.status == 200


async def test_closed_server_refuses_connections(
    session: aiohttp.ClientSession, dataset: DemoDataset
) -> None:
    async with OrdersPortal(dataset, token=ORDERS_TOKEN) as portal:
        url = portal.url
    with pytest.raises(aiohttp.ClientConnectorError):
        await session.get(f"{url}/health")


def test_build_app_serves_the_same_portal(dataset: DemoDataset) -> None:
    portal = OrdersPortal(dataset, token=ORDERS_TOKEN)
    names = {r.name for r in portal.build_app().router.resources()}
    assert {"health", "orders.by_customer", "orders.by_ids", "order_items.batch"} <= names
