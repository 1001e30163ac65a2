"""Canonical records: what connectors return, mapped from each portal's own shape.

Records are frozen pydantic models so that a declarative mapping can be validated into
them and a malformed portal answer becomes `BadUpstreamData` at the connector boundary.
Schema types are views over these; nothing here knows GraphQL or any portal.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """Base of every record: immutable, ignores nothing silently (unknown fields fail)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Money(Record):
    amount: Decimal
    currency: str


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
    """capability `profile`, keyed by the CRM-style customer id."""

    customer_id: str
    first_name: str
    last_name: str
    emails: tuple[Email, ...] = ()
    phones: tuple[Phone, ...] = ()
    addresses: tuple[Address, ...] = ()
    preferences: Preferences = Preferences()


class StatusChange(Record):
    status: str
    at: datetime


class OrderRecord(Record):
    """One order; `customer_id` is the owning portal's own customer number."""

    order_id: str
    customer_id: str
    placed_at: datetime
    status: str
    total: Money
    history: tuple[StatusChange, ...] = ()


class OrderPageRecord(Record):
    """capability `orders_by_customer`: one window of a customer's orders, newest first."""

    orders: tuple[OrderRecord, ...]
    total_count: int


class OrderItemRecord(Record):
    order_id: str
    sku: str
    title: str
    quantity: int
    unit_price: Money


class OrderItemsRecord(Record):
    """capability `order_items`, keyed by order id."""

    items: tuple[OrderItemRecord, ...]


class InvoiceStatus(StrEnum):
    PAID = "paid"
    UNPAID = "unpaid"
    OVERDUE = "overdue"


class InvoiceRecord(Record):
    invoice_id: str
    issued_on: date
    due_on: date
    amount: Money
    status: InvoiceStatus


class InvoiceListRecord(Record):
    """capability `invoices`, keyed by the billing account."""

    invoices: tuple[InvoiceRecord, ...]


class TicketRecord(Record):
    ticket_id: str
    subject: str
    status: str
    opened_at: datetime
    updated_at: datetime
    awaiting_customer: bool = False


class TicketListRecord(Record):
    """capability `tickets`, keyed by the support party id."""

    tickets: tuple[TicketRecord, ...]


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
    """capability `cases`, keyed by the support party id."""

    cases: tuple[CaseRecord, ...]


class LinkRecord(Record):
    """A lookup capability's answer: the customer's id in another portal."""

    value: str
