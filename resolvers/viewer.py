"""Reads for the signed-in customer: each asks the loaders for a capability, keyed by the
viewer's id in whichever system owns it.

`viewer_key` is the one way to that id: a capability the registry leaves without an owner
answers like a customer the portal does not know (None: an empty list, a null object),
and a missing id whose token links did not fit the registry is IDENTITY_LINK_INVALID
rather than an empty answer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import TypeVar

from connectors.capabilities import Filters, ListKey, PageKey
from connectors.principal import Principal
from connectors.records import (
    InvoiceRecord,
    InvoiceStatus,
    OrderItemRecord,
    OrderItemsRecord,
    OrderPageRecord,
    ProfileRecord,
    Record,
)
from resolvers._types import Info
from resolvers.errors import BadUserInput, IdentityLinkInvalid, Unauthenticated

__all__ = [
    "MAX_PAGE_SIZE",
    "decode_cursor",
    "encode_cursor",
    "order_items",
    "orders_page",
    "page_offset",
    "profile",
    "require_principal",
    "viewer_key",
    "viewer_record",
    "with_status",
]

MAX_PAGE_SIZE = 50
_LISTED_PROBLEMS = 5  # a token may carry many bad links; the message stays short
_R = TypeVar("_R", bound=Record)


def require_principal(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:
        raise Unauthenticated("Sign in to see this.")
    return principal


async def viewer_key(info: Info, capability: str) -> str | None:
    """The viewer's id in the owner of `capability`; None without an owner or an id there.

    Raises IdentityLinkInvalid when the id is missing and the token had links the
    registry could not use: the missing id is then most likely the misspelt one.
    """
    principal = require_principal(info)
    if not info.context.loaders.serves(capability):
        return None
    key = await info.context.loaders.viewer_key(capability)
    if key is None and principal.link_problems:
        problems = principal.link_problems
        listed = "; ".join(problems[:_LISTED_PROBLEMS])
        more = len(problems) - _LISTED_PROBLEMS
        raise IdentityLinkInvalid(
            f"The token's identity links do not fit this gateway: {listed}"
            + (f"; and {more} more." if more > 0 else ".")
        )
    return key


async def viewer_record(
    info: Info, capability: str, record_type: type[_R], filters: Filters = ()
) -> _R | None:
    """The viewer's record of `capability`, or None if they have no id in its owner.

    With `filters` the owner may filter (the caller still filters what comes back)."""
    key = await viewer_key(info, capability)
    if key is None:
        return None
    record = await info.context.loaders.load(capability, ListKey(key, filters) if filters else key)
    assert isinstance(record, record_type)
    return record


async def profile(info: Info) -> ProfileRecord | None:
    return await viewer_record(info, "profile", ProfileRecord)


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset a cursor stands for; BAD_USER_INPUT for anything we did not issue."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        offset = int(value)
    except (binascii.Error, UnicodeError, ValueError):
        raise BadUserInput("`after` is not a valid cursor.", argument="after") from None
    if prefix != "offset" or offset < 0:
        raise BadUserInput("`after` is not a valid cursor.", argument="after")
    return offset


def page_offset(first: int, after: str | None) -> int:
    """The offset a `first`/`after` window starts at; BAD_USER_INPUT for a bad window."""
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"`first` must be between 1 and {MAX_PAGE_SIZE}.", argument="first")
    return decode_cursor(after) + 1 if after is not None else 0


async def orders_page(info: Info, first: int, after: str | None) -> tuple[OrderPageRecord, int]:
    """One window of the viewer's orders and the offset it starts at."""
    offset = page_offset(first, after)
    key = await viewer_key(info, "orders_by_customer")
    if key is None:
        return OrderPageRecord(orders=(), total_count=0, has_more=False), offset
    record = await info.context.loaders.load("orders_by_customer", PageKey(key, offset, first))
    assert isinstance(record, OrderPageRecord)
    return record, offset


async def order_items(info: Info, order_id: str) -> tuple[OrderItemRecord, ...]:
    if not info.context.loaders.serves("order_items"):
        return ()
    record = await info.context.loaders.load("order_items", order_id)
    assert isinstance(record, OrderItemsRecord)
    return record.items


def with_status(
    invoices: Sequence[InvoiceRecord], status: list[InvoiceStatus] | None
) -> list[InvoiceRecord]:
    """The invoices in one of the `status`es asked for; all of them when none is asked for."""
    wanted = set(status) if status else None
    return [i for i in invoices if wanted is None or i.status in wanted]
