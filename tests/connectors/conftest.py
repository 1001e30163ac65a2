"""Connectors built from the shipped example registry, against the running demo stack.

Connectors are built exactly as the gateway builds them:

    registry.example.yaml ─▶ load_registry(env of the stack) ─▶ UpstreamCredentials
                          ─▶ kinds[spec.kind](name, registry.configs[name], credentials)

One demo stack serves the whole session (starting one costs ~100 ms); `stack` hands it to
a test and afterwards resets every portal's knobs and counters and lets refused
connections in again. Because the stack's servers live in the session's event loop, every
async test and fixture that uses `stack` runs in that loop (pytest-asyncio's documented
`pytest_collection_modifyitems` recipe, limited to tests that ask for `stack`).
State a portal keeps (a CRM profile update) is not reset: tests that write use customers
no other test compares with the dataset.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio

from config.registry import Registry, load_registry
from config.upstream_auth import ApiKeyAuth, SecretRef, StaticBearerAuth
from connectors.base import Connector
from connectors.kinds import discover_kinds
from connectors.principal import Principal
from demo.portals.base import DemoPortal, Knobs
from demo.stack import DemoStack, open_demo_stack
from sso.upstream import UpstreamCredentials
from tests.connectors.soap_registry import write_soap_registry

EXAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml"
TODAY = date(2026, 11, 20)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The hook sees every collected item, so it only touches tests in this directory.
    here = Path(__file__).parent
    in_session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if (
            item.path.is_relative_to(here)
            and pytest_asyncio.is_async_test(item)
            and "stack" in getattr(item, "fixturenames", ())
        ):
            item.add_marker(in_session_loop, append=False)


# The example registry gives orders the customer's exchanged token and support the
# gateway's client-credentials token; with those a portal serves one customer's data
# only. Contract and mapping tests read many customers in one batch, so they use each
# portal's back-office credential instead (the gateway's flows are tested in integration).
BACK_OFFICE = {
    "orders": StaticBearerAuth(scheme="bearer", token=SecretRef(env="ORDERS_TOKEN")),
    "support": ApiKeyAuth(
        scheme="api_key", header="X-Support-Key", secret=SecretRef(env="SUPPORT_API_KEY")
    ),
}


def build_credentials(registry: Registry, environ: Mapping[str, str]) -> UpstreamCredentials:
    """Every connector's credentials, resolved from `environ` as at gateway start."""
    schemes = {name: BACK_OFFICE.get(name, spec.auth) for name, spec in registry.connectors.items()}
    return UpstreamCredentials(schemes, environ, source=registry.source)


def build_connector(registry: Registry, name: str, credentials: UpstreamCredentials) -> Connector:
    """The connector `name` as the gateway builds it (not started)."""
    kind = discover_kinds()[registry.connectors[name].kind]
    return kind(name, registry.configs[name], credentials)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def running_stack() -> AsyncIterator[DemoStack]:
    async with open_demo_stack(today=TODAY) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def stack(running_stack: DemoStack) -> AsyncIterator[DemoStack]:
    """The shared demo stack, reset after the test."""
    yield running_stack
    portals: tuple[DemoPortal, ...] = (
        running_stack.crm,
        running_stack.orders,
        running_stack.billing,
        running_stack.support,
    )
    for portal in portals:
        portal.knobs = Knobs()
        portal.reset_counts()
        await portal.accept_connections()


@pytest.fixture(scope="session")
def registry(running_stack: DemoStack) -> Registry:
    return load_registry(EXAMPLE_REGISTRY, running_stack.env, discover_kinds())


@pytest.fixture(scope="session")
def soap_registry(running_stack: DemoStack, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """The example registry with the support desk registered through `kind: soap`."""
    path = write_soap_registry(tmp_path_factory.mktemp("soap-registry"))
    return load_registry(path, running_stack.env, discover_kinds())


@pytest_asyncio.fixture(loop_scope="session")
async def soap_support(stack: DemoStack, soap_registry: Registry) -> AsyncIterator[Connector]:
    """The support desk's `kind: soap` connector, started (its WSDL loaded); closed after."""
    connector = build_connector(
        soap_registry, "support", build_credentials(soap_registry, stack.env)
    )
    async with connector:
        # The WSDL fetched at start is not one of the calls a test counts.
        stack.support.reset_counts()
        yield connector


@pytest_asyncio.fixture(loop_scope="session")
async def connectors(stack: DemoStack, registry: Registry) -> AsyncIterator[dict[str, Connector]]:
    """Every connector of the example registry, started; closed after the test."""
    credentials = build_credentials(registry, stack.env)
    built = {name: build_connector(registry, name, credentials) for name in registry.connectors}
    try:
        for connector in built.values():
            await connector.start()
        yield built
    finally:
        for connector in built.values():
            await connector.aclose()


@pytest.fixture
def principal(stack: DemoStack) -> Principal:
    first = stack.customers[0]
    return Principal(
        subject=first.subject,
        issuer=stack.issuer.url,
        links={
            "crm": first.crm_id,
            "orders": first.shop_no,
            "billing": first.billing_account,
            "support": first.support_party,
        },
    )
