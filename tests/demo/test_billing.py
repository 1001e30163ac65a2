"""BillingPortal over real sockets: Basic auth, one account per request, state filter."""

from __future__ import annotations

import aiohttp
import pytest

from demo.data import DemoCustomer, DemoDataset
from demo.portals.billing import BillingPortal
from tests.demo.harness import BILLING_PASSWORD, BILLING_USER, TODAY

AUTH = {"Authorization": aiohttp.encode_basic_auth(BILLING_USER, BILLING_PASSWORD)}


async def test_invoices_of_one_account(
    session: aiohttp.ClientSession, billing: BillingPortal, customers: list[DemoCustomer]
) -> None:
    account = customers[0].billing_account
    url = f"{billing.url}/billing/accounts/{account}/invoices"
    async with session.get(url, headers=AUTH) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["account"] == account
    invoice = body["invoices"][0]
    assert set(invoice) == {"invoiceId", "issued", "due", "amountCents", "currency", "state"}
    assert isinstance(invoice["amountCents"], int)
    assert {i["state"] for i in body["invoices"]} >= {"OPEN", "OVERDUE"}
    assert billing.requests["invoices.by_account"] == 1


async def test_state_filter_returns_only_that_state(
    session: aiohttp.ClientSession, billing: BillingPortal, customers: list[DemoCustomer]
) -> None:
    url = f"{billing.url}/billing/accounts/{customers[0].billing_account}/invoices"
    async with session.get(url, params={"state": "OVERDUE"}, headers=AUTH) as resp:
        invoices = (await resp.json())["invoices"]
    assert invoices
    assert all(i["state"] == "OVERDUE" and i["due"] < TODAY.isoformat() for i in invoices)
    async with session.get(url, params={"state": "LATE"}, headers=AUTH) as resp:
        assert resp.status == 400


async def test_unknown_account_is_a_404(
    session: aiohttp.ClientSession, billing: BillingPortal
) -> None:
    async with session.get(
        f"{billing.url}/billing/accounts/ACC-000000/invoices", headers=AUTH
    ) as r:
        assert r.status == 404
        assert await r.json() == {"fault": "no such account"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": aiohttp.encode_basic_auth(BILLING_USER, "wrong")},
        {"Authorization": aiohttp.encode_basic_auth("x", BILLING_PASSWORD)},
        {"Authorization": "Basic not-base64!"},
        {"Authorization": f"Bearer {BILLING_PASSWORD}"},
    ],
)
async def test_missing_or_wrong_credentials_are_a_401(
    session: aiohttp.ClientSession,
    billing: BillingPortal,
    customers: list[DemoCustomer],
    headers: dict[str, str],
) -> None:
    url = f"{billing.url}/billing/accounts/{customers[0].billing_account}/invoices"
    async with session.get(url, headers=headers) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"] == 'Basic realm="billing"'
        assert await resp.json() == {"fault": "auth"}


async def test_invoices_of_an_organisation_span_its_members(
    session: aiohttp.ClientSession, billing: BillingPortal, dataset: DemoDataset
) -> None:
    url = f"{billing.url}/billing/organisations/org-acme/invoices"
    async with session.get(url, headers=AUTH) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body["account"] == "org-acme"
    accounts = [c.billing_account for c in dataset.customers if c.tenant == "org-acme"]
    expected = {i.invoice_id for a in accounts for i in dataset.invoices.get(a, ())}
    assert {i["invoiceId"] for i in body["invoices"]} == expected
    issued = [i["issued"] for i in body["invoices"]]
    assert issued == sorted(issued, reverse=True)
    assert set(body["invoices"][0]) == {
        "invoiceId",
        "issued",
        "due",
        "amountCents",
        "currency",
        "state",
    }
    async with session.get(url, params={"state": "OVERDUE"}, headers=AUTH) as resp:
        assert {i["state"] for i in (await resp.json())["invoices"]} == {"OVERDUE"}
    assert billing.requests["invoices.by_organisation"] == 2


async def test_organisation_invoices_need_auth_and_a_known_organisation(
    session: aiohttp.ClientSession, billing: BillingPortal
) -> None:
    url = f"{billing.url}/billing/organisations/org-none/invoices"
    async with session.get(url, headers=AUTH) as resp:
        assert (resp.status, await resp.json()) == (404, {"fault": "no such organisation"})
    async with session.get(f"{billing.url}/billing/organisations/org-acme/invoices") as resp:
        assert resp.status == 401
