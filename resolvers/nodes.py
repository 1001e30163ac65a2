"""`node(id:)`: find an object by global id, only among the viewer's own.

Ownership is checked by construction: invoices, tickets and cases are looked up in the
viewer's own lists; an order fetched by id must name the viewer as its customer. An object
that exists but is someone else's is reported exactly like one that does not exist: the
same `NOT_FOUND` error, raised from one place, whatever the reason.
"""

from __future__ import annotations

from connectors.errors import RecordNotFound, UpstreamRejected
from connectors.records import OrderRecord, Record
from resolvers import viewer
from resolvers._types import Info
from resolvers.errors import NotFound

__all__ = ["NODE_TYPES", "find_node"]

NODE_TYPES = ("Profile", "Order", "Invoice", "Ticket", "Case")

_NOT_FOUND = "No object with this id."


async def find_node(info: Info, type_name: str, raw_id: str) -> Record:
    """The viewer's record of `type_name` with `raw_id`; raises NotFound otherwise."""
    viewer.require_principal(info)
    record = await _own_record(info, type_name, raw_id)
    if record is None:
        raise NotFound(_NOT_FOUND)
    return record


async def _own_record(info: Info, type_name: str, raw_id: str) -> Record | None:
    match type_name:
        case "Profile":
            profile = await viewer.profile(info)
            return profile if profile is not None and profile.customer_id == raw_id else None
        case "Order":
            owner_key = await info.context.loaders.viewer_key("order")
            if owner_key is None:
                return None
            try:
                order = await info.context.loaders.load("order", raw_id)
            except RecordNotFound:
                return None
            except UpstreamRejected as exc:
                # A portal that checks ownership refuses someone else's order. The
                # connector maps that to not found per key when its batch has
                # `split_on`; this covers a portal registered without it.
                if exc.status == 403:
                    return None
                raise
            assert isinstance(order, OrderRecord)
            return order if order.customer_id == owner_key else None
        case "Invoice":
            return next((i for i in await viewer.invoices(info) if i.invoice_id == raw_id), None)
        case "Ticket":
            return next((t for t in await viewer.tickets(info) if t.ticket_id == raw_id), None)
        case "Case":
            return next((c for c in await viewer.cases(info) if c.case_id == raw_id), None)
    return None
