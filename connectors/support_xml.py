"""The support portal's SOAP-style XML API as a connector written in Python.

This is the example of a portal owner plugging in code: the class is registered in the
entry-point group ``portalgate.connectors`` as ``demo.support_xml`` and configured in the
registry like any built-in kind.

    fetch("tickets" | "cases", party ids) ─▶ POST {path}  SOAPAction: GetTickets | GetCases
                                              one request per batch, split above max_batch
    write("open_ticket", party id, payload) ─▶ POST {path}  SOAPAction: OpenTicket
    health()                                ─▶ GET /health, bounded to 2 s, never raises

The session, credentials, health and aiohttp's errors are the shared plumbing
(`connectors.portal_session`); this module and `connectors.support_xml_mapping` hold only
the requests and mappings. Errors never pass up as aiohttp or XML types:

    asyncio / aiohttp timeout           ─▶ ConnectorTimeout       (connectors.http)
    refused, reset, disconnect, 5xx     ─▶ ConnectorUnavailable  (also any SOAP Fault, except:)
    Client Fault on OpenTicket          ─▶ UpstreamValidationFailed  (see `_public_fault_message`)
    HTTP 401 / 403 and other 4xx        ─▶ UpstreamRejected(status)
    bad XML, missing elements, bad date ─▶ BadUpstreamData

Cancellation (the gateway's ``asyncio.timeout`` around a call) is never caught here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # walks parsed trees only; parsing is defusedxml's
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import aiohttp
import defusedxml.ElementTree as SafeET
import yarl
from defusedxml import DefusedXmlException
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from connectors.base import Connector, CredentialProvider, Health
from connectors.capabilities import Key
from connectors.errors import (
    BadUpstreamData,
    CapabilityNotSupported,
    ConnectorError,
    ConnectorUnavailable,
    RecordNotFound,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from connectors.http import SessionFactory
from connectors.paths import build_url, check_template
from connectors.portal_session import PortalSession
from connectors.principal import Principal
from connectors.records import CaseListRecord, Record, TicketListRecord
from connectors.support_xml_mapping import (
    MissingPart,
    child,
    children,
    envelope,
    is_sendable,
    local_name,
    read_case,
    read_ticket,
)

__all__ = ["SupportXmlConnector"]

_CONTENT_TYPE = "text/xml; charset=utf-8"
_FAULT_MESSAGE_MAX = 200

R = TypeVar("R", bound=Record)


class SupportXmlConnector(Connector):
    """Tickets, cases and opening tickets in the support portal, over its SOAP-style API.

    Keys are the customer's party id in the support portal. Credentials come from the
    injected `CredentialProvider` on every call; the connector never holds a secret.
    """

    kind: ClassVar[str] = "demo.support_xml"

    class Config(BaseModel):
        """Registry section of a ``demo.support_xml`` connector."""

        model_config = ConfigDict(extra="forbid")

        base_url: HttpUrl
        path: str = Field("/soap", pattern=r"^/[^{}]*$")

        @field_validator("path")
        @classmethod
        def _plain(cls, path: str) -> str:
            check_template(path)
            return path

        max_batch: int = Field(50, ge=1, le=500)

    config: Config

    def __init__(
        self,
        name: str,
        config: BaseModel,
        credentials: CredentialProvider,
        *,
        sessions: SessionFactory | None = None,
    ) -> None:
        if not isinstance(config, SupportXmlConnector.Config):
            raise TypeError(f"{name}: expected SupportXmlConnector.Config, got {type(config)}")
        super().__init__(name, config, credentials, sessions=sessions)
        self._portal = PortalSession(name, credentials, self.sessions)
        base = yarl.URL(str(config.base_url))
        # No value from a request lands in this connector's paths, so nothing can change
        # them; they are still built by connectors.paths, which sends them as configured.
        self._soap_url = build_url(base, config.path, {})
        self._health_url = build_url(base, "/health", {})

    def capabilities(self) -> frozenset[str]:
        return frozenset({"tickets", "cases", "open_ticket"})

    async def start(self) -> None:
        await self._portal.start()

    async def aclose(self) -> None:
        await self._portal.aclose()

    async def fetch(
        self, capability: str, keys: Sequence[Key], principal: Principal | None
    ) -> Sequence[Record | ConnectorError]:
        """Tickets or cases for each party id, in key order; a party without any gets an
        empty list. Raises a `ConnectorError` when the batch as a whole fails."""
        party_ids = [_party_id(key) for key in keys]
        # An id XML cannot carry cannot exist in the portal: that key alone is not found.
        wanted = [party for party in dict.fromkeys(party_ids) if is_sendable(party)]
        if capability == "tickets":
            tickets = await self._read("GetTickets", "Ticket", read_ticket, wanted, principal)
            return [
                TicketListRecord(tickets=tuple(tickets[party]))
                if party in tickets
                else RecordNotFound(self.name, party)
                for party in party_ids
            ]
        if capability == "cases":
            cases = await self._read("GetCases", "Case", read_case, wanted, principal)
            return [
                CaseListRecord(cases=tuple(cases[party]))
                if party in cases
                else RecordNotFound(self.name, party)
                for party in party_ids
            ]
        raise CapabilityNotSupported(self.name, capability)

    async def write(
        self, capability: str, key: str, payload: Mapping[str, Any], principal: Principal | None
    ) -> Record:
        """Open a ticket for party `key` with ``{"subject", "message"}``; returns the ticket
        as the portal stored it. Raises `UpstreamValidationFailed` when the portal refuses
        the input, other `ConnectorError`s as for `fetch`."""
        if capability != "open_ticket":
            raise CapabilityNotSupported(self.name, capability)
        fields = [("PartyId", key)]
        for name, tag in (("subject", "Subject"), ("message", "Message")):
            value = payload.get(name)
            if not isinstance(value, str):
                raise UpstreamValidationFailed(self.name, f"{name} must be text", name)
            if not is_sendable(value):
                raise UpstreamValidationFailed(
                    self.name, f"{name} may not contain control characters", name
                )
            fields.append((tag, value))
        body = envelope("OpenTicket", fields)
        answer = await self._call("OpenTicket", body, principal)
        tickets = children(answer, "Ticket")
        if len(tickets) != 1:
            raise BadUpstreamData(self.name)
        party, ticket = self._map(read_ticket, tickets[0])
        if party != key:
            raise BadUpstreamData(self.name)
        return ticket

    async def health(self) -> Health:
        """GET /health within 2 s: ``up`` on a 2xx, otherwise ``down`` with a reason."""
        return await self._portal.health(self._health_url)

    async def _call(self, action: str, body: bytes, principal: Principal | None) -> ET.Element:
        """POST one envelope; returns the ``<{action}Response>`` element or raises."""
        status, raw = await self._post(action, body, principal)
        if status in (401, 403):
            raise UpstreamRejected(self.name, status)
        try:
            root = SafeET.fromstring(raw)
        except (ET.ParseError, DefusedXmlException) as exc:
            if 200 <= status < 300:
                raise BadUpstreamData(self.name) from exc
            raise self._status_error(status) from exc
        envelope_body = child(root, "Body") if local_name(root.tag) == "Envelope" else None
        fault = None if envelope_body is None else child(envelope_body, "Fault")
        if fault is not None:
            message = _public_fault_message(self.name, fault) if action == "OpenTicket" else None
            if message is None:
                raise ConnectorUnavailable(self.name)
            raise UpstreamValidationFailed(self.name, message)
        if not 200 <= status < 300:
            raise self._status_error(status)
        answer = None if envelope_body is None else child(envelope_body, f"{action}Response")
        if answer is None:
            raise BadUpstreamData(self.name)
        return answer

    async def _post(
        self, action: str, body: bytes, principal: Principal | None
    ) -> tuple[int, bytes]:
        """The transport step: status and body (see connectors.portal_session)."""
        headers = {"Content-Type": _CONTENT_TYPE, "SOAPAction": action}
        return await self._portal.request(
            "POST", self._soap_url, principal, _status_and_body, data=body, headers=headers
        )

    def _status_error(self, status: int) -> ConnectorError:
        if 400 <= status < 500:
            return UpstreamRejected(self.name, status)
        return ConnectorUnavailable(self.name)  # 5xx, and a redirect we will not follow

    async def _read(
        self,
        action: str,
        tag: str,
        parse: Callable[[ET.Element], tuple[str, R]],
        party_ids: Sequence[str],
        principal: Principal | None,
    ) -> dict[str, list[R]]:
        """Records per requested party (an empty list when the portal has none).

        Chunks go out one after another on purpose: the gateway's DataLoader already
        batches up to max_batch, so a split is rare, and a failing chunk then raises one
        error without leaving sibling requests running.
        """
        found: dict[str, list[R]] = {party: [] for party in party_ids}
        size = self.config.max_batch
        for start in range(0, len(party_ids), size):
            chunk = party_ids[start : start + size]
            body = envelope(action, [("PartyId", party) for party in chunk])
            answer = await self._call(action, body, principal)
            for element in children(answer, tag):
                party, record = self._map(parse, element)
                if party in found:  # never hand out a record for a party we did not ask for
                    found[party].append(record)
        return found

    def _map(
        self, parse: Callable[[ET.Element], tuple[str, R]], element: ET.Element
    ) -> tuple[str, R]:
        """Run a mapping function; a missing part or a bad value becomes `BadUpstreamData`."""
        try:
            return parse(element)
        except (MissingPart, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise BadUpstreamData(self.name) from exc


def _public_fault_message(connector: str, fault: ET.Element) -> str | None:
    """What to tell the customer about a Client fault on a write; None for other faults.

    Decision: only a ``Client`` fault describes the customer's input, and only on a write;
    its text is passed through when it is short and printable (no newlines, control or
    formatting characters), because the portal's validation text ("Subject must be 1-120
    characters") is the most useful thing to show. Any other fault text may carry internals
    (stack traces, hostnames) and is never passed on; neither is a long or multi-line
    Client faultstring, which gets a generic message instead.
    """
    code_el = child(fault, "faultcode")
    code = (code_el.text or "").strip() if code_el is not None else ""
    if code.rpartition(":")[2] != "Client":
        return None
    text_el = child(fault, "faultstring")
    text = (text_el.text or "").strip() if text_el is not None else ""
    if 0 < len(text) <= _FAULT_MESSAGE_MAX and text.isprintable():
        return text
    return f"{connector} did not accept the ticket"


def _party_id(key: Key) -> str:
    if not isinstance(key, str):
        raise TypeError(f"support party ids are plain strings, got {key!r}")
    return key


async def _status_and_body(resp: aiohttp.ClientResponse) -> tuple[int, bytes]:
    return resp.status, await resp.read()
