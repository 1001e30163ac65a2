"""Invoices with what is due and what is overdue."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from connectors.records import InvoiceRecord
from connectors.records import InvoiceStatus as InvoiceStatusRecord
from schema.common import Money, Node
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
    def issued_on(self) -> date:
        return self.record.issued_on

    @strawberry.field
    def due_on(self) -> date:
        return self.record.due_on

    @strawberry.field
    def amount(self) -> Money:
        return Money.of(self.record.amount)

    @strawberry.field
    def status(self) -> InvoiceStatus:
        return InvoiceStatus(self.record.status.value)
