"""The whole demo in one context manager: dataset, four portals and the dev issuer.

    async with open_demo_stack() as stack:
        registry_env = stack.env                 # CRM_URL, CRM_API_KEY, ..., ISSUER_URL
        stack.crm.knobs.latency_s = 0.3          # make one portal slow
        token = stack.issuer.issue_token("cust-001")

Servers start concurrently on 127.0.0.1 with free ports and fresh random credentials,
and all close on exit, also when one of them fails to start.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from demo.data import DemoCustomer, DemoDataset, build_dataset, demo_customers
from demo.issuer import DevIssuer
from demo.portals.billing import BillingPortal
from demo.portals.crm import CrmPortal
from demo.portals.orders import OrdersPortal
from demo.portals.support import SupportPortal

__all__ = ["DemoStack", "open_demo_stack"]


@dataclass(frozen=True)
class DemoStack:
    """The running demo. `env` holds the variables a registry file refers to."""

    crm: CrmPortal
    orders: OrdersPortal
    billing: BillingPortal
    support: SupportPortal
    issuer: DevIssuer
    customers: list[DemoCustomer]
    dataset: DemoDataset
    env: dict[str, str]


@asynccontextmanager
async def open_demo_stack(
    *, seed: int = 7, customers: int = 60, today: date | None = None
) -> AsyncIterator[DemoStack]:
    """Start the demo stack; `today` defaults to the current UTC date."""
    people = demo_customers(customers, seed)
    dataset = build_dataset(people, today or datetime.now(UTC).date(), seed=seed)
    credentials = {
        "CRM_API_KEY": secrets.token_urlsafe(24),
        "ORDERS_TOKEN": secrets.token_urlsafe(24),
        "BILLING_USER": "portalgate",
        "BILLING_PASSWORD": secrets.token_urlsafe(24),
        "SUPPORT_API_KEY": secrets.token_urlsafe(24),
    }
    crm = CrmPortal(dataset, api_key=credentials["CRM_API_KEY"], seed=seed)
    orders = OrdersPortal(dataset, token=credentials["ORDERS_TOKEN"], seed=seed + 1)
    billing = BillingPortal(
        dataset,
        username=credentials["BILLING_USER"],
        password=credentials["BILLING_PASSWORD"],
        seed=seed + 2,
    )
    support = SupportPortal(dataset, api_key=credentials["SUPPORT_API_KEY"], seed=seed + 3)
    issuer = DevIssuer(people)
    servers = (crm, orders, billing, support, issuer)
    async with AsyncExitStack() as stack:
        for server in servers:
            stack.push_async_callback(server.aclose)
        # Wait for every start before raising, so nothing is still starting while the
        # exit stack closes the servers.
        started = await asyncio.gather(*(s.start() for s in servers), return_exceptions=True)
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        env = {
            "CRM_URL": crm.url,
            "ORDERS_URL": orders.url,
            "BILLING_URL": billing.url,
            "SUPPORT_URL": support.url,
            "ISSUER_URL": issuer.url,
            **credentials,
        }
        yield DemoStack(crm, orders, billing, support, issuer, people, dataset, env)
