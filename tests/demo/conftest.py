"""Demo portals on real loopback sockets, with fixed credentials and a fixed `today`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from demo.data import DemoCustomer, DemoDataset, build_dataset, demo_customers
from demo.issuer import DevIssuer
from demo.portals.base import DemoPortal
from demo.portals.billing import BillingPortal
from demo.portals.crm import CrmPortal
from demo.portals.orders import OrdersPortal
from demo.portals.support import SupportPortal
from tests.demo.harness import (
    BILLING_PASSWORD,
    BILLING_USER,
    CRM_KEY,
    ORDERS_TOKEN,
    PORTAL_KINDS,
    SUPPORT_KEY,
    TODAY,
    make_portal,
)
from tests.demo.oidc import CLIENT_SECRET


# The dataset is immutable (portals copy what they change), so one per session is safe.
@pytest.fixture(scope="session")
def customers() -> list[DemoCustomer]:
    return demo_customers()


@pytest.fixture(scope="session")
def dataset(customers: list[DemoCustomer]) -> DemoDataset:
    return build_dataset(customers, TODAY)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def crm(dataset: DemoDataset) -> AsyncIterator[CrmPortal]:
    async with CrmPortal(dataset, api_key=CRM_KEY) as portal:
        yield portal


@pytest.fixture
async def orders(dataset: DemoDataset) -> AsyncIterator[OrdersPortal]:
    async with OrdersPortal(dataset, token=ORDERS_TOKEN) as portal:
        yield portal


@pytest.fixture
async def billing(dataset: DemoDataset) -> AsyncIterator[BillingPortal]:
    async with BillingPortal(dataset, username=BILLING_USER, password=BILLING_PASSWORD) as portal:
        yield portal


@pytest.fixture
async def support(dataset: DemoDataset) -> AsyncIterator[SupportPortal]:
    async with SupportPortal(dataset, api_key=SUPPORT_KEY) as portal:
        yield portal


@pytest.fixture(params=PORTAL_KINDS)
async def any_portal(
    request: pytest.FixtureRequest, dataset: DemoDataset
) -> AsyncIterator[DemoPortal]:
    async with make_portal(request.param, dataset) as portal:
        yield portal


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that keeps cookies like a browser, also for 127.0.0.1."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        yield client


@pytest.fixture
async def issuer(customers: list[DemoCustomer]) -> AsyncIterator[DevIssuer]:
    async with DevIssuer(customers, client_secret=CLIENT_SECRET) as server:
        yield server


@pytest.fixture
async def orders_jwt(dataset: DemoDataset, issuer: DevIssuer) -> AsyncIterator[OrdersPortal]:
    """The web shop accepting the issuer's JWTs as well as the static token."""
    async with OrdersPortal(dataset, token=ORDERS_TOKEN, jwt_issuer=issuer.url) as portal:
        yield portal


@pytest.fixture
async def support_jwt(dataset: DemoDataset, issuer: DevIssuer) -> AsyncIterator[SupportPortal]:
    """The support desk accepting client-credentials JWTs only."""
    async with SupportPortal(dataset, jwt_issuer=issuer.url) as portal:
        yield portal
