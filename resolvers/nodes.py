"""`node(id:)`: find an object by global id, only among the viewer's own.

Ownership is checked by construction: invoices, tickets and cases are looked up in the
viewer's own lists (resolvers/viewer_lists.py); an order fetched by id must name the
viewer as its customer. An object that exists but is someone else's is reported exactly
like one that does not exist: the same `NOT_FOUND` error, raised from one place, whatever
the reason. Which types `node` serves is the schema's list of node types, not this module's.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from connectors.errors import RecordNotFound, UpstreamRejected
from connectors.records import OrderRecord, ProfileRecord
from resolvers import viewer
from resolvers._types import Info
from resolvers.errors import NotFound

__all__ = ["Finder", "find_node", "find_order", "find_profile"]

_T = TypeVar("_T")
Finder = Callable[[Info, str], Awaitable[_T | None]]
"""How one node type finds the viewer's own object by its raw id (None: not theirs)."""

_NOT_FOUND = "No object with this id."


async def find_node(info: Info, find: Finder[_T], raw_id: str) -> _T:
    """The viewer's object with `raw_id`, found by `find`; raises NotFound otherwise."""
    viewer.require_principal(info)
    found = await find(info, raw_id)
    if found is None:
        raise NotFound(_NOT_FOUND)
    return found


async def find_profile(info: Info, raw_id: str) -> ProfileRecord | None:
    profile = await viewer.profile(info)
    return profile if profile is not None and profile.customer_id == raw_id else None


async def find_order(info: Info, raw_id: str) -> OrderRecord | None:
    owner_key = await viewer.viewer_key(info, "order")
    if owner_key is None:
        return None
    try:
        order = await info.context.loaders.load("order", raw_id)
    except RecordNotFound:
        return None
    except UpstreamRejected as exc:
        # A portal that checks ownership refuses someone else's order. The connector
        # maps that to not found per key when its batch has `split_on`; this covers a
        # portal registered without it.
        if exc.status == 403:
            return None
        raise
    assert isinstance(order, OrderRecord)
    return order if order.customer_id == owner_key else None
