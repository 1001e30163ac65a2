"""demo.data: deterministic customers and a dataset with something to act on."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from demo.data import DemoCustomer, DemoDataset, build_dataset, demo_customers, demo_employees
from tests.demo.harness import TODAY


def test_same_seed_gives_the_same_customers_and_dataset() -> None:
    assert demo_customers(seed=7) == demo_customers(seed=7)
    assert build_dataset(demo_customers(), TODAY) == build_dataset(demo_customers(), TODAY)


def test_another_seed_gives_other_customers() -> None:
    assert demo_customers(seed=7) != demo_customers(seed=8)


def test_count_is_bounded() -> None:
    with pytest.raises(ValueError, match="count"):
        demo_customers(0)


def test_ids_have_their_portal_formats_and_are_unique(customers: list[DemoCustomer]) -> None:
    assert [c.subject for c in customers[:3]] == ["cust-001", "cust-002", "cust-003"]
    assert [c.crm_id for c in customers[:3]] == ["C-10001", "C-10002", "C-10003"]
    for c in customers:
        assert re.fullmatch(r"\d{6}", c.shop_no)
        assert re.fullmatch(r"ACC-\d{6}", c.billing_account)
        assert re.fullmatch(r"P-\d{5}", c.support_party)
        assert c.email.count("@") == 1
    for field in ("crm_id", "shop_no", "billing_account", "support_party", "email"):
        assert len({getattr(c, field) for c in customers}) == len(customers), field


def test_portal_ids_do_not_follow_crm_order(customers: list[DemoCustomer]) -> None:
    shop_nos = [c.shop_no for c in customers]
    accounts = [c.billing_account for c in customers]
    assert shop_nos != sorted(shop_nos)
    assert accounts != sorted(accounts)


def test_organisations_have_one_admin_each(customers: list[DemoCustomer]) -> None:
    b2b = [c for c in customers if c.tenant is not None]
    assert len(b2b) == 16
    for tenant in {c.tenant for c in b2b}:
        roles = [c.org_role for c in b2b if c.tenant == tenant]
        assert roles.count("admin") == 1
        assert set(roles) == {"admin", "member"}
    consumers = [c for c in customers if c.tenant is None]
    assert all(c.org_role is None for c in consumers)
    assert customers[0].tenant is None
    assert (customers[1].tenant, customers[1].org_role) == ("org-acme", "admin")


def test_first_ten_customers_have_something_to_act_on(dataset: DemoDataset) -> None:
    for c in dataset.customers[:10]:
        states = {i.state for i in dataset.invoices[c.billing_account]}
        assert {"OPEN", "OVERDUE"} <= states, c.subject
        statuses = {t.status for t in dataset.tickets[c.support_party]}
        assert "WAITING_ON_CUSTOMER" in statuses, c.subject
        assert any(case.requirements for case in dataset.cases[c.support_party]), c.subject


def test_invoice_states_follow_due_dates(dataset: DemoDataset) -> None:
    for invoices in dataset.invoices.values():
        assert 3 <= len(invoices) <= 12
        assert [i.issued for i in invoices] == sorted((i.issued for i in invoices), reverse=True)
        for invoice in invoices:
            assert invoice.state in {"PAID", "OPEN", "OVERDUE"}
            if invoice.state == "OVERDUE":
                assert invoice.due < TODAY
            if invoice.state == "OPEN":
                assert invoice.due >= TODAY


def test_orders_are_numbered_consistent_and_newest_first(dataset: DemoDataset) -> None:
    counts = [len(dataset.orders.get(c.shop_no, ())) for c in dataset.customers]
    assert max(counts) <= 35
    assert counts[0] > 20 and counts[1] > 20 and counts[9] == 0
    numbers = [o.order_no for orders in dataset.orders.values() for o in orders]
    assert len(numbers) == len(set(numbers))
    for orders in dataset.orders.values():
        assert [o.placed_at for o in orders] == sorted((o.placed_at for o in orders), reverse=True)
        for order in orders:
            assert re.fullmatch(r"SO-\d{6}", order.order_no)
            assert 1 <= len(order.items) <= 4
            assert order.total == sum((i.unit_price * i.qty for i in order.items), Decimal(0))
            assert order.history[0].status == "PLACED"
            assert order.history[-1].status == order.status


def test_cases_have_exactly_one_current_step(dataset: DemoDataset) -> None:
    for cases in dataset.cases.values():
        assert len(cases) <= 3
        for case in cases:
            assert case.kind in {"INSURANCE_CLAIM", "LOAN_APPLICATION"}
            states = [s.state for s in case.steps]
            assert states.count("CURRENT") == 1
            assert case.steps[case.current_step - 1].state == "CURRENT"
            assert [s.seq for s in case.steps] == list(range(1, len(case.steps) + 1))


def test_customer_lookup(dataset: DemoDataset) -> None:
    assert dataset.customer("cust-002").crm_id == "C-10002"
    with pytest.raises(KeyError):
        dataset.customer("cust-999")


def test_employees_are_fixed_and_apart_from_customers(customers: list[DemoCustomer]) -> None:
    employees = demo_employees()
    assert employees == demo_employees()
    by_subject = {e.subject: e for e in employees}
    assert by_subject["emp-001"].roles == ("customer_service",)
    assert by_subject["emp-002"].roles == ("marketing",)
    assert not {e.subject for e in employees} & {c.subject for c in customers}
    assert not {e.email for e in employees} & {c.email for c in customers}
