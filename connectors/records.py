"""Canonical records, and the capability each one answers, declared side by side.

Records are frozen pydantic models so that a declarative mapping can be validated into
them and a malformed portal answer becomes `BadUpstreamData` at the connector boundary.
Schema types are views over these; nothing here knows GraphQL or any portal.

A field that a legacy owner may simply not have (a date, a timestamp, a currency, a
total, a count) is `X | None = None`: the owner's mapping leaves it out and the schema
answers null, never a made-up constant (DESIGN decision 9). Ids, names and statuses stay
required: a record without them is not one.

A capability is declared once, right below the record it returns (`Capability(...)`),
and listed in `CATALOGUE` at the end; `connectors.capabilities` indexes that list by name.
Which connector serves a capability (its owner) is the registry's decision, never this
module's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """Base of every record: immutable, ignores nothing silently (unknown fields fail)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


_R_co = TypeVar("_R_co", bound=Record, covariant=True)


@dataclass(frozen=True, slots=True)
class Capability(Generic[_R_co]):
    """One thing the schema needs, and the record it answers with.

    `kind` is ``read`` (batched ``fetch``), ``write`` (``write``) or ``link`` (a read whose
    record is the customer's id in another portal, used to resolve identity links).
    An `optional` capability (the default) may be left without an owner: a read then
    answers as for a customer the portal does not know (an empty list, null), a write
    refuses with CAPABILITY_NOT_CONFIGURED. Set ``optional=False`` only for a capability
    the schema cannot answer without; the registry then refuses to start without an owner.
    Every built-in capability is optional (see docs/architecture.md, "Optional
    capabilities").
    `filters` names the filter arguments a read may carry (connectors.capabilities.ListKey).
    """

    name: str
    record: type[_R_co]
    kind: Literal["read", "write", "link"] = "read"
    paged: bool = False
    description: str = ""
    invalidates: tuple[str, ...] = ()
    optional: bool = True
    filters: tuple[str, ...] = ()


class Money(Record):
    amount: Decimal
    currency: str | None = None


class Email(Record):
    address: str
    primary: bool = False


class Phone(Record):
    number: str
    kind: str = "other"


class Address(Record):
    kind: str
    street: str
    city: str
    postcode: str
    country: str


class Preferences(Record):
    language: str | None = None
    newsletter: bool | None = None
    contact_channel: str | None = None


class ProfileRecord(Record):
    customer_id: str
    first_name: str
    last_name: str
    emails: tuple[Email, ...] = ()
    phones: tuple[Phone, ...] = ()
    addresses: tuple[Address, ...] = ()
    preferences: Preferences = Preferences()


PROFILE = Capability("profile", ProfileRecord, description="the customer's master data")
UPDATE_PROFILE = Capability(
    "update_profile",
    ProfileRecord,
    kind="write",
    description="change the customer's master data",
    invalidates=("profile",),
)


class StatusChange(Record):
    status: str
    at: datetime | None = None


class OrderRecord(Record):
    """One order; `customer_id` is the owning portal's own customer number."""

    order_id: str
    customer_id: str
    placed_at: datetime | None = None
    status: str
    total: Money | None = None
    history: tuple[StatusChange, ...] = ()


ORDER = Capability("order", OrderRecord, description="one order by its id")


class OrderPageRecord(Record):
    """One window of orders, newest first.

    `total_count` is how many there are in all and `has_more` whether any follow the
    window; each is None when the portal does not say (never a guess: DESIGN 9).
    """

    orders: tuple[OrderRecord, ...]
    total_count: int | None = None
    has_more: bool | None = None


ORDERS_BY_CUSTOMER = Capability(
    "orders_by_customer",
    OrderPageRecord,
    paged=True,
    description="a window of the customer's orders, newest first",
)
ORDERS_BY_ORGANISATION = Capability(
    "orders_by_organisation",
    OrderPageRecord,
    paged=True,
    description="a window of a B2B organisation's orders, newest first",
)


class OrderItemRecord(Record):
    order_id: str
    sku: str
    title: str
    quantity: int
    unit_price: Money | None = None


class OrderItemsRecord(Record):
    items: tuple[OrderItemRecord, ...]


ORDER_ITEMS = Capability("order_items", OrderItemsRecord, description="items of an order")


class InvoiceStatus(StrEnum):
    PAID = "paid"
    UNPAID = "unpaid"
    OVERDUE = "overdue"


class InvoiceRecord(Record):
    invoice_id: str
    issued_on: date | None = None
    due_on: date | None = None
    amount: Money
    status: InvoiceStatus


class InvoiceListRecord(Record):
    invoices: tuple[InvoiceRecord, ...]


INVOICES = Capability(
    "invoices",
    InvoiceListRecord,
    description="the customer's invoices, by billing account",
    filters=("status",),
)
INVOICES_BY_ORGANISATION = Capability(
    "invoices_by_organisation",
    InvoiceListRecord,
    description="a B2B organisation's invoices",
    filters=("status",),
)


class TicketRecord(Record):
    ticket_id: str
    subject: str
    status: str
    opened_at: datetime | None = None
    updated_at: datetime | None = None
    awaiting_customer: bool = False


OPEN_TICKET = Capability(
    "open_ticket",
    TicketRecord,
    kind="write",
    description="open a support ticket",
    invalidates=("tickets",),
)


class TicketListRecord(Record):
    tickets: tuple[TicketRecord, ...]


TICKETS = Capability(
    "tickets", TicketListRecord, description="support tickets, by support party id"
)


class CaseStep(Record):
    position: int
    name: str
    state: str


class CaseRequirement(Record):
    kind: str
    description: str
    due_on: date | None = None


class CaseRecord(Record):
    case_id: str
    kind: str
    title: str
    status: str
    steps: tuple[CaseStep, ...]
    current_step: int | None = None
    requirements: tuple[CaseRequirement, ...] = ()


class CaseListRecord(Record):
    cases: tuple[CaseRecord, ...]


CASES = Capability(
    "cases", CaseListRecord, description="claims, applications, ..., by support party id"
)


class LinkRecord(Record):
    """A lookup capability's answer: the customer's id in another portal."""

    value: str


SUPPORT_PARTY = Capability(
    "support_party",
    LinkRecord,
    kind="link",
    description="the customer's party id in the support portal",
)

CATALOGUE: tuple[Capability[Record], ...] = (
    PROFILE,
    ORDERS_BY_CUSTOMER,
    ORDER,
    ORDER_ITEMS,
    INVOICES,
    TICKETS,
    CASES,
    UPDATE_PROFILE,
    OPEN_TICKET,
    ORDERS_BY_ORGANISATION,
    INVOICES_BY_ORGANISATION,
    SUPPORT_PARTY,
)
