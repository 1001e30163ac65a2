"""The catalog of capabilities: what the schema needs, named for the customer.

Each capability has a key type and a record type. Reads are batched by key; writes take
one key and a payload. Which connector serves a capability (its owner) is the registry's
decision, never this catalog's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from connectors import records

__all__ = ["CAPABILITIES", "Capability", "Key", "PageKey", "capability"]


class PageKey(NamedTuple):
    """Key of a paged capability: the owner's id for the customer and a window."""

    id: str
    offset: int
    limit: int


Key = str | PageKey


@dataclass(frozen=True, slots=True)
class Capability:
    """One thing the schema needs.

    `kind` is ``read`` (batched ``fetch``), ``write`` (``write``) or ``link`` (a read whose
    record is the customer's id in another portal, used to resolve identity links).
    An `optional` capability may be left without an owner (its fields then answer
    NOT_FOUND); every other one needs exactly one owner in the registry.
    """

    name: str
    record: type[records.Record]
    kind: Literal["read", "write", "link"] = "read"
    paged: bool = False
    description: str = ""
    invalidates: tuple[str, ...] = ()
    optional: bool = False


CAPABILITIES: dict[str, Capability] = {
    c.name: c
    for c in (
        Capability("profile", records.ProfileRecord, description="the customer's master data"),
        Capability(
            "orders_by_customer",
            records.OrderPageRecord,
            paged=True,
            description="a window of the customer's orders, newest first",
        ),
        Capability("order", records.OrderRecord, description="one order by its id"),
        Capability("order_items", records.OrderItemsRecord, description="items of an order"),
        Capability("invoices", records.InvoiceListRecord, description="the customer's invoices"),
        Capability("tickets", records.TicketListRecord, description="support tickets"),
        Capability("cases", records.CaseListRecord, description="claims, applications, ..."),
        Capability(
            "update_profile",
            records.ProfileRecord,
            kind="write",
            description="change the customer's master data",
            invalidates=("profile",),
        ),
        Capability(
            "open_ticket",
            records.TicketRecord,
            kind="write",
            description="open a support ticket",
            invalidates=("tickets",),
        ),
        Capability(
            "orders_by_organisation",
            records.OrderPageRecord,
            paged=True,
            optional=True,
            description="a window of a B2B organisation's orders, newest first",
        ),
        Capability(
            "invoices_by_organisation",
            records.InvoiceListRecord,
            optional=True,
            description="a B2B organisation's invoices",
        ),
        Capability(
            "support_party",
            records.LinkRecord,
            kind="link",
            description="the customer's party id in the support portal",
        ),
    )
}


def capability(name: str) -> Capability:
    """The catalog entry for `name`; raises KeyError for an unknown capability."""
    return CAPABILITIES[name]
