"""The published contract suite, run as a portal owner would run it on their own kind.

No registry and no demo stack: the kind (here the support XML connector, standing in for a
third-party class) is built directly against its own simulated portal, with its own
credential provider, and the test class only subclasses `ConnectorContract`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from connectors.base import Connector, UpstreamAuth
from connectors.capabilities import Key
from connectors.contract_suite import ConnectorContract, ContractSubject
from connectors.principal import Principal
from connectors.records import CaseListRecord, Record, TicketListRecord
from connectors.support_xml import SupportXmlConnector
from demo.data import DemoDataset, build_dataset, demo_customers
from demo.portals.support import SupportPortal

API_KEY = "owner-test-key"


class OneKey:
    """The portal owner's own CredentialProvider: one fixed key."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        return UpstreamAuth(headers={"X-Support-Key": self.key})


def _ticket_ids(record: Record) -> object:
    assert isinstance(record, TicketListRecord)
    return tuple(ticket.ticket_id for ticket in record.tickets)


def _case_ids(record: Record) -> object:
    assert isinstance(record, CaseListRecord)
    return tuple(case.case_id for case in record.cases)


@pytest.fixture
async def portal() -> AsyncIterator[tuple[SupportPortal, DemoDataset]]:
    dataset = build_dataset(demo_customers(), date(2026, 11, 15))
    portal = SupportPortal(dataset, api_key=API_KEY)
    await portal.start()
    try:
        yield portal, dataset
    finally:
        await portal.aclose()


@pytest.fixture(params=["tickets", "cases"])
async def contract(
    request: pytest.FixtureRequest, portal: tuple[SupportPortal, DemoDataset]
) -> AsyncIterator[ContractSubject]:
    server, dataset = portal
    capability: str = request.param
    config = SupportXmlConnector.Config.model_validate({"base_url": server.url})
    by_party = dataset.tickets if capability == "tickets" else dataset.cases
    parties = [party for party in by_party if by_party[party]][:3]

    def expected(key: Key) -> object:
        return tuple(
            getattr(item, "ticket_id" if capability == "tickets" else "case_id")
            for item in by_party.get(str(key), ())
        )

    def with_wrong_credential() -> Connector:
        return SupportXmlConnector("support", config, OneKey("not-the-key"))

    async with SupportXmlConnector("support", config, OneKey(API_KEY)) as connector:
        yield ContractSubject(
            connector=connector,
            portal=server,
            capability=capability,
            keys=parties,
            unknown_key="P-\x00",  # an id XML cannot carry: the portal cannot have it
            route="soap.GetTickets" if capability == "tickets" else "soap.GetCases",
            batched=True,
            describe=_ticket_ids if capability == "tickets" else _case_ids,
            expected=expected,
            with_wrong_credential=with_wrong_credential,
        )


class TestAThirdPartyKindKeepsTheContract(ConnectorContract):
    """Nothing to add: the suite's tests run on the fixture above."""
