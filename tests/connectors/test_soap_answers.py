"""What `kind: soap` does with hostile or broken answers, from a real server on loopback.

External entities are never fetched, entities never expanded, DTDs refused, oversized
answers refused unread; faults and statuses map to the codes of `connectors.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zeep.exceptions

from connectors.base import UpstreamAuth
from connectors.errors import (
    BadUpstreamData,
    ConnectorError,
    ConnectorUnavailable,
    ErrorCode,
    RecordNotFound,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from connectors.principal import Principal
from connectors.records import TicketListRecord
from connectors.soap import SoapConnector
from connectors.soap_wsdl import WsdlError
from demo.portals.support_wsdl import support_wsdl
from tests.connectors.hostile_soap import (
    HostilePortal,
    envelope,
    fault,
    hostile_portal,
    ticket,
)
from tests.connectors.soap_registry import example_soap_config

BARE_TICKET = "<Ticket id='T-1' partyId='P-1'/>"  # no subject, status or dates
LIMIT = 16384  # above the WSDL (about 6.5 kB), which is bounded by it too


class Credentials:
    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        return UpstreamAuth(headers={"X-Support-Key": "k"})


@pytest.fixture
async def hostile() -> AsyncIterator[HostilePortal]:
    async with hostile_portal() as portal:
        yield portal


@pytest.fixture
async def soap(hostile: HostilePortal) -> AsyncIterator[SoapConnector]:
    config = example_soap_config(f"{hostile.url}/wsdl", max_response_bytes=LIMIT)
    async with SoapConnector("support", config, Credentials()) as connector:
        yield connector


async def tickets_error(soap: SoapConnector) -> ConnectorError:
    with pytest.raises(ConnectorError) as caught:
        await soap.fetch("tickets", ["P-1"], None)
    return caught.value


async def test_a_proper_answer_is_read(soap: SoapConnector, hostile: HostilePortal) -> None:
    hostile.respond(envelope(f"<tns:GetTicketsResponse>{ticket('P-1')}</tns:GetTicketsResponse>"))

    [tickets] = await soap.fetch("tickets", ["P-1"], None)

    assert isinstance(tickets, TicketListRecord)
    assert [t.ticket_id for t in tickets.tickets] == ["T-000001"]
    assert hostile.soap_actions == ['"GetTickets"']


async def test_records_of_parties_not_asked_for_are_not_handed_out(
    soap: SoapConnector, hostile: HostilePortal
) -> None:
    payload = ticket("P-1") + ticket("P-2", "T-000002")
    hostile.respond(envelope(f"<tns:GetTicketsResponse>{payload}</tns:GetTicketsResponse>"))

    [tickets] = await soap.fetch("tickets", ["P-1"], None)

    assert isinstance(tickets, TicketListRecord)
    assert [t.ticket_id for t in tickets.tickets] == ["T-000001"]


async def test_an_external_entity_is_refused_and_never_fetched(
    soap: SoapConnector, hostile: HostilePortal
) -> None:
    body = envelope(
        "<tns:GetTicketsResponse><Ticket id='T-1' partyId='P-1'><Subject>&xxe;</Subject>"
        "</Ticket></tns:GetTicketsResponse>"
    )
    doctype = f'<!DOCTYPE e [<!ENTITY xxe SYSTEM "{hostile.url}/leak/entity">]>'
    hostile.respond('<?xml version="1.0"?>' + doctype + body.split("?>", 1)[1])

    error = await tickets_error(soap)

    assert isinstance(error, BadUpstreamData)
    assert error.code is ErrorCode.UPSTREAM_BAD_RESPONSE
    assert isinstance(error.__cause__, zeep.exceptions.DTDForbidden)  # zeep's guard
    assert hostile.leaks == 0
    assert "SECRET" not in str(error)


async def test_entity_expansion_is_refused_without_expanding(
    soap: SoapConnector, hostile: HostilePortal
) -> None:
    laughs = "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "lol"}">' for n in range(10)
    )
    body = envelope(
        "<tns:GetTicketsResponse><Ticket id='T-1' partyId='P-1'><Subject>&lol9;</Subject>"
        "</Ticket></tns:GetTicketsResponse>"
    )
    hostile.respond(f"<!DOCTYPE lolz [{laughs}]>" + body.split("?>", 1)[1])

    error = await tickets_error(soap)

    assert isinstance(error, BadUpstreamData)
    # Refused by libxml2's amplification limit while parsing (huge_tree off) or, had it
    # parsed, by zeep's DTD guard: either way nothing expanded reaches the mapping.
    cause = error.__cause__
    assert isinstance(cause, zeep.exceptions.DTDForbidden | zeep.exceptions.XMLSyntaxError)
    assert "lol" not in str(error)


async def test_an_external_dtd_is_refused_and_never_fetched(
    soap: SoapConnector, hostile: HostilePortal
) -> None:
    body = envelope("<tns:GetTicketsResponse/>").split("?>", 1)[1]
    hostile.respond(f'<!DOCTYPE soap:Envelope SYSTEM "{hostile.url}/leak/dtd">{body}')

    error = await tickets_error(soap)

    assert isinstance(error, BadUpstreamData)
    assert hostile.leaks == 0


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_an_oversized_answer_is_refused(
    soap: SoapConnector, hostile: HostilePortal, declared: bool
) -> None:
    many = "".join(ticket("P-1", f"T-{n:06d}") for n in range(LIMIT // 100))
    body = envelope(f"<tns:GetTicketsResponse>{many}</tns:GetTicketsResponse>").encode()
    assert len(body) > LIMIT
    if declared:
        hostile.respond(body.decode())
    else:
        hostile.stream([body[i : i + 1000] for i in range(0, len(body), 1000)])

    error = await tickets_error(soap)

    assert isinstance(error, BadUpstreamData)
    assert str(error) == f"support answered with more than {LIMIT} bytes"


@pytest.mark.parametrize(
    ("answer", "status", "error", "code"),
    [
        (fault("Server", "NullPointerException at db.internal:5432"), 500, ConnectorUnavailable,
         ErrorCode.UPSTREAM_UNAVAILABLE),
        (fault("Client", "PartyId is malformed"), 500, UpstreamRejected,
         ErrorCode.UPSTREAM_REJECTED),
        (fault("Client.Auth", "who are you"), 500, UpstreamRejected, ErrorCode.UPSTREAM_REJECTED),
        ("<html>proxy error</html>", 500, ConnectorUnavailable, ErrorCode.UPSTREAM_UNAVAILABLE),
        ("", 502, ConnectorUnavailable, ErrorCode.UPSTREAM_UNAVAILABLE),
        (fault("Client", "who are you"), 401, UpstreamRejected, ErrorCode.UPSTREAM_REJECTED),
        ("not here", 404, UpstreamRejected, ErrorCode.UPSTREAM_REJECTED),
        ("<html>ok</html>", 200, BadUpstreamData, ErrorCode.UPSTREAM_BAD_RESPONSE),
        (envelope("<tns:GetCasesResponse/>"), 200, BadUpstreamData,
         ErrorCode.UPSTREAM_BAD_RESPONSE),
        (envelope(f"<tns:GetTicketsResponse>{BARE_TICKET}</tns:GetTicketsResponse>"), 200,
         BadUpstreamData, ErrorCode.UPSTREAM_BAD_RESPONSE),
    ],
    ids=["server-fault", "client-fault", "client-subcode", "500-not-xml", "502", "401", "404",
         "200-not-soap", "200-other-operation", "200-missing-parts"],
)  # fmt: skip
async def test_faults_and_statuses_map_to_stable_codes(
    soap: SoapConnector,
    hostile: HostilePortal,
    answer: str,
    status: int,
    error: type[ConnectorError],
    code: ErrorCode,
) -> None:
    hostile.respond(answer, status)

    raised = await tickets_error(soap)

    assert type(raised) is error
    assert raised.code is code
    assert raised.connector == "support"
    assert "db.internal" not in str(raised)  # a fault's text never reaches the client
    if isinstance(raised, UpstreamRejected):
        assert raised.status == status


async def test_on_a_write_a_long_or_multiline_client_fault_text_is_not_passed_on(
    soap: SoapConnector, hostile: HostilePortal
) -> None:
    hostile.respond(fault("Client", "bad input\n  at Validator.java:12"), 500)

    with pytest.raises(UpstreamValidationFailed) as caught:
        await soap.write("open_ticket", "P-1", {"subject": "Hello"}, None)

    assert str(caught.value) == "support did not accept the input"


async def test_a_not_found_fault_on_a_single_key_read_is_that_key_not_found(
    hostile: HostilePortal,
) -> None:
    config = example_soap_config(f"{hostile.url}/wsdl")
    section = config.capabilities["tickets"].model_copy(
        update={"batch": None, "request": {"PartyId": ["{id}"]}, "not_found_faults": {"no party"}}
    )
    config = config.model_copy(update={"capabilities": {"tickets": section}})
    hostile.respond(fault("Client", "no party"), 500)

    async with SoapConnector("support", config, Credentials()) as connector:
        [missing] = await connector.fetch("tickets", ["P-1"], None)

    assert isinstance(missing, RecordNotFound)
    assert missing.key == "P-1"


@pytest.mark.parametrize(
    "wsdl",
    [
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><definitions>&a;</definitions>',
        "<wsdl:definitions",
        "",
    ],
    ids=["dtd", "truncated", "empty"],
)
async def test_a_hostile_or_broken_wsdl_fails_the_start(hostile: HostilePortal, wsdl: str) -> None:
    hostile.wsdl = wsdl
    connector = SoapConnector("support", example_soap_config(f"{hostile.url}/wsdl"), Credentials())

    with pytest.raises(WsdlError) as caught:
        await connector.start()

    assert caught.value.key == "config.wsdl"
    assert "aaaa" not in str(caught.value)


async def test_a_wsdl_cannot_make_the_gateway_fetch_other_addresses(
    hostile: HostilePortal,
) -> None:
    importing = support_wsdl(f"{hostile.url}/soap").replace(
        "<wsdl:types>",
        f'<wsdl:import namespace="urn:x" location="{hostile.url}/leak/import.wsdl"/><wsdl:types>',
    )
    hostile.wsdl = importing
    connector = SoapConnector("support", example_soap_config(f"{hostile.url}/wsdl"), Credentials())

    with pytest.raises(WsdlError):
        await connector.start()

    assert hostile.leaks == 0


async def test_an_oversized_wsdl_fails_the_start(hostile: HostilePortal) -> None:
    hostile.wsdl = support_wsdl(f"{hostile.url}/soap") + " " * LIMIT
    config = example_soap_config(f"{hostile.url}/wsdl", max_response_bytes=LIMIT)

    with pytest.raises(WsdlError) as caught:
        await SoapConnector("support", config, Credentials()).start()

    assert f"larger than {LIMIT} bytes" in caught.value.problem


async def test_a_remote_wsdl_cannot_make_the_gateway_read_local_files(
    hostile: HostilePortal, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.xsd"
    secret.write_text("<x>SECRET-ON-DISK</x>", encoding="utf-8")
    hostile.wsdl = support_wsdl(f"{hostile.url}/soap").replace(
        "<xsd:schema targetNamespace",
        f'<xsd:schema><xsd:include schemaLocation="{secret.as_uri()}"/></xsd:schema>'
        "<xsd:schema targetNamespace",
    )
    connector = SoapConnector("support", example_soap_config(f"{hostile.url}/wsdl"), Credentials())

    with pytest.raises(WsdlError) as caught:
        await connector.start()

    assert "may not include other documents" in caught.value.problem
    assert "SECRET" not in str(caught.value)


async def test_a_fetched_wsdl_cannot_send_the_credentials_to_another_host(
    hostile: HostilePortal,
) -> None:
    hostile.wsdl = support_wsdl("http://elsewhere.invalid/soap")
    connector = SoapConnector("support", example_soap_config(f"{hostile.url}/wsdl"), Credentials())

    with pytest.raises(WsdlError) as caught:
        await connector.start()

    assert caught.value.key == "config.address"
    assert "http://elsewhere.invalid" in caught.value.problem
