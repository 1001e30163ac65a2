"""SoapConnector (`kind: soap`) over the real demo support desk and its WSDL on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pydantic
import pytest

from connectors.base import UpstreamAuth
from connectors.errors import (
    ErrorCode,
    RecordNotFound,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from connectors.principal import Principal
from connectors.records import CaseListRecord, TicketListRecord, TicketRecord
from connectors.soap import SoapConfig, SoapConnector
from connectors.soap_wsdl import WsdlError
from connectors.support_xml import SupportXmlConnector
from demo.data import DemoDataset, build_dataset, demo_customers
from demo.portals.support import SupportPortal
from demo.portals.support_wsdl import support_wsdl
from tests.connectors.soap_registry import example_soap_config, example_soap_section

API_KEY = "support-test-key"
TODAY = date(2026, 11, 15)


class FakeCredentials:
    """A CredentialProvider with one fixed support key; records each call."""

    def __init__(self, key: str = API_KEY) -> None:
        self.key = key
        self.calls: list[Principal | None] = []

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        self.calls.append(principal)
        return UpstreamAuth(headers={"X-Support-Key": self.key})


@pytest.fixture
def dataset() -> DemoDataset:
    return build_dataset(demo_customers(), TODAY)


@pytest.fixture
async def portal(dataset: DemoDataset) -> AsyncIterator[SupportPortal]:
    async with SupportPortal(dataset, api_key=API_KEY) as portal:
        yield portal


def soap_connector(config: SoapConfig, credentials: FakeCredentials | None = None) -> SoapConnector:
    return SoapConnector("support", config, credentials or FakeCredentials())


@pytest.fixture
async def soap(portal: SupportPortal) -> AsyncIterator[SoapConnector]:
    async with soap_connector(example_soap_config(f"{portal.url}/soap?wsdl")) as connector:
        portal.reset_counts()
        yield connector


async def test_tickets_and_cases_are_those_the_python_class_reads(
    soap: SoapConnector, portal: SupportPortal, dataset: DemoDataset
) -> None:
    parties = [c.support_party for c in dataset.customers]
    config = SupportXmlConnector.Config.model_validate({"base_url": portal.url})

    async with SupportXmlConnector("support", config, FakeCredentials()) as python_class:
        tickets = await soap.fetch("tickets", parties, None)
        cases = await soap.fetch("cases", parties, None)

        assert tickets == await python_class.fetch("tickets", parties, None)
        assert cases == await python_class.fetch("cases", parties, None)
    assert sum(len(r.tickets) for r in tickets if isinstance(r, TicketListRecord)) == sum(
        len(t) for t in dataset.tickets.values()
    )
    assert sum(len(r.cases) for r in cases if isinstance(r, CaseListRecord)) == sum(
        len(c) for c in dataset.cases.values()
    )


async def test_a_batch_is_one_call_with_one_party_id_element_per_key(
    soap: SoapConnector, portal: SupportPortal, dataset: DemoDataset
) -> None:
    parties = [c.support_party for c in dataset.customers[:5]]

    results = await soap.fetch("tickets", parties, None)

    assert portal.requests == {"soap.GetTickets": 1}
    expected = [tuple(t.ticket_id for t in dataset.tickets.get(p, ())) for p in parties]
    assert [
        tuple(t.ticket_id for t in r.tickets) for r in results if isinstance(r, TicketListRecord)
    ] == expected


async def test_batches_are_split_at_max_size(portal: SupportPortal, dataset: DemoDataset) -> None:
    section = example_soap_section(f"{portal.url}/soap?wsdl")
    section["capabilities"]["tickets"]["batch"] = {"max_size": 2}
    config = SoapConfig.model_validate(section)
    parties = [c.support_party for c in dataset.customers[:5]]

    async with soap_connector(config) as connector:
        results = await connector.fetch("tickets", parties, None)

    assert portal.requests["soap.GetTickets"] == 3
    assert all(isinstance(r, TicketListRecord) for r in results)


async def test_credentials_are_asked_for_on_every_call(portal: SupportPortal) -> None:
    credentials = FakeCredentials()
    principal = Principal(subject="cust-001", issuer="https://idp.test")

    async with soap_connector(example_soap_config(f"{portal.url}/soap?wsdl"), credentials) as c:
        await c.fetch("tickets", ["P-1"], principal)
        await c.fetch("cases", ["P-1"], principal)

    assert credentials.calls == [principal, principal]  # none for the WSDL


async def test_open_ticket_returns_the_ticket_the_portal_stored(
    soap: SoapConnector, portal: SupportPortal, dataset: DemoDataset
) -> None:
    party = dataset.customers[0].support_party

    ticket = await soap.write(
        "open_ticket", party, {"subject": "Parcel <late> & lost", "message": "SO-1"}, None
    )

    assert isinstance(ticket, TicketRecord)
    assert ticket.subject == "Parcel <late> & lost"
    assert ticket.status == "open"
    assert portal.tickets(party)[0].ticket_id == ticket.ticket_id
    assert portal.requests == {"soap.OpenTicket": 1}


async def test_a_client_fault_on_a_write_is_bad_user_input_with_the_portals_text(
    soap: SoapConnector, dataset: DemoDataset
) -> None:
    party = dataset.customers[0].support_party

    with pytest.raises(UpstreamValidationFailed) as caught:
        await soap.write("open_ticket", party, {"subject": "x" * 121}, None)

    assert caught.value.code is ErrorCode.BAD_USER_INPUT
    assert str(caught.value) == "Subject must be 1-120 characters"


async def test_a_not_found_fault_on_a_write_is_not_found(soap: SoapConnector) -> None:
    with pytest.raises(RecordNotFound) as caught:
        await soap.write("open_ticket", "P-00000", {"subject": "Hello"}, None)

    assert caught.value.key == "P-00000"
    assert caught.value.code is ErrorCode.NOT_FOUND


async def test_control_characters_are_refused_before_anything_is_sent(
    soap: SoapConnector, portal: SupportPortal, dataset: DemoDataset
) -> None:
    party = dataset.customers[0].support_party

    with pytest.raises(UpstreamValidationFailed) as caught:
        await soap.write("open_ticket", party, {"subject": "bell\x07"}, None)
    missing = await soap.fetch("tickets", ["P-\x00"], None)

    assert caught.value.field == "subject"
    assert isinstance(missing[0], RecordNotFound)
    assert portal.requests_total == 0


async def test_a_wrong_key_is_rejected_as_401(portal: SupportPortal) -> None:
    config = example_soap_config(f"{portal.url}/soap?wsdl")

    async with soap_connector(config, FakeCredentials("wrong")) as connector:
        with pytest.raises(UpstreamRejected) as caught:
            await connector.fetch("tickets", ["P-1"], None)

    assert caught.value.status == 401


async def test_the_wsdl_can_be_a_file(
    portal: SupportPortal, dataset: DemoDataset, tmp_path: Path
) -> None:
    wsdl = tmp_path / "support.wsdl"
    wsdl.write_text(support_wsdl(f"{portal.url}/soap"), encoding="utf-8")
    party = dataset.customers[0].support_party

    async with soap_connector(example_soap_config(str(wsdl))) as connector:
        [tickets] = await connector.fetch("tickets", [party], None)

    assert isinstance(tickets, TicketListRecord)
    assert "soap.wsdl" not in portal.requests


async def test_address_overrides_the_one_the_wsdl_names(
    portal: SupportPortal, tmp_path: Path
) -> None:
    wsdl = tmp_path / "support.wsdl"
    wsdl.write_text(support_wsdl("http://support.internal.invalid/soap"), encoding="utf-8")
    config = example_soap_config(str(wsdl), address=f"{portal.url}/soap")

    async with soap_connector(config) as connector:
        await connector.fetch("tickets", ["P-1"], None)
        health = await connector.health()

    assert portal.requests["soap.GetTickets"] == 1
    assert health.status == "up"


@pytest.mark.parametrize(
    ("change", "key", "says"),
    [
        ({"operation": "GetTicket"}, "config.capabilities.tickets.operation", "GetTickets"),
        ({"request": {"PartyIds": "{keys}"}}, "config.capabilities.tickets.operation", "PartyId"),
    ],
)
async def test_what_the_wsdl_does_not_offer_fails_the_start(
    portal: SupportPortal, change: dict[str, Any], key: str, says: str
) -> None:
    config = example_soap_config(f"{portal.url}/soap?wsdl")
    tickets = config.capabilities["tickets"].model_copy(update=change)
    config = config.model_copy(update={"capabilities": {"tickets": tickets}})

    with pytest.raises(WsdlError) as caught:
        await soap_connector(config).start()

    assert caught.value.key == key
    assert says in caught.value.problem  # names what the WSDL does have


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"service": "Helpdesk"}, "config.service"),
        ({"port": "Other"}, "config.port"),
        ({"wsdl": "/soap/missing.wsdl"}, "config.wsdl"),
    ],
)
async def test_a_wsdl_or_port_that_cannot_be_used_fails_the_start(
    portal: SupportPortal, config: dict[str, str], key: str
) -> None:
    wsdl = config.pop("wsdl", "/soap?wsdl")
    settings = example_soap_config(f"{portal.url}{wsdl}", **config)

    with pytest.raises(WsdlError) as caught:
        await soap_connector(settings).start()

    assert caught.value.key == key
    assert caught.value.connector == "support"


@pytest.mark.parametrize(
    "change",
    [
        {"batch": None},  # "{keys}" without batch
        {"request": {"PartyId": "{id}"}},  # batch without "{keys}"
        {"operation": ""},
        {"colour": "blue"},
    ],
)
def test_config_mistakes_fail_validation(change: dict[str, Any]) -> None:
    config = example_soap_section("support.wsdl")
    config["capabilities"]["tickets"] |= change

    with pytest.raises(pydantic.ValidationError):
        SoapConfig.model_validate(config)


def test_a_write_needs_a_body_and_a_paged_capability_is_refused() -> None:
    config = example_soap_section("support.wsdl")
    without_body = {k: v for k, v in config["capabilities"]["open_ticket"].items() if k != "body"}
    paged = config["capabilities"]["tickets"] | {"operation": "GetTickets"}

    with pytest.raises(pydantic.ValidationError, match="give `body`"):
        SoapConfig.model_validate(config | {"capabilities": {"open_ticket": without_body}})
    with pytest.raises(pydantic.ValidationError, match="paged"):
        SoapConfig.model_validate(config | {"capabilities": {"orders_by_customer": paged}})
