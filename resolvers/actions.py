"""What the customer must do: the rules that turn a list's items into action items.

A rule is pure: it sees one source's items (already loaded for the list's own field)
and today's date. Which lists are sources is not written here: a `ViewerList` names its
rule as `to_do`, and `resolvers.viewer_lists.action_items` reads every list that has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from connectors.records import CaseRecord, InvoiceRecord, InvoiceStatus, TicketRecord

__all__ = [
    "ActionItem",
    "ActionKind",
    "ActionSource",
    "case_requirements",
    "tickets_awaiting_reply",
    "unpaid_invoices",
]


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
    """One thing to do; `source_id` is the id of the item (invoice, case, ...) it is about."""

    kind: ActionKind
    title: str
    due_on: date | None
    source: ActionSource
    source_id: str
    overdue: bool


_REQUIREMENT_KINDS = {
    "upload_photos": ActionKind.UPLOAD_DOCUMENT,
    "upload_document": ActionKind.UPLOAD_DOCUMENT,
    "sign_form": ActionKind.SIGN_FORM,
}


def _amount(invoice: InvoiceRecord) -> str:
    money = invoice.amount
    return f"{money.amount} {money.currency}" if money.currency else str(money.amount)


def unpaid_invoices(invoices: Sequence[InvoiceRecord], today: date) -> list[ActionItem]:
    """Each invoice not paid; overdue when the portal says so or its due date has passed
    (an invoice without a due date is overdue only on the portal's word)."""
    return [
        ActionItem(
            kind=ActionKind.PAY_INVOICE,
            title=f"Pay invoice {i.invoice_id} ({_amount(i)})",
            due_on=i.due_on,
            source=ActionSource.INVOICE,
            source_id=i.invoice_id,
            overdue=i.status is InvoiceStatus.OVERDUE
            or (i.due_on is not None and i.due_on < today),
        )
        for i in invoices
        if i.status is not InvoiceStatus.PAID
    ]


def case_requirements(cases: Sequence[CaseRecord], today: date) -> list[ActionItem]:
    return [
        ActionItem(
            kind=_REQUIREMENT_KINDS.get(r.kind, ActionKind.PROVIDE_INFORMATION),
            title=f"{c.title}: {r.description}",
            due_on=r.due_on,
            source=ActionSource.CASE,
            source_id=c.case_id,
            overdue=r.due_on is not None and r.due_on < today,
        )
        for c in cases
        for r in c.requirements
    ]


def tickets_awaiting_reply(tickets: Sequence[TicketRecord], today: date) -> list[ActionItem]:
    return [
        ActionItem(
            kind=ActionKind.ANSWER_TICKET,
            title=f"Reply to your request: {t.subject}",
            due_on=None,
            source=ActionSource.TICKET,
            source_id=t.ticket_id,
            overdue=False,
        )
        for t in tickets
        if t.awaiting_customer
    ]
