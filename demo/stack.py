"""The whole demo in one context manager: dataset, four portals and the dev issuer.

    async with open_demo_stack() as stack:
        registry_env = stack.env                 # CRM_URL, CRM_API_KEY, ..., ISSUER_URL
        stack.crm.knobs.latency_s = 0.3          # make one portal slow
        token = stack.issuer.issue_token("cust-001")

The issuer starts first (the orders and support portals check its JWTs, so they need its
URL), then the portals concurrently; all on 127.0.0.1 with free ports and fresh random
credentials. Everything closes on exit, also when something fails to start.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from demo.data import (
    DemoCustomer,
    DemoDataset,
    DemoEmployee,
    build_dataset,
    demo_customers,
    demo_employees,
)
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
    employees: list[DemoEmployee] = field(default_factory=list)


@asynccontextmanager
async def open_demo_stack(
    *, seed: int = 7, customers: int = 60, today: date | None = None
) -> AsyncIterator[DemoStack]:
    """Start the demo stack; `today` defaults to the current UTC date."""
    people = demo_customers(customers, seed)
    staff = demo_employees()
    dataset = build_dataset(people, today or datetime.now(UTC).date(), seed=seed)
    credentials = {
        "CRM_API_KEY": secrets.token_urlsafe(24),
        "ORDERS_TOKEN": secrets.token_urlsafe(24),
        "BILLING_USER": "portalgate",
        "BILLING_PASSWORD": secrets.token_urlsafe(24),
        "SUPPORT_API_KEY": secrets.token_urlsafe(24),
        "PORTALGATE_CLIENT_ID": "portalgate",
        "PORTALGATE_CLIENT_SECRET": secrets.token_urlsafe(32),
    }
    issuer = DevIssuer(
        people,
        employees=staff,
        client_id=credentials["PORTALGATE_CLIENT_ID"],
        client_secret=credentials["PORTALGATE_CLIENT_SECRET"],
    )
    async with AsyncExitStack() as stack:
        stack.push_async_callback(issuer.aclose)  # pushed first, so it closes last
        await issuer.start()
        crm = CrmPortal(dataset, api_key=credentials["CRM_API_KEY"], seed=seed)
        orders = OrdersPortal(
            dataset, token=credentials["ORDERS_TOKEN"], jwt_issuer=issuer.url, seed=seed + 1
        )
        billing = BillingPortal(
            dataset,
            username=credentials["BILLING_USER"],
            password=credentials["BILLING_PASSWORD"],
            seed=seed + 2,
        )
        support = SupportPortal(
            dataset, api_key=credentials["SUPPORT_API_KEY"], jwt_issuer=issuer.url, seed=seed + 3
        )
        portals = (crm, orders, billing, support)
        for portal in portals:
            stack.push_async_callback(portal.aclose)
        # Wait for every start before raising, so nothing is still starting while the
        # exit stack closes the servers.
        started = await asyncio.gather(*(p.start() for p in portals), return_exceptions=True)
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
        yield DemoStack(crm, orders, billing, support, issuer, people, dataset, env, staff)
