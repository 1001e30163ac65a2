"""The connector contract (`connectors.contract_suite`) run on every registered kind.

Each case is a connector from config/registry.example.yaml (or, for `kind: soap`, from
config/registry.soap.example.yaml), the demo portal behind it, one of its capabilities,
keys the portal knows and a key it cannot answer. A newly registered kind fails
`test_every_registered_kind_has_a_contract_case` until it gets a case here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from config.registry import Registry
from connectors.base import Connector
from connectors.capabilities import Key
from connectors.contract_suite import ConnectorContract, ContractSubject
from connectors.kinds import discover_kinds
from connectors.principal import Principal
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

    `route`, `batched`, `describe` as in `ContractSubject`; `expected` gives the dataset's
    truth for a key. `secret_env` is the variable a wrong credential is swapped into.
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
    soap: bool = False  # from the soap example registry instead of the example registry


def _case_id(case: ContractCase) -> object:
    assert isinstance(case, ContractCase)
    return f"{case.connector}-{case.capability}" + ("-soap" if case.soap else "")


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
    ContractCase(
        connector="support",
        capability="tickets",
        route="soap.GetTickets",
        batched=True,
        secret_env="SUPPORT_API_KEY",
        good_keys=lambda ds: [c.support_party for c in ds.customers[:3]],
        unknown_key="P-\x00",  # as above: only an id XML cannot carry is unknown
        describe=_tickets,
        expected=_expected_tickets,
        soap=True,
    ),
]


@pytest.fixture(params=CASES, ids=_case_id)
def contract(
    request: pytest.FixtureRequest,
    stack: DemoStack,
    registry: Registry,
    connectors: dict[str, Connector],
    principal: Principal,
) -> ContractSubject:
    case: ContractCase = request.param
    if case.soap:
        registry = request.getfixturevalue("soap_registry")
        connectors = {case.connector: request.getfixturevalue("soap_support")}
    portal = getattr(stack, case.connector)
    assert isinstance(portal, DemoPortal)
    dataset = stack.dataset

    def with_wrong_credential() -> Connector:
        wrong = "wrong-" + stack.env[case.secret_env][::-1]
        credentials = build_credentials(registry, {**stack.env, case.secret_env: wrong})
        return build_connector(registry, case.connector, credentials)

    def expected(key: Key) -> object:
        return case.expected(dataset, str(key))

    return ContractSubject(
        connector=connectors[case.connector],
        portal=portal,
        capability=case.capability,
        keys=case.good_keys(dataset),
        unknown_key=case.unknown_key,
        route=case.route,
        batched=case.batched,
        describe=case.describe,
        expected=expected,
        with_wrong_credential=with_wrong_credential,
        principal=principal,
    )


class TestBuiltInKindsKeepTheContract(ConnectorContract):
    """Every case above, through every test of the published suite."""


def test_every_registered_kind_has_a_contract_case(
    registry: Registry, soap_registry: Registry
) -> None:
    covered = {
        (soap_registry if case.soap else registry).connectors[case.connector].kind for case in CASES
    }

    assert covered == set(discover_kinds())


def test_the_connector_serves_every_capability_it_owns(
    contract: ContractSubject, registry: Registry, soap_registry: Registry
) -> None:
    kind = contract.connector.kind
    source = soap_registry if kind == "soap" else registry
    owned = set(source.connectors[contract.connector.name].owns)

    assert contract.capability in owned
    assert owned <= contract.connector.capabilities()
