"""What the demo tests share: fixed credentials, a fixed `today`, and one request per portal."""

from __future__ import annotations

from datetime import date
from typing import Any

import aiohttp

from demo.data import DemoCustomer, DemoDataset
from demo.portals.base import DemoPortal
from demo.portals.billing import BillingPortal
from demo.portals.crm import CrmPortal
from demo.portals.orders import OrdersPortal
from demo.portals.support import SupportPortal

TODAY = date(2026, 11, 20)
CRM_KEY = "crm-key"
ORDERS_TOKEN = "orders-token"
BILLING_USER, BILLING_PASSWORD = "billing-user", "billing-password"
SUPPORT_KEY = "support-key"
PORTAL_KINDS = ("crm", "orders", "billing", "support")


def soap_envelope(operation: str) -> str:
    return f"<Envelope><Body>{operation}</Body></Envelope>"


def soap_headers(action: str, key: str = SUPPORT_KEY) -> dict[str, str]:
    return {
        "X-Support-Key": key,
        "SOAPAction": action,
        "Content-Type": "text/xml; charset=utf-8",
    }


def make_portal(kind: str, dataset: DemoDataset) -> DemoPortal:
    if kind == "crm":
        return CrmPortal(dataset, api_key=CRM_KEY)
    if kind == "orders":
        return OrdersPortal(dataset, token=ORDERS_TOKEN)
    if kind == "billing":
        return BillingPortal(dataset, username=BILLING_USER, password=BILLING_PASSWORD)
    if kind == "support":
        return SupportPortal(dataset, api_key=SUPPORT_KEY)
    raise ValueError(kind)


def happy_request(portal: DemoPortal, customer: DemoCustomer) -> tuple[str, str, dict[str, Any]]:
    """Method, path and request kwargs of one authorised read of `customer` on `portal`."""
    if isinstance(portal, CrmPortal):
        params = {"ids": customer.crm_id}
        return "GET", "/api/v2/customers", {"params": params, "headers": {"X-Api-Key": CRM_KEY}}
    if isinstance(portal, OrdersPortal):
        headers = {"Authorization": f"Bearer {ORDERS_TOKEN}"}
        return "GET", f"/shop/customers/{customer.shop_no}/orders", {"headers": headers}
    if isinstance(portal, BillingPortal):
        headers = {"Authorization": aiohttp.encode_basic_auth(BILLING_USER, BILLING_PASSWORD)}
        path = f"/billing/accounts/{customer.billing_account}/invoices"
        return "GET", path, {"headers": headers}
    body = soap_envelope(f"<GetTickets><PartyId>{customer.support_party}</PartyId></GetTickets>")
    return "POST", "/soap", {"data": body, "headers": soap_headers("GetTickets")}
