"""SupportXmlConnector over the real simulated support portal on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from importlib.metadata import entry_points

import defusedxml.ElementTree as SafeET
import pydantic
import pytest

from connectors.base import UpstreamAuth
from connectors.errors import (
    BadUpstreamData,
    CapabilityNotSupported,
    ConnectorTimeout,
    ConnectorUnavailable,
    ErrorCode,
    RecordNotFound,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from connectors.principal import Principal
from connectors.records import CaseListRecord, TicketListRecord, TicketRecord
from connectors.support_xml import SupportXmlConnector, _public_fault_message
from demo.data import DemoDataset, build_dataset, demo_customers
from demo.portals.support import SupportPortal

API_KEY = "support-test-key"
TODAY = date(2026, 11, 15)
NOBODY = "P-00000"  # a party id the portal has no data for


class FakeCredentials:
    """A CredentialProvider that hands out one fixed support key and records each call."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.calls: list[tuple[str, Principal | None]] = []

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        self.calls.append((connector, principal))
        return UpstreamAuth(headers={"X-Support-Key": self.key})


@pytest.fixture
def dataset() -> DemoDataset:
    return build_dataset(demo_customers(), TODAY)


@pytest.fixture
async def portal(dataset: DemoDataset) -> AsyncIterator[SupportPortal]:
    portal = SupportPortal(dataset, api_key=API_KEY)
    await portal.start()
    try:
        yield portal
    finally:
        await portal.aclose()


@pytest.fixture
def principal() -> Principal:
    return Principal(subject="cust-001", issuer="https://idp.test")


def make_connector(
    portal: SupportPortal, credentials: FakeCredentials | None = None, **config: object
) -> SupportXmlConnector:
    settings = SupportXmlConnector.Config.model_validate({"base_url": portal.url, **config})
    return SupportXmlConnector("support", settings, credentials or FakeCredentials(API_KEY))


@pytest.fixture
async def support(portal: SupportPortal) -> AsyncIterator[SupportXmlConnector]:
    async with make_connector(portal) as connector:
        yield connector


def parties(dataset: DemoDataset, count: int) -> list[str]:
    return [customer.support_party for customer in dataset.customers[:count]]


async def test_a_batch_of_parties_is_one_request_in_key_order(
    portal: SupportPortal, dataset: DemoDataset, principal: Principal
) -> None:
    first, second = parties(dataset, 2)
    keys = [second, NOBODY, first]
    credentials = FakeCredentials(API_KEY)

    async with make_connector(portal, credentials) as support:
        results = await support.fetch("tickets", keys, principal)

    assert portal.requests["soap.GetTickets"] == 1
    assert len(results) == 3
    assert all(isinstance(result, TicketListRecord) for result in results)
    for key, result in zip(keys, results, strict=True):
        assert isinstance(result, TicketListRecord)
        expected = dataset.tickets.get(key, ())
        assert [t.ticket_id for t in result.tickets] == [t.ticket_id for t in expected]
    assert results[1] == TicketListRecord(tickets=())
    assert credentials.calls == [("support", principal)]


async def test_tickets_are_mapped_to_ticket_records(
    support: SupportXmlConnector, dataset: DemoDataset, principal: Principal
) -> None:
    party = dataset.customers[0].support_party

    [result] = await support.fetch("tickets", [party], principal)

    assert isinstance(result, TicketListRecord)
    expected = {
        t.ticket_id: TicketRecord(
            ticket_id=t.ticket_id,
            subject=t.subject,
            status=t.status.lower(),
            opened_at=t.opened,
            updated_at=t.last_update,
            awaiting_customer=t.status == "WAITING_ON_CUSTOMER",
        )
        for t in dataset.tickets[party]
    }
    assert {t.ticket_id: t for t in result.tickets} == expected
    # the first ten demo customers are guaranteed a ticket waiting on them
    waiting = [t for t in result.tickets if t.awaiting_customer]
    assert waiting
    assert {t.status for t in waiting} == {"waiting_on_customer"}


async def test_a_batch_above_max_batch_is_split(
    portal: SupportPortal, dataset: DemoDataset, principal: Principal
) -> None:
    keys = parties(dataset, 5)
    async with make_connector(portal, max_batch=2) as support:
        results = await support.fetch("tickets", keys, principal)

    assert portal.requests["soap.GetTickets"] == 3
    for key, result in zip(keys, results, strict=True):
        assert isinstance(result, TicketListRecord)
        assert [t.ticket_id for t in result.tickets] == [
            t.ticket_id for t in dataset.tickets.get(key, ())
        ]


async def test_repeated_keys_are_asked_once_and_answered_at_each_position(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    party = dataset.customers[0].support_party

    results = await support.fetch("tickets", [party, NOBODY, party], principal)

    assert portal.requests["soap.GetTickets"] == 1
    assert results[0] == results[2]
    assert results[1] == TicketListRecord(tickets=())


async def test_cases_are_mapped_with_ordered_steps_and_requirements(
    support: SupportXmlConnector, dataset: DemoDataset, principal: Principal
) -> None:
    keys = parties(dataset, 3)

    results = await support.fetch("cases", [*keys, NOBODY], principal)

    assert results[-1] == CaseListRecord(cases=())
    for key, result in zip(keys, results, strict=False):
        assert isinstance(result, CaseListRecord)
        expected = {case.case_id: case for case in dataset.cases.get(key, ())}
        assert [case.case_id for case in result.cases] == list(expected)
        for case in result.cases:
            source = expected[case.case_id]
            assert case.kind == source.kind.lower()
            assert case.kind in {"insurance_claim", "loan_application"}
            assert case.title == source.title
            assert case.status == source.status.lower()
            assert [(s.position, s.name, s.state) for s in case.steps] == [
                (s.seq, s.name, s.state.lower()) for s in sorted(source.steps, key=lambda s: s.seq)
            ]
            assert case.current_step == source.current_step
            assert [(r.kind, r.description, r.due_on) for r in case.requirements] == [
                (r.kind.lower(), r.description, r.due) for r in source.requirements
            ]
    first = results[0]
    assert isinstance(first, CaseListRecord)
    # the first demo customer is guaranteed a case with an open requirement
    assert any(case.requirements for case in first.cases)


async def test_open_ticket_returns_the_ticket_as_stored(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    party = dataset.customers[0].support_party
    subject = 'Broken <lid> & "spare" parts'  # ElementTree escapes it on the way out

    ticket = await support.write(
        "open_ticket", party, {"subject": subject, "message": "It rattles."}, principal
    )

    assert isinstance(ticket, TicketRecord)
    assert ticket.subject == subject
    assert ticket.status == "open"
    assert ticket.awaiting_customer is False
    assert portal.requests["soap.OpenTicket"] == 1
    [after] = await support.fetch("tickets", [party], principal)
    assert isinstance(after, TicketListRecord)
    assert ticket in after.tickets


async def test_a_client_fault_on_open_ticket_is_a_validation_error(
    support: SupportXmlConnector, dataset: DemoDataset, principal: Principal
) -> None:
    party = dataset.customers[0].support_party

    with pytest.raises(UpstreamValidationFailed) as caught:
        await support.write("open_ticket", party, {"subject": "", "message": "x"}, principal)

    assert caught.value.code is ErrorCode.BAD_USER_INPUT
    assert caught.value.connector == "support"
    assert caught.value.message == "Subject must be 1-120 characters"


async def test_a_client_fault_for_an_unknown_party_is_passed_through(
    support: SupportXmlConnector, principal: Principal
) -> None:
    with pytest.raises(UpstreamValidationFailed) as caught:
        await support.write("open_ticket", NOBODY, {"subject": "s", "message": "m"}, principal)

    assert caught.value.message == "unknown party"


@pytest.mark.parametrize(
    ("faultcode", "faultstring", "expected"),
    [
        ("Client", "Subject must be 1-120 characters", "Subject must be 1-120 characters"),
        ("soap:Client", "Message too long", "Message too long"),
        ("Client", "line one\nat db.query(SELECT ...)", "support did not accept the ticket"),
        ("Client", "x" * 201, "support did not accept the ticket"),
        ("Client", "", "support did not accept the ticket"),
        ("Server", "NullPointerException at host-7", None),
    ],
)
def test_only_short_printable_client_fault_text_reaches_the_customer(
    faultcode: str, faultstring: str, expected: str | None
) -> None:
    fault = SafeET.fromstring("<Fault><faultcode></faultcode><faultstring></faultstring></Fault>")
    fault[0].text, fault[1].text = faultcode, faultstring

    assert _public_fault_message("support", fault) == expected


async def test_text_xml_cannot_carry_is_refused_before_any_request(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    party = dataset.customers[0].support_party

    with pytest.raises(UpstreamValidationFailed) as caught:
        await support.write(
            "open_ticket", party, {"subject": "bell\x07", "message": "x"}, principal
        )

    assert caught.value.field == "subject"
    assert portal.requests_total == 0


async def test_a_payload_without_text_is_refused_before_any_request(
    portal: SupportPortal, support: SupportXmlConnector, principal: Principal
) -> None:
    with pytest.raises(UpstreamValidationFailed) as caught:
        await support.write("open_ticket", "P-1", {"subject": "s"}, principal)

    assert caught.value.field == "message"
    assert portal.requests_total == 0


async def test_a_party_id_xml_cannot_carry_is_not_found_alone(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    party = dataset.customers[0].support_party

    results = await support.fetch("tickets", ["P-\x00", party], principal)

    assert isinstance(results[0], RecordNotFound)
    assert isinstance(results[1], TicketListRecord)
    assert portal.requests["soap.GetTickets"] == 1


async def test_a_wrong_key_is_rejected_with_401(
    portal: SupportPortal, dataset: DemoDataset, principal: Principal
) -> None:
    async with make_connector(portal, FakeCredentials("not-the-key")) as support:
        with pytest.raises(UpstreamRejected) as caught:
            await support.fetch("tickets", parties(dataset, 1), principal)

    assert caught.value.status == 401
    assert caught.value.code is ErrorCode.UPSTREAM_REJECTED


async def test_the_gateway_deadline_cancels_a_hanging_call_cleanly(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    portal.knobs.hang = True

    # The gateway's asyncio.timeout must see its own cancellation come back, so the
    # connector may not turn it into a ConnectorError.
    with pytest.raises(TimeoutError) as caught:
        async with asyncio.timeout(0.2):
            await support.fetch("tickets", parties(dataset, 1), principal)

    assert not isinstance(caught.value, ConnectorTimeout)
    portal.knobs.hang = False
    [result] = await support.fetch("tickets", parties(dataset, 1), principal)
    assert isinstance(result, TicketListRecord)


async def test_a_malformed_answer_is_bad_upstream_data(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    portal.knobs.malformed = True

    with pytest.raises(BadUpstreamData) as caught:
        await support.fetch("cases", parties(dataset, 2), principal)

    assert caught.value.code is ErrorCode.UPSTREAM_BAD_RESPONSE
    assert caught.value.message == "support returned an unreadable response"


async def test_a_server_error_is_unavailable(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    portal.knobs.fail_status = 500

    with pytest.raises(ConnectorUnavailable) as caught:
        await support.fetch("tickets", parties(dataset, 1), principal)

    assert caught.value.message == "support is unavailable"


async def test_a_server_fault_on_open_ticket_is_unavailable_not_user_error(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    portal.knobs.fail_status = 500

    with pytest.raises(ConnectorUnavailable):
        await support.write(
            "open_ticket", parties(dataset, 1)[0], {"subject": "s", "message": "m"}, principal
        )


async def test_refused_connections_are_unavailable(
    portal: SupportPortal,
    support: SupportXmlConnector,
    dataset: DemoDataset,
    principal: Principal,
) -> None:
    await portal.refuse_connections()

    with pytest.raises(ConnectorUnavailable):
        await support.fetch("tickets", parties(dataset, 1), principal)


async def test_health_is_up_then_down_when_the_portal_refuses(
    portal: SupportPortal, support: SupportXmlConnector
) -> None:
    up = await support.health()
    assert (up.status, up.reason) == ("up", None)
    assert up.latency_ms >= 0

    await portal.refuse_connections()
    down = await support.health()

    assert down.status == "down"
    assert down.reason == "unreachable"


async def test_health_is_down_on_a_server_error_and_before_start(portal: SupportPortal) -> None:
    support = make_connector(portal)
    assert (await support.health()).status == "down"

    portal.knobs.fail_status = 503
    async with support:
        health = await support.health()

    assert (health.status, health.reason) == ("down", "HTTP 503")


async def test_aclose_twice_is_harmless(portal: SupportPortal) -> None:
    support = make_connector(portal)
    await support.start()

    await support.aclose()
    await support.aclose()

    assert (await support.health()).reason == "not started"


async def test_unknown_capabilities_are_not_supported(
    support: SupportXmlConnector, principal: Principal
) -> None:
    assert support.capabilities() == {"tickets", "cases", "open_ticket"}
    with pytest.raises(CapabilityNotSupported):
        await support.fetch("invoices", ["P-1"], principal)
    with pytest.raises(CapabilityNotSupported):
        await support.write("update_profile", "P-1", {}, principal)


def test_config_rejects_unknown_keys_and_bad_values() -> None:
    with pytest.raises(pydantic.ValidationError):
        SupportXmlConnector.Config.model_validate({"base_url": "http://x", "timout": 1})
    with pytest.raises(pydantic.ValidationError):
        SupportXmlConnector.Config.model_validate({"base_url": "http://x", "max_batch": 0})
    with pytest.raises(pydantic.ValidationError):
        SupportXmlConnector.Config.model_validate({"base_url": "http://x", "path": "soap"})


def test_the_kind_is_registered_as_an_entry_point() -> None:
    [entry] = entry_points(group="portalgate.connectors", name="demo.support_xml")

    assert entry.load() is SupportXmlConnector
    assert SupportXmlConnector.kind == "demo.support_xml"
