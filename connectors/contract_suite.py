"""The connector contract, checked for every registered kind against its simulated portal.

One suite, one parametrized fixture (the shape of strawberry's tests/http/conftest.py):
each case is a connector from config/registry.example.yaml, the demo portal behind it, one
of its capabilities, keys the portal knows and a key it cannot answer. A newly registered
kind fails `test_every_registered_kind_has_a_contract_case` until it gets a case here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from config.registry import Registry
from connectors.base import Connector
from connectors.capabilities import CAPABILITIES
from connectors.errors import (
    BadUpstreamData,
    CapabilityNotSupported,
    ConnectorError,
    ConnectorUnavailable,
    ErrorCode,
    RecordNotFound,
    UpstreamRejected,
)
from connectors.kinds import discover_kinds
from connectors.records import (
    InvoiceListRecord,
    OrderRecord,
    ProfileRecord,
    Record,
    TicketListRecord,
)
from demo.data import DemoDataset
from demo.portals.base import DemoPortal
from demo.stack import DemoStack
from sso.principal import Principal
from tests.connectors.conftest import build_connector, build_credentials


def _profile(record: Record) -> object:
    assert isinstance(record, ProfileRecord)
    return (record.customer_id, record.first_name, record.last_name)


def _expected_profile(dataset: DemoDataset, key: str) -> object:
    profile = dataset.profiles[key]
    return (key, profile.first_name, profile.last_name)


def _order(record: Record) -> object:
    assert isinstance(record, OrderRecord)
    return (record.order_id, record.customer_id)


def _expected_order(dataset: DemoDataset, key: str) -> object:
    [order] = [o for orders in dataset.orders.values() for o in orders if o.order_no == key]
    return (key, order.customer_no)


def _invoices(record: Record) -> object:
    assert isinstance(record, InvoiceListRecord)
    return tuple(invoice.invoice_id for invoice in record.invoices)


def _expected_invoices(dataset: DemoDataset, key: str) -> object:
    return tuple(invoice.invoice_id for invoice in dataset.invoices[key])


def _tickets(record: Record) -> object:
    assert isinstance(record, TicketListRecord)
    return tuple(ticket.ticket_id for ticket in record.tickets)


def _expected_tickets(dataset: DemoDataset, key: str) -> object:
    return tuple(ticket.ticket_id for ticket in dataset.tickets.get(key, ()))


def _order_numbers(dataset: DemoDataset) -> list[str]:
    first, second = (dataset.orders[c.shop_no] for c in dataset.customers[:2])
    return [first[0].order_no, second[0].order_no, first[5].order_no]


@dataclass(frozen=True)
class ContractCase:
    """How one connector of the example registry is checked.

    `route` is the portal's request counter for the capability; a `batched` capability
    costs one request per batch, otherwise one per key. `secret_env` is the variable a
    wrong credential is swapped into. `describe` and `expected` reduce a record and the
    dataset's truth for a key to comparable values.
    """

    connector: str
    capability: str
    route: str
    batched: bool
    secret_env: str
    good_keys: Callable[[DemoDataset], list[str]]
    unknown_key: str
    describe: Callable[[Record], object]
    expected: Callable[[DemoDataset, str], object]


CASES = [
    ContractCase(
        connector="crm",
        capability="profile",
        route="customers.batch",
        batched=True,
        secret_env="CRM_API_KEY",
        good_keys=lambda ds: [c.crm_id for c in ds.customers[:3]],
        unknown_key="C-99999",
        describe=_profile,
        expected=_expected_profile,
    ),
    ContractCase(
        connector="orders",
        capability="order",
        route="orders.by_ids",
        batched=True,
        secret_env="ORDERS_TOKEN",
        good_keys=_order_numbers,
        unknown_key="SO-000000",
        describe=_order,
        expected=_expected_order,
    ),
    ContractCase(
        connector="billing",
        capability="invoices",
        route="invoices.by_account",
        batched=False,
        secret_env="BILLING_PASSWORD",
        good_keys=lambda ds: [c.billing_account for c in ds.customers[:3]],
        unknown_key="ACC-000000",
        describe=_invoices,
        expected=_expected_invoices,
    ),
    ContractCase(
        connector="support",
        capability="tickets",
        route="soap.GetTickets",
        batched=True,
        secret_env="SUPPORT_API_KEY",
        good_keys=lambda ds: [c.support_party for c in ds.customers[:3]],
        # The portal answers an unknown party with no tickets, which the connector
        # cannot tell from a party without any; only an id it cannot send is unknown.
        unknown_key="P-\x00",
        describe=_tickets,
        expected=_expected_tickets,
    ),
]


@dataclass(frozen=True)
class Contract:
    """What each contract test gets: a started connector and everything to check it."""

    case: ContractCase
    connector: Connector
    portal: DemoPortal
    capability: str
    keys: list[str]
    unknown_key: str
    stack: DemoStack
    registry: Registry

    def expected(self, keys: list[str]) -> list[object]:
        return [self.case.expected(self.stack.dataset, key) for key in keys]

    def described(self, results: Any) -> list[object]:
        return [self.case.describe(result) for result in results]


@pytest.fixture(params=CASES, ids=lambda case: f"{case.connector}-{case.capability}")
def contract(
    request: pytest.FixtureRequest,
    stack: DemoStack,
    registry: Registry,
    connectors: dict[str, Connector],
) -> Contract:
    case: ContractCase = request.param
    portal = getattr(stack, case.connector)
    assert isinstance(portal, DemoPortal)
    return Contract(
        case=case,
        connector=connectors[case.connector],
        portal=portal,
        capability=case.capability,
        keys=case.good_keys(stack.dataset),
        unknown_key=case.unknown_key,
        stack=stack,
        registry=registry,
    )


def test_every_registered_kind_has_a_contract_case(registry: Registry) -> None:
    covered = {registry.connectors[case.connector].kind for case in CASES}

    assert covered == set(discover_kinds())


def test_the_connector_serves_every_capability_it_owns(contract: Contract) -> None:
    owned = set(contract.registry.connectors[contract.connector.name].owns)

    assert contract.capability in owned
    assert owned <= contract.connector.capabilities()


async def test_a_batch_comes_back_in_key_order(contract: Contract, principal: Principal) -> None:
    keys = contract.keys
    expected = contract.expected(keys)
    assert len(set(expected)) == len(keys)  # distinct answers, or order proves nothing
    per_batch = 1 if contract.case.batched else len(keys)

    results = await contract.connector.fetch(contract.capability, keys, principal)
    assert contract.portal.requests[contract.case.route] == per_batch
    backwards = await contract.connector.fetch(contract.capability, keys[::-1], principal)

    assert contract.described(results) == expected
    assert contract.described(backwards) == expected[::-1]
    assert contract.portal.requests[contract.case.route] == 2 * per_batch


async def test_an_unknown_key_is_returned_as_not_found(
    contract: Contract, principal: Principal
) -> None:
    first, second, *_ = contract.keys
    keys = [first, contract.unknown_key, second]

    results = await contract.connector.fetch(contract.capability, keys, principal)

    assert len(results) == 3
    missing = results[1]
    assert isinstance(missing, RecordNotFound)
    assert missing.key == contract.unknown_key
    assert missing.connector == contract.connector.name
    assert missing.code is ErrorCode.NOT_FOUND
    assert contract.described([results[0], results[2]]) == contract.expected([first, second])


async def test_a_hanging_portal_is_cut_off_by_the_callers_timeout(
    contract: Contract, principal: Principal
) -> None:
    contract.portal.knobs.hang = True

    # The gateway wraps every call in asyncio.timeout and turns its TimeoutError into
    # ConnectorTimeout; the connector must let that cancellation through untouched.
    with pytest.raises(TimeoutError) as caught:
        async with asyncio.timeout(0.3):
            await contract.connector.fetch(contract.capability, contract.keys, principal)

    assert not isinstance(caught.value, ConnectorError)
    contract.portal.knobs.hang = False
    results = await contract.connector.fetch(contract.capability, contract.keys, principal)
    assert contract.described(results) == contract.expected(contract.keys)


async def test_a_server_error_is_unavailable(contract: Contract, principal: Principal) -> None:
    contract.portal.knobs.fail_status = 500

    with pytest.raises(ConnectorUnavailable) as caught:
        await contract.connector.fetch(contract.capability, contract.keys, principal)

    assert caught.value.connector == contract.connector.name
    assert caught.value.code is ErrorCode.UPSTREAM_UNAVAILABLE
    assert "simulated failure" not in str(caught.value)  # the portal's body stays upstream


async def test_a_malformed_answer_is_bad_upstream_data(
    contract: Contract, principal: Principal
) -> None:
    contract.portal.knobs.malformed = True

    with pytest.raises(BadUpstreamData) as caught:
        await contract.connector.fetch(contract.capability, contract.keys, principal)

    assert caught.value.connector == contract.connector.name
    assert caught.value.code is ErrorCode.UPSTREAM_BAD_RESPONSE


async def test_a_wrong_credential_is_rejected_with_401(
    contract: Contract, principal: Principal
) -> None:
    wrong = "wrong-" + contract.stack.env[contract.case.secret_env][::-1]
    environ = {**contract.stack.env, contract.case.secret_env: wrong}
    credentials = build_credentials(contract.registry, environ)

    async with build_connector(contract.registry, contract.connector.name, credentials) as conn:
        with pytest.raises(UpstreamRejected) as caught:
            await conn.fetch(contract.capability, contract.keys, principal)

    assert caught.value.status == 401
    assert caught.value.code is ErrorCode.UPSTREAM_REJECTED
    # A fixed, public message: neither credential nor the portal's error body.
    assert str(caught.value) == f"{contract.connector.name} rejected the request (HTTP 401)"


async def test_health_is_down_while_the_portal_refuses_connections(contract: Contract) -> None:
    assert (await contract.connector.health()).status == "up"

    await contract.portal.refuse_connections()
    down = await contract.connector.health()
    await contract.portal.accept_connections()
    again = await contract.connector.health()

    assert down.status == "down"
    assert down.reason
    assert again.status == "up"


async def test_aclose_twice_is_harmless(contract: Contract) -> None:
    await contract.connector.aclose()
    await contract.connector.aclose()

    health = await contract.connector.health()
    assert health.status == "down"


async def test_a_closed_connector_is_unavailable(contract: Contract, principal: Principal) -> None:
    await contract.connector.aclose()

    with pytest.raises(ConnectorUnavailable) as caught:
        await contract.connector.fetch(contract.capability, contract.keys, principal)
    assert caught.value.connector == contract.connector.name


async def test_a_capability_it_does_not_serve_is_not_supported(
    contract: Contract, principal: Principal
) -> None:
    served = contract.connector.capabilities()
    other = next(c.name for c in CAPABILITIES.values() if c.kind == "read" and c.name not in served)

    with pytest.raises(CapabilityNotSupported) as caught:
        await contract.connector.fetch(other, contract.keys, principal)

    assert caught.value.capability == other
    assert contract.portal.requests_total == 0
