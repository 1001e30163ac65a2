"""Invoices with what is due and what is overdue."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from connectors.capabilities import filters_of
from connectors.records import INVOICES, InvoiceRecord
from connectors.records import InvoiceStatus as InvoiceStatusRecord
from resolvers._types import Info
from resolvers.actions import unpaid_invoices
from resolvers.viewer import with_status
from resolvers.viewer_lists import ViewerList
from schema.common import Money, Node
from schema.declarations import ListField
from schema.ids import encode_global_id


@strawberry.enum
class InvoiceStatus(Enum):
    PAID = "paid"
    UNPAID = "unpaid"
    OVERDUE = "overdue"

    def record(self) -> InvoiceStatusRecord:
        return InvoiceStatusRecord(self.value)


@strawberry.type
class Invoice(Node):
    record: strawberry.Private[InvoiceRecord]

    @classmethod
    def of(cls, record: InvoiceRecord) -> Invoice:
        return cls(id=strawberry.ID(encode_global_id("Invoice", record.invoice_id)), record=record)

    @strawberry.field
    def number(self) -> str:
        return self.record.invoice_id

    @strawberry.field
    def issued_on(self) -> date | None:
        return self.record.issued_on

    @strawberry.field
    def due_on(self) -> date | None:
        return self.record.due_on

    @strawberry.field
    def amount(self) -> Money:
        return Money.of(self.record.amount)

    @strawberry.field
    def status(self) -> InvoiceStatus:
        return InvoiceStatus(self.record.status.value)


_VIEWER_INVOICES = ViewerList(
    INVOICES, lambda r: r.invoices, lambda i: i.invoice_id, to_do=unpaid_invoices
)


async def resolve_invoices(
    info: Info, status: list[InvoiceStatus] | None = None
) -> list[Invoice] | None:
    wanted = [s.record() for s in status] if status else None
    loaded = await _VIEWER_INVOICES.load(info, filters_of(status=wanted))
    return [Invoice.of(r) for r in with_status(loaded, wanted)]


INVOICE_LIST = ListField("invoices", Invoice, _VIEWER_INVOICES, resolver=resolve_invoices)
