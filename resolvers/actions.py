"""`actionItems`: what the customer must do, across every portal, from loads already made.

Each source is read through the same per-request loaders as its own field, so a
dashboard that also asks for invoices, tickets and cases makes no extra upstream call.
A failing source yields one error entry instead of its items; the others still count.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from connectors.errors import ConnectorError
from connectors.records import CaseRecord, InvoiceRecord, InvoiceStatus, TicketRecord
from resolvers import viewer
from resolvers._types import Info

__all__ = ["ActionItem", "ActionKind", "ActionSource", "action_items"]


class ActionKind(StrEnum):
    PAY_INVOICE = "pay_invoice"
    UPLOAD_DOCUMENT = "upload_document"
    SIGN_FORM = "sign_form"
    PROVIDE_INFORMATION = "provide_information"
    ANSWER_TICKET = "answer_ticket"


class ActionSource(StrEnum):
    INVOICE = "invoice"
    CASE = "case"
    TICKET = "ticket"


@dataclass(frozen=True, slots=True)
class ActionItem:
    """One thing to do; `source_type`/`source_id` say which object it comes from."""

    kind: ActionKind
    title: str
    due_on: date | None
    source: ActionSource
    source_type: str
    source_id: str
    overdue: bool


_REQUIREMENT_KINDS = {
    "upload_photos": ActionKind.UPLOAD_DOCUMENT,
    "upload_document": ActionKind.UPLOAD_DOCUMENT,
    "sign_form": ActionKind.SIGN_FORM,
}


def _from_invoices(invoices: list[InvoiceRecord], today: date) -> list[ActionItem]:
    return [
        ActionItem(
            kind=ActionKind.PAY_INVOICE,
            title=f"Pay invoice {i.invoice_id} ({i.amount.amount} {i.amount.currency})",
            due_on=i.due_on,
            source=ActionSource.INVOICE,
            source_type="Invoice",
            source_id=i.invoice_id,
            overdue=i.status is InvoiceStatus.OVERDUE or i.due_on < today,
        )
        for i in invoices
        if i.status is not InvoiceStatus.PAID
    ]


def _from_cases(cases: list[CaseRecord], today: date) -> list[ActionItem]:
    return [
        ActionItem(
            kind=_REQUIREMENT_KINDS.get(r.kind, ActionKind.PROVIDE_INFORMATION),
            title=f"{c.title}: {r.description}",
            due_on=r.due_on,
            source=ActionSource.CASE,
            source_type="Case",
            source_id=c.case_id,
            overdue=r.due_on is not None and r.due_on < today,
        )
        for c in cases
        for r in c.requirements
    ]


def _from_tickets(tickets: list[TicketRecord]) -> list[ActionItem]:
    return [
        ActionItem(
            kind=ActionKind.ANSWER_TICKET,
            title=f"Reply to your request: {t.subject}",
            due_on=None,
            source=ActionSource.TICKET,
            source_type="Ticket",
            source_id=t.ticket_id,
            overdue=False,
        )
        for t in tickets
        if t.awaiting_customer
    ]


async def action_items(info: Info, today: date | None = None) -> list[ActionItem | ConnectorError]:
    """Items sorted by due date (undated last); a failed source appears as its error."""
    today = today or date.today()
    invoices, cases, tickets = await asyncio.gather(
        viewer.invoices(info),
        viewer.cases(info),
        viewer.tickets(info),
        return_exceptions=True,
    )
    items: list[ActionItem] = []
    failures: list[ConnectorError] = []
    for loaded in (invoices, cases, tickets):
        if isinstance(loaded, ConnectorError):
            failures.append(loaded)
        elif isinstance(loaded, BaseException):
            raise loaded
    if isinstance(invoices, list):
        items += _from_invoices(invoices, today)
    if isinstance(cases, list):
        items += _from_cases(cases, today)
    if isinstance(tickets, list):
        items += _from_tickets(tickets)
    items.sort(key=lambda a: (a.due_on is None, a.due_on or today, a.title))
    return [*items, *failures]
