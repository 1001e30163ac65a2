"""Orders, invoices, tickets and cases for the demo customers.

Content is drawn per customer (one RNG each, passed in by `demo.data.build_dataset`);
ids are then numbered across all customers in date order, as a real system would.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from demo import catalogue

if TYPE_CHECKING:
    from demo.data import DemoCustomer

GUARANTEED = 10  # the first customers, who always have something to act on

_T = TypeVar("_T")
_K = TypeVar("_K", str, date, datetime)


@dataclass(frozen=True)
class StatusEvent:
    status: str
    at: datetime


@dataclass(frozen=True)
class OrderLine:
    sku: str
    title: str
    qty: int
    unit_price: Decimal


@dataclass(frozen=True)
class Order:
    """One web-shop order; `history` is oldest first and ends with `status`."""

    order_no: str
    customer_no: str
    placed_at: datetime
    status: str
    total: Decimal
    currency: str
    history: tuple[StatusEvent, ...]
    items: tuple[OrderLine, ...]


@dataclass(frozen=True)
class Invoice:
    """One invoice; `state` is PAID, OPEN (unpaid, not yet due) or OVERDUE."""

    invoice_id: str
    account: str
    issued: date
    due: date
    amount_cents: int
    currency: str
    state: str


@dataclass(frozen=True)
class Ticket:
    """One support ticket; `status` is OPEN, WAITING_ON_CUSTOMER or CLOSED."""

    ticket_id: str
    party_id: str
    subject: str
    status: str
    opened: datetime
    last_update: datetime


@dataclass(frozen=True)
class CaseStep:
    seq: int
    name: str
    state: str  # DONE | CURRENT | PENDING


@dataclass(frozen=True)
class Requirement:
    kind: str
    description: str
    due: date


@dataclass(frozen=True)
class Case:
    """A claim or application: ordered steps, exactly one CURRENT."""

    case_id: str
    party_id: str
    kind: str  # INSURANCE_CLAIM | LOAN_APPLICATION
    title: str
    status: str
    steps: tuple[CaseStep, ...]
    current_step: int
    requirements: tuple[Requirement, ...]


class Activity(NamedTuple):
    orders: Mapping[str, tuple[Order, ...]]
    invoices: Mapping[str, tuple[Invoice, ...]]
    tickets: Mapping[str, tuple[Ticket, ...]]
    cases: Mapping[str, tuple[Case, ...]]


def generate_activity(
    customers: Sequence[DemoCustomer], rngs: Sequence[random.Random], today: date
) -> Activity:
    """Activity for each customer, drawn from the matching RNG in `rngs`."""
    now = datetime.combine(today, time(12, 0), tzinfo=UTC)
    orders: list[Order] = []
    invoices: list[Invoice] = []
    tickets: list[Ticket] = []
    cases: list[Case] = []
    for index, (customer, rng) in enumerate(zip(customers, rngs, strict=True)):
        orders += _orders(rng, customer.shop_no, now, _order_count(rng, index))
        invoices += _invoices(rng, customer.billing_account, today, index < GUARANTEED)
        tickets += _tickets(rng, customer.support_party, now, index < GUARANTEED)
        cases += _cases(rng, customer.support_party, today, index < GUARANTEED)

    orders = [
        replace(o, order_no=f"SO-{100_001 + n:06d}")
        for n, o in enumerate(sorted(orders, key=lambda o: o.placed_at))
    ]
    invoices = [
        replace(i, invoice_id=f"INV-{i.issued.year}-{n + 1:06d}")
        for n, i in enumerate(sorted(invoices, key=lambda i: i.issued))
    ]
    tickets = [
        replace(t, ticket_id=f"T-{n + 1:06d}")
        for n, t in enumerate(sorted(tickets, key=lambda t: t.opened))
    ]
    serial = {"INSURANCE_CLAIM": 0, "LOAN_APPLICATION": 0}
    for n, case in enumerate(cases):
        serial[case.kind] += 1
        prefix = "CL" if case.kind == "INSURANCE_CLAIM" else "LA"
        cases[n] = replace(case, case_id=f"{prefix}-{serial[case.kind]:05d}")
    return Activity(
        orders=_group(orders, lambda o: o.customer_no, lambda o: o.placed_at),
        invoices=_group(invoices, lambda i: i.account, lambda i: i.issued),
        tickets=_group(tickets, lambda t: t.party_id, lambda t: t.opened),
        cases=_group(cases, lambda c: c.party_id, lambda c: c.case_id),
    )


def _group(
    values: list[_T], owner: Callable[[_T], str], newest: Callable[[_T], _K]
) -> Mapping[str, tuple[_T, ...]]:
    grouped: dict[str, list[_T]] = {}
    for value in values:
        grouped.setdefault(owner(value), []).append(value)
    return MappingProxyType(
        {key: tuple(sorted(vs, key=newest, reverse=True)) for key, vs in grouped.items()}
    )


def _order_count(rng: random.Random, index: int) -> int:
    if index in (0, 1):
        return rng.randint(21, 35)  # enough to need a second page of 20
    if index == GUARANTEED - 1:
        return 0
    low, high = rng.choice(((0, 2), (3, 12), (3, 12), (13, 20), (21, 35)))
    return rng.randint(low, high)


def _orders(rng: random.Random, customer_no: str, now: datetime, count: int) -> list[Order]:
    orders = []
    for _ in range(count):
        placed_at = now - timedelta(minutes=rng.randint(60, 720 * 24 * 60))
        history = _order_history(rng, placed_at, now)
        products = rng.sample(catalogue.PRODUCTS, rng.randint(1, 4))
        lines = tuple(
            OrderLine(p.sku, p.title, rng.randint(1, 3), Decimal(p.price)) for p in products
        )
        total = sum((line.unit_price * line.qty for line in lines), Decimal("0.00"))
        orders.append(
            Order("", customer_no, placed_at, history[-1].status, total, "EUR", history, lines)
        )
    return orders


def _order_history(
    rng: random.Random, placed_at: datetime, now: datetime
) -> tuple[StatusEvent, ...]:
    planned = [StatusEvent("PLACED", placed_at)]
    if rng.random() < 0.05:
        planned.append(StatusEvent("CANCELLED", placed_at + timedelta(hours=rng.randint(2, 48))))
    else:
        paid = placed_at + timedelta(minutes=rng.randint(1, 90))
        shipped = paid + timedelta(hours=rng.randint(12, 72))
        delivered = shipped + timedelta(hours=rng.randint(24, 96))
        planned += [
            StatusEvent("PAID", paid),
            StatusEvent("SHIPPED", shipped),
            StatusEvent("DELIVERED", delivered),
        ]
        if rng.random() < 0.08:
            planned.append(StatusEvent("RETURNED", delivered + timedelta(days=rng.randint(3, 14))))
    # Only what has happened by `now`; the status is the last event that did.
    return tuple(event for event in planned if event.at <= now)


def _invoices(rng: random.Random, account: str, today: date, guaranteed: bool) -> list[Invoice]:
    invoices = []
    for age in range(rng.randint(3, 12)):
        if age == 0:  # due in the future
            issued = today - timedelta(days=rng.randint(1, 20))
            paid = not guaranteed and rng.random() < 0.3
        elif age == 1:  # due 6..25 days ago
            issued = today - timedelta(days=rng.randint(36, 55))
            paid = not guaranteed and rng.random() < 0.6
        else:
            issued = today - timedelta(days=30 * age + rng.randint(10, 25))
            paid = rng.random() < 0.9
        due = issued + timedelta(days=30)
        state = "PAID" if paid else "OVERDUE" if due < today else "OPEN"
        cents = rng.randint(19, 249) * 100 + 90
        invoices.append(Invoice("", account, issued, due, cents, "EUR", state))
    return invoices


def _tickets(rng: random.Random, party: str, now: datetime, guaranteed: bool) -> list[Ticket]:
    count = rng.randint(1, 5) if guaranteed else rng.choice((0, 0, 1, 1, 2, 3, 4, 5))
    tickets = []
    subjects = rng.sample(catalogue.TICKET_SUBJECTS, count)
    for n, subject in enumerate(subjects):
        opened = now - timedelta(minutes=rng.randint(60, 120 * 24 * 60))
        last_update = opened + (now - opened) * rng.random()
        status = rng.choice(("OPEN", "WAITING_ON_CUSTOMER", "CLOSED", "CLOSED"))
        if guaranteed and n == 0:
            status = "WAITING_ON_CUSTOMER"
        opened, last_update = opened.replace(microsecond=0), last_update.replace(microsecond=0)
        tickets.append(Ticket("", party, subject, status, opened, last_update))
    return tickets


def _cases(rng: random.Random, party: str, today: date, guaranteed: bool) -> list[Case]:
    count = rng.randint(1, 3) if guaranteed else rng.choice((0, 0, 1, 1, 2, 3))
    cases = []
    for n in range(count):
        kind = rng.choice(tuple(catalogue.CASE_STEPS))
        templates = catalogue.CASE_STEPS[kind]
        if guaranteed and n == 0:
            current = rng.choice([i for i, t in enumerate(templates) if t.requirement])
        else:
            current = rng.randrange(len(templates))
        steps = tuple(
            CaseStep(
                i + 1, t.name, "DONE" if i < current else "CURRENT" if i == current else "PENDING"
            )
            for i, t in enumerate(templates)
        )
        requirement = templates[current].requirement
        requirements: tuple[Requirement, ...] = ()
        if requirement is not None:
            due = today + timedelta(days=rng.randint(-3, 21))
            requirements = (Requirement(requirement[0], requirement[1], due),)
        if kind == "INSURANCE_CLAIM":
            title = rng.choice(catalogue.CLAIM_TITLES)
        else:
            title = f"{rng.choice(catalogue.LOAN_TITLES)}, {rng.randint(5, 60) * 1000:,} EUR"
        status = templates[current].status
        cases.append(Case("", party, kind, title, status, steps, current + 1, requirements))
    return cases
