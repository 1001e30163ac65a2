"""A small legacy-style JSON portal: one customer's orders behind five paging styles, and
invoices that can be filtered by state; it keeps the query of every request it gets.

    GET /pages?page=&size=           {"orders": [...], "more": bool}          no total
    GET /offsets?offset=&limit=      {"orders": [...]}                        no total
    GET /newest?limit=               {"orders": [...]}                        the newest N
    GET /cursor?limit=[&after=]      {"orders": [...], "next": "<cursor>"|null}
    GET /linked?limit=[&from=]       {"orders": [...], "links": {"next": "/linked?..."}}
    GET /invoices[?state=A,B]        {"invoices": [...]}
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

__all__ = ["INVOICES", "ORDERS", "LegacyPortal", "open_legacy_portal"]

ORDERS = [f"SO-{n:03d}" for n in range(23, 0, -1)]  # newest first
INVOICES = [("IN-1", "PAID"), ("IN-2", "OPEN"), ("IN-3", "LATE"), ("IN-4", "PAID")]


def _order(number: str) -> dict[str, Any]:
    return {
        "no": number,
        "customer": "K-1",
        "placed": "2026-11-01T10:00:00Z",
        "state": "shipped",
        "total": {"amount": "10.00", "currency": "EUR"},
    }


@dataclass
class LegacyPortal:
    """The running portal: its base URL and the queries it was sent, by route."""

    url: str
    seen: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _app(portal: LegacyPortal) -> web.Application:
    def query(request: web.Request, route: str) -> dict[str, str]:
        asked = dict(request.query)
        portal.seen.setdefault(route, []).append(asked)
        return asked

    def orders(items: list[str], **extra: Any) -> web.Response:
        return web.json_response({"orders": [_order(n) for n in items], **extra})

    async def pages(request: web.Request) -> web.Response:
        asked = query(request, "pages")
        page, size = int(asked["page"]), int(asked["size"])
        window = ORDERS[(page - 1) * size : page * size]
        return orders(window, more=page * size < len(ORDERS))

    async def offsets(request: web.Request) -> web.Response:
        asked = query(request, "offsets")
        offset, limit = int(asked["offset"]), int(asked["limit"])
        return orders(ORDERS[offset : offset + limit])

    async def newest(request: web.Request) -> web.Response:
        return orders(ORDERS[: int(query(request, "newest")["limit"])])

    async def cursor(request: web.Request) -> web.Response:
        asked = query(request, "cursor")
        start = ORDERS.index(asked["after"]) + 1 if "after" in asked else 0
        window = ORDERS[start : start + int(asked["limit"])]
        more = start + len(window) < len(ORDERS)
        return orders(window, next=window[-1] if more else None)

    async def linked(request: web.Request) -> web.Response:
        asked = query(request, "linked")
        start, limit = int(asked.get("from", "0")), int(asked["limit"])
        window = ORDERS[start : start + limit]
        more = start + limit < len(ORDERS)
        following = f"/linked?from={start + limit}&limit={limit}" if more else None
        return orders(window, links={"next": following})

    async def invoices(request: web.Request) -> web.Response:
        asked = query(request, "invoices")
        states = set(asked["state"].split(",")) if "state" in asked else None
        rendered = [
            {
                "id": number,
                "issued": "2026-10-01",
                "due": "2026-10-31",
                "cents": 1000,
                "currency": "EUR",
                "state": state,
            }
            for number, state in INVOICES
            if states is None or state in states
        ]
        return web.json_response({"invoices": rendered})

    app = web.Application()
    app.router.add_get("/pages", pages)
    app.router.add_get("/offsets", offsets)
    app.router.add_get("/newest", newest)
    app.router.add_get("/cursor", cursor)
    app.router.add_get("/linked", linked)
    app.router.add_get("/invoices", invoices)
    return app


@asynccontextmanager
async def open_legacy_portal() -> AsyncIterator[LegacyPortal]:
    """The portal on 127.0.0.1 (a free port) for the duration of the block."""
    portal = LegacyPortal(url="")
    async with TestServer(_app(portal), host="127.0.0.1", port=0) as server:
        portal.url = str(server.make_url("/"))
        yield portal
