"""The web shop: orders over JSON REST, keyed by shop customer number and order number.

    GET /shop/customers/{customerNo}/orders?page=1&size=20   orders.by_customer
    GET /shop/orders?ids=SO-100045,SO-100046                 orders.by_ids
    GET /shop/order-items?orders=SO-100045,SO-100046         order_items.batch

Every /shop route needs `Authorization: Bearer <token>`; errors are `{"message": ...}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from aiohttp import web

from demo.data import DemoDataset, Order
from demo.portals.base import MAX_BATCH, DemoPortal, Knobs, format_instant, same_secret, split_ids

__all__ = ["OrdersPortal"]

_MAX_PAGE_SIZE = 100


class OrdersPortal(DemoPortal):
    """Simulated web shop (read-only)."""

    def __init__(
        self,
        dataset: DemoDataset,
        *,
        token: str,
        knobs: Knobs | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(dataset, knobs=knobs, seed=seed)
        self._token = token
        self._by_no = {o.order_no: o for orders in dataset.orders.values() for o in orders}

    def _api_routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get(
                "/shop/customers/{customerNo}/orders",
                self._customer_orders,
                name="orders.by_customer",
            ),
            web.get("/shop/orders", self._orders_by_ids, name="orders.by_ids"),
            web.get("/shop/order-items", self._order_items, name="order_items.batch"),
        ]

    def failure_response(self, status: int) -> web.Response:
        return _error(status, "simulated failure")

    def _authorised(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and same_secret(token.strip(), self._token)

    async def _customer_orders(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "unauthorized")
        try:
            page = int(request.query.get("page", "1"))
            size = int(request.query.get("size", "20"))
        except ValueError:
            return _error(400, "page and size must be integers")
        if page < 1 or not 1 <= size <= _MAX_PAGE_SIZE:
            return _error(400, f"page must be >= 1 and size 1..{_MAX_PAGE_SIZE}")
        orders = self.dataset.orders.get(request.match_info["customerNo"], ())
        window = orders[(page - 1) * size : page * size]
        return web.json_response(
            {
                "page": page,
                "size": size,
                "total": len(orders),
                "orders": [_render(o) for o in window],
            }
        )

    async def _orders_by_ids(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "unauthorized")
        ids = split_ids(request.query.get("ids"))
        if not ids or len(ids) > MAX_BATCH:
            return _error(400, f"ids must list 1 to {MAX_BATCH} order numbers")
        found = [_render(self._by_no[i]) for i in ids if i in self._by_no]
        return web.json_response({"orders": found})

    async def _order_items(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "unauthorized")
        ids = split_ids(request.query.get("orders"))
        if not ids or len(ids) > MAX_BATCH:
            return _error(400, f"orders must list 1 to {MAX_BATCH} order numbers")
        items = [
            {
                "orderNo": order_no,
                "sku": line.sku,
                "title": line.title,
                "qty": line.qty,
                "unitPrice": _money(line.unit_price, self._by_no[order_no].currency),
            }
            for order_no in ids
            if order_no in self._by_no
            for line in self._by_no[order_no].items
        ]
        return web.json_response({"items": items})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currency": currency}


def _render(order: Order) -> dict[str, Any]:
    return {
        "orderNo": order.order_no,
        "customerNo": order.customer_no,
        "placedAt": format_instant(order.placed_at),
        "status": order.status,
        "total": _money(order.total, order.currency),
        "history": [{"status": e.status, "at": format_instant(e.at)} for e in order.history],
    }
