"""The to-do rules: which records are something the customer must do, and when."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from connectors.records import (
    CaseRecord,
    CaseRequirement,
    CaseStep,
    InvoiceRecord,
    InvoiceStatus,
    Money,
    TicketRecord,
)
from resolvers.actions import (
    ActionKind,
    ActionSource,
    case_requirements,
    tickets_awaiting_reply,
    unpaid_invoices,
)

TODAY = date(2026, 3, 15)


def _invoice(number: str, status: InvoiceStatus, due_on: date) -> InvoiceRecord:
    return InvoiceRecord(
        invoice_id=number,
        issued_on=date(2026, 2, 1),
        due_on=due_on,
        amount=Money(amount=Decimal("12.50"), currency="EUR"),
        status=status,
    )


def test_unpaid_invoices_are_to_pay_and_overdue_once_past_due() -> None:
    items = unpaid_invoices(
        [
            _invoice("I-1", InvoiceStatus.PAID, date(2026, 3, 1)),
            _invoice("I-2", InvoiceStatus.UNPAID, date(2026, 3, 1)),
            _invoice("I-3", InvoiceStatus.UNPAID, date(2026, 4, 1)),
            _invoice("I-4", InvoiceStatus.OVERDUE, date(2026, 4, 1)),
        ],
        TODAY,
    )

    assert [(i.source_id, i.overdue) for i in items] == [
        ("I-2", True),
        ("I-3", False),
        ("I-4", True),
    ]
    assert {(i.kind, i.source) for i in items} == {(ActionKind.PAY_INVOICE, ActionSource.INVOICE)}
    assert items[0].title == "Pay invoice I-2 (12.50 EUR)"


def test_each_case_requirement_is_an_item_of_its_kind() -> None:
    case = CaseRecord(
        case_id="K-1",
        kind="claim",
        title="Water damage",
        status="open",
        steps=(CaseStep(position=1, name="filed", state="done"),),
        requirements=(
            CaseRequirement(kind="upload_photos", description="Photos", due_on=date(2026, 3, 1)),
            CaseRequirement(kind="sign_form", description="Sign"),
            CaseRequirement(kind="call_back", description="Call us"),
        ),
    )

    items = case_requirements([case], TODAY)

    assert [(i.kind, i.overdue, i.due_on) for i in items] == [
        (ActionKind.UPLOAD_DOCUMENT, True, date(2026, 3, 1)),
        (ActionKind.SIGN_FORM, False, None),
        (ActionKind.PROVIDE_INFORMATION, False, None),
    ]
    assert items[0].title == "Water damage: Photos"
    assert {(i.source, i.source_id) for i in items} == {(ActionSource.CASE, "K-1")}


def test_only_tickets_awaiting_the_customer_are_to_answer() -> None:
    at = datetime(2026, 3, 1, 9, 0)
    tickets = [
        TicketRecord(
            ticket_id=number,
            subject=f"About {number}",
            status="open",
            opened_at=at,
            updated_at=at,
            awaiting_customer=waiting,
        )
        for number, waiting in (("T-1", True), ("T-2", False))
    ]

    items = tickets_awaiting_reply(tickets, TODAY)

    assert [(i.kind, i.source_id, i.due_on, i.overdue) for i in items] == [
        (ActionKind.ANSWER_TICKET, "T-1", None, False)
    ]
    assert items[0].title == "Reply to your request: About T-1"
