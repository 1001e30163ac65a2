"""SupportPortal over real sockets: SOAP-style GetTickets, GetCases, OpenTicket and faults."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import aiohttp
import defusedxml.ElementTree as SafeET
import pytest

from demo.data import DemoCustomer, DemoDataset
from demo.portals.support import SupportPortal
from tests.demo.harness import soap_envelope, soap_headers


async def call(
    session: aiohttp.ClientSession,
    support: SupportPortal,
    action: str,
    body: str,
    headers: dict[str, str] | None = None,
) -> tuple[int, Element]:
    async with session.post(
        f"{support.url}/soap", data=body, headers=headers or soap_headers(action)
    ) as resp:
        assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
        return resp.status, SafeET.fromstring(await resp.read())


def payload(envelope: Element) -> Element:
    assert envelope.tag == "Envelope"
    body = envelope.find("Body")
    assert body is not None
    return body[0]


def fault_of(envelope: Element) -> tuple[str | None, str | None]:
    fault = payload(envelope)
    assert fault.tag == "Fault"
    return fault.findtext("faultcode"), fault.findtext("faultstring")


def parties(*ids: str) -> str:
    return "".join(f"<PartyId>{i}</PartyId>" for i in ids)


async def test_get_tickets_for_many_parties_in_one_call(
    session: aiohttp.ClientSession, support: SupportPortal, dataset: DemoDataset
) -> None:
    ids = [c.support_party for c in dataset.customers[:3]]
    body = soap_envelope(f"<GetTickets>{parties(*ids)}</GetTickets>")
    status, envelope = await call(session, support, "GetTickets", body)
    assert status == 200
    response = payload(envelope)
    assert response.tag == "GetTicketsResponse"
    tickets = response.findall("Ticket")
    expected = [t for i in ids for t in dataset.tickets.get(i, ())]
    assert [t.get("id") for t in tickets] == [t.ticket_id for t in expected]
    first = tickets[0]
    assert first.get("partyId") == ids[0]
    assert first.findtext("Subject") == expected[0].subject
    assert first.findtext("Status") == expected[0].status
    assert first.findtext("Opened", "").endswith("Z")
    assert first.findtext("LastUpdate", "").endswith("Z")
    assert support.requests["soap.GetTickets"] == 1


async def test_get_cases_have_steps_and_requirements(
    session: aiohttp.ClientSession, support: SupportPortal, customers: list[DemoCustomer]
) -> None:
    body = soap_envelope(f"<GetCases>{parties(customers[0].support_party)}</GetCases>")
    status, envelope = await call(session, support, "GetCases", body)
    assert status == 200
    cases = payload(envelope).findall("Case")
    assert cases
    for case in cases:
        assert case.get("type") in {"INSURANCE_CLAIM", "LOAN_APPLICATION"}
        assert case.findtext("Title") and case.findtext("Status")
        steps = case.findall("Steps/Step")
        current = [s for s in steps if s.get("state") == "CURRENT"]
        assert len(current) == 1
        assert case.findtext("CurrentStep") == current[0].get("seq")
    requirements = [r for case in cases for r in case.findall("Requirements/Requirement")]
    assert requirements
    assert all(r.get("kind") and r.get("due") and r.text for r in requirements)


async def test_open_ticket_appears_in_later_get_tickets(
    session: aiohttp.ClientSession, support: SupportPortal, customers: list[DemoCustomer]
) -> None:
    party = customers[4].support_party
    body = soap_envelope(
        f"<OpenTicket>{parties(party)}<Subject>Where is my parcel?</Subject>"
        "<Message>Ordered two weeks ago.</Message></OpenTicket>"
    )
    status, envelope = await call(session, support, "OpenTicket", body)
    assert status == 200
    response = payload(envelope)
    assert response.tag == "OpenTicketResponse"
    ticket = response.find("Ticket")
    assert ticket is not None
    assert ticket.get("partyId") == party
    assert ticket.findtext("Status") == "OPEN"
    assert ticket.findtext("Subject") == "Where is my parcel?"

    body = soap_envelope(f"<GetTickets>{parties(party)}</GetTickets>")
    _, envelope = await call(session, support, "GetTickets", body)
    listed = payload(envelope).findall("Ticket")
    assert listed[0].get("id") == ticket.get("id")
    assert support.requests["soap.OpenTicket"] == 1
    assert support.requests["soap.GetTickets"] == 1


async def test_namespaced_envelope_is_accepted(
    session: aiohttp.ClientSession, support: SupportPortal, customers: list[DemoCustomer]
) -> None:
    body = (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f"<GetCases>{parties(customers[0].support_party)}</GetCases></soap:Body></soap:Envelope>"
    )
    status, envelope = await call(session, support, "GetCases", body)
    assert status == 200
    assert payload(envelope).tag == "GetCasesResponse"


@pytest.mark.parametrize(
    ("subject", "fault"),
    [
        ("", "Subject must be 1-120 characters"),
        ("x" * 121, "Subject must be 1-120 characters"),
    ],
)
async def test_bad_subject_is_a_client_fault(
    session: aiohttp.ClientSession,
    support: SupportPortal,
    customers: list[DemoCustomer],
    subject: str,
    fault: str,
) -> None:
    party = customers[0].support_party
    body = soap_envelope(f"<OpenTicket>{parties(party)}<Subject>{subject}</Subject></OpenTicket>")
    status, envelope = await call(session, support, "OpenTicket", body)
    assert status == 500
    assert fault_of(envelope) == ("Client", fault)
    assert len(support.tickets(party)) == len(support.dataset.tickets.get(party, ()))


async def test_unknown_party_is_a_client_fault(
    session: aiohttp.ClientSession, support: SupportPortal
) -> None:
    body = soap_envelope("<OpenTicket><PartyId>P-00000</PartyId><Subject>Hi</Subject></OpenTicket>")
    status, envelope = await call(session, support, "OpenTicket", body)
    assert status == 500
    assert fault_of(envelope) == ("Client", "unknown party")


@pytest.mark.parametrize(
    "body",
    [
        "<Envelope><Body><GetTickets><PartyId>P-1",
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><Envelope><Body>&a;</Body></Envelope>',
    ],
)
async def test_malformed_or_unsafe_xml_is_a_client_fault(
    session: aiohttp.ClientSession, support: SupportPortal, body: str
) -> None:
    status, envelope = await call(session, support, "GetTickets", body)
    assert status == 500
    assert fault_of(envelope) == ("Client", "malformed XML")


async def test_body_that_does_not_match_the_action_is_a_client_fault(
    session: aiohttp.ClientSession, support: SupportPortal
) -> None:
    body = soap_envelope("<GetCases><PartyId>P-1</PartyId></GetCases>")
    status, envelope = await call(session, support, "GetTickets", body)
    assert status == 500
    assert fault_of(envelope)[0] == "Client"


async def test_unknown_action_is_a_client_fault(
    session: aiohttp.ClientSession, support: SupportPortal
) -> None:
    body = soap_envelope("<DeleteEverything/>")
    status, envelope = await call(session, support, "DeleteEverything", body)
    assert status == 500
    assert fault_of(envelope)[0] == "Client"
    assert support.requests["soap.unknown"] == 1


@pytest.mark.parametrize("key", ["", "wrong"])
async def test_missing_or_wrong_key_is_a_401_fault(
    session: aiohttp.ClientSession, support: SupportPortal, key: str
) -> None:
    headers = soap_headers("GetTickets", key=key)
    if not key:
        del headers["X-Support-Key"]
    body = soap_envelope("<GetTickets><PartyId>P-1</PartyId></GetTickets>")
    status, envelope = await call(session, support, "GetTickets", body, headers)
    assert status == 401
    assert fault_of(envelope) == ("Client", "invalid api key")
    assert support.requests["soap.GetTickets"] == 1


SOAP_11 = "{http://schemas.xmlsoap.org/soap/envelope/}"
TNS = "{urn:portalgate:demo:support:v1}"


def soap_11(operation: str) -> str:
    """A request as zeep writes it from the WSDL: SOAP 1.1, the operation namespaced."""
    return (
        '<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soap-env:Body><ns0:{operation}</soap-env:Body></soap-env:Envelope>"
    )


@pytest.mark.parametrize("path", ["/soap?wsdl", "/soap/support.wsdl"])
async def test_the_wsdl_is_served_without_credentials_with_this_desks_address(
    session: aiohttp.ClientSession, support: SupportPortal, path: str
) -> None:
    async with session.get(f"{support.url}{path}") as resp:
        assert resp.status == 200
        wsdl = SafeET.fromstring(await resp.read())

    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None
    assert address.get("location") == f"{support.url}/soap"
    operations = wsdl.findall(".//{http://schemas.xmlsoap.org/wsdl/}portType/*")
    assert [op.get("name") for op in operations] == ["GetTickets", "GetCases", "OpenTicket"]
    assert support.requests == {"soap.wsdl": 1}


async def test_get_soap_without_wsdl_is_a_fault(
    session: aiohttp.ClientSession, support: SupportPortal
) -> None:
    async with session.get(f"{support.url}/soap") as resp:
        assert resp.status == 405
        assert fault_of(SafeET.fromstring(await resp.read()))[0] == "Client"


async def test_a_request_in_the_wsdls_form_is_answered_in_it(
    session: aiohttp.ClientSession, support: SupportPortal, dataset: DemoDataset
) -> None:
    party = dataset.customers[0].support_party
    body = soap_11(
        f'GetTickets xmlns:ns0="urn:portalgate:demo:support:v1">'
        f"<PartyId>{party}</PartyId></ns0:GetTickets>"
    )

    status, envelope = await call(session, support, "GetTickets", body)

    assert status == 200
    assert envelope.tag == f"{SOAP_11}Envelope"
    response = envelope.find(f"{SOAP_11}Body/{TNS}GetTicketsResponse")
    assert response is not None
    assert [t.get("id") for t in response.findall("Ticket")] == [
        t.ticket_id for t in dataset.tickets.get(party, ())
    ]


async def test_a_fault_in_the_wsdls_form_is_a_soap_11_fault(
    session: aiohttp.ClientSession, support: SupportPortal
) -> None:
    body = soap_11(
        'OpenTicket xmlns:ns0="urn:portalgate:demo:support:v1">'
        "<PartyId>P-00000</PartyId><Subject>Hi</Subject></ns0:OpenTicket>"
    )

    status, envelope = await call(session, support, "OpenTicket", body)

    assert status == 500
    fault = envelope.find(f"{SOAP_11}Body/{SOAP_11}Fault")
    assert fault is not None
    assert fault.findtext("faultcode") == "soap:Client"
    assert fault.findtext("faultstring") == "unknown party"
