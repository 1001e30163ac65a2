"""The web shop: orders over JSON REST, keyed by shop customer number and order number.

    GET /shop/customers/{customerNo}/orders?page=1&size=20   orders.by_customer
    GET /shop/organisations/{org}/orders?page=1&size=20      orders.by_organisation
    GET /shop/orders?ids=SO-100045,SO-100046                 orders.by_ids
    GET /shop/order-items?orders=SO-100045,SO-100046         order_items.batch

Every /shop route needs `Authorization: Bearer <token>`; errors are `{"message": ...}`.
Two kinds of token are accepted, each only if configured:

    static `token`     the back office: every customer's orders
    JWT (`jwt_issuer`)  one customer: RS256 from the issuer, `aud` in `jwt_audiences`;
                        only the orders of `links.orders`; an `org_admin` also those of
                        the members of `tenant`, and the organisation's order list

A missing or invalid token is a 401, a valid token asking for someone else's orders a
403 for the whole request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web

from demo.data import DemoDataset, Order
from demo.portals.base import MAX_BATCH, DemoPortal, Knobs, format_instant, same_secret, split_ids
from demo.portals.bearer import (
    ISSUER_KEYS,
    InvalidBearer,
    IssuerUnavailable,
    bearer_token,
    issuer_keys_context,
)
from demo.server import CleanupContext

__all__ = ["OrdersPortal"]

_MAX_PAGE_SIZE = 100
_ORG_ADMIN = "org_admin"


@dataclass(frozen=True)
class _Caller:
    """Who is asking: the back office (static token) or one signed-on customer (JWT)."""

    back_office: bool
    customer_no: str | None = None
    tenant: str | None = None
    roles: frozenset[str] = frozenset()

    def administers(self, organisation: str) -> bool:
        return self.back_office or (self.tenant == organisation and _ORG_ADMIN in self.roles)


class OrdersPortal(DemoPortal):
    """Simulated web shop (read-only). Give `token`, `jwt_issuer` or both."""

    def __init__(
        self,
        dataset: DemoDataset,
        *,
        token: str | None = None,
        jwt_issuer: str | None = None,
        jwt_audiences: tuple[str, ...] = ("orders-portal",),
        knobs: Knobs | None = None,
        seed: int = 0,
    ) -> None:
        if token is None and jwt_issuer is None:
            raise ValueError("OrdersPortal needs a static token, a jwt_issuer or both")
        super().__init__(dataset, knobs=knobs, seed=seed)
        self._token = token
        self._jwt_issuer = jwt_issuer
        self._jwt_audiences = jwt_audiences
        self._by_no = {o.order_no: o for orders in dataset.orders.values() for o in orders}
        members: dict[str, set[str]] = {}
        for customer in dataset.customers:
            if customer.tenant is not None:
                members.setdefault(customer.tenant, set()).add(customer.shop_no)
        self._members = {org: frozenset(nos) for org, nos in members.items()}
        self._by_org = {
            org: tuple(
                sorted(
                    (o for no in nos for o in dataset.orders.get(no, ())),
                    key=lambda o: (o.placed_at, o.order_no),
                    reverse=True,
                )
            )
            for org, nos in self._members.items()
        }

    def _api_routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get(
                "/shop/customers/{customerNo}/orders",
                self._customer_orders,
                name="orders.by_customer",
            ),
            web.get(
                "/shop/organisations/{org}/orders",
                self._organisation_orders,
                name="orders.by_organisation",
            ),
            web.get("/shop/orders", self._orders_by_ids, name="orders.by_ids"),
            web.get("/shop/order-items", self._order_items, name="order_items.batch"),
        ]

    def _cleanup_contexts(self) -> Iterable[CleanupContext]:
        return () if self._jwt_issuer is None else (issuer_keys_context(self._jwt_issuer),)

    def failure_response(self, status: int) -> web.Response:
        return _error(status, "simulated failure")

    async def _authenticate(self, request: web.Request) -> _Caller | web.Response:
        token = bearer_token(request)
        if token is None:
            return _unauthorized()
        if self._token is not None and same_secret(token, self._token):
            return _Caller(back_office=True)
        if self._jwt_issuer is None:
            return _unauthorized()
        try:
            claims = await request.app[ISSUER_KEYS].verify(token, self._jwt_audiences)
        except InvalidBearer:
            return _unauthorized(invalid_token=True)
        except IssuerUnavailable:
            return _error(503, "identity provider unavailable")
        links = claims.get("links")
        customer_no = links.get("orders") if isinstance(links, dict) else None
        roles = claims.get("roles")
        tenant = claims.get("tenant")
        return _Caller(
            back_office=False,
            customer_no=customer_no if isinstance(customer_no, str) else None,
            tenant=tenant if isinstance(tenant, str) else None,
            roles=frozenset(r for r in roles if isinstance(r, str))
            if isinstance(roles, list)
            else frozenset(),
        )

    def _may_read(self, caller: _Caller, orders: Iterable[Order]) -> bool:
        if caller.back_office:
            return True
        readable = {caller.customer_no} if caller.customer_no else set()
        if caller.tenant is not None and _ORG_ADMIN in caller.roles:
            readable |= self._members.get(caller.tenant, frozenset())
        return all(o.customer_no in readable for o in orders)

    async def _customer_orders(self, request: web.Request) -> web.Response:
        caller = await self._authenticate(request)
        if isinstance(caller, web.Response):
            return caller
        customer_no = request.match_info["customerNo"]
        if not caller.back_office and caller.customer_no != customer_no:
            return _error(403, "forbidden")
        return _page(request, self.dataset.orders.get(customer_no, ()))

    async def _organisation_orders(self, request: web.Request) -> web.Response:
        caller = await self._authenticate(request)
        if isinstance(caller, web.Response):
            return caller
        organisation = request.match_info["org"]
        if not caller.administers(organisation):
            return _error(403, "forbidden")
        return _page(request, self._by_org.get(organisation, ()))

    async def _orders_by_ids(self, request: web.Request) -> web.Response:
        caller = await self._authenticate(request)
        if isinstance(caller, web.Response):
            return caller
        ids = split_ids(request.query.get("ids"))
        if not ids or len(ids) > MAX_BATCH:
            return _error(400, f"ids must list 1 to {MAX_BATCH} order numbers")
        found = [self._by_no[i] for i in ids if i in self._by_no]
        if not self._may_read(caller, found):
            return _error(403, "forbidden")
        return web.json_response({"orders": [_render(o) for o in found]})

    async def _order_items(self, request: web.Request) -> web.Response:
        caller = await self._authenticate(request)
        if isinstance(caller, web.Response):
            return caller
        ids = split_ids(request.query.get("orders"))
        if not ids or len(ids) > MAX_BATCH:
            return _error(400, f"orders must list 1 to {MAX_BATCH} order numbers")
        found = [self._by_no[i] for i in ids if i in self._by_no]
        if not self._may_read(caller, found):
            return _error(403, "forbidden")
        items = [
            {
                "orderNo": order.order_no,
                "sku": line.sku,
                "title": line.title,
                "qty": line.qty,
                "unitPrice": _money(line.unit_price, order.currency),
            }
            for order in found
            for line in order.items
        ]
        return web.json_response({"items": items})


def _page(request: web.Request, orders: Sequence[Order]) -> web.Response:
    try:
        page = int(request.query.get("page", "1"))
        size = int(request.query.get("size", "20"))
    except ValueError:
        return _error(400, "page and size must be integers")
    if page < 1 or not 1 <= size <= _MAX_PAGE_SIZE:
        return _error(400, f"page must be >= 1 and size 1..{_MAX_PAGE_SIZE}")
    window = orders[(page - 1) * size : page * size]
    return web.json_response(
        {"page": page, "size": size, "total": len(orders), "orders": [_render(o) for o in window]}
    )


def _unauthorized(*, invalid_token: bool = False) -> web.Response:
    challenge = 'Bearer realm="shop"' + (', error="invalid_token"' if invalid_token else "")
    return web.json_response(
        {"message": "unauthorized"}, status=401, headers={"WWW-Authenticate": challenge}
    )


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
