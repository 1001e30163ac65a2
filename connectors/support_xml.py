"""The support portal's SOAP-style XML API as a connector written in Python.

This is the example of a portal owner plugging in code: the class is registered in the
entry-point group ``portalgate.connectors`` as ``demo.support_xml`` and configured in the
registry like any built-in kind.

    fetch("tickets" | "cases", party ids) ─▶ POST {path}  SOAPAction: GetTickets | GetCases
                                              one request per batch, split above max_batch
    write("open_ticket", party id, payload) ─▶ POST {path}  SOAPAction: OpenTicket
    health()                                ─▶ GET /health, bounded to 2 s, never raises

Errors are translated here, never passed up as aiohttp or XML types:

    asyncio / aiohttp timeout           ─▶ ConnectorTimeout
    refused, reset, disconnect, 5xx     ─▶ ConnectorUnavailable  (also any SOAP Fault, except:)
    Client Fault on OpenTicket          ─▶ UpstreamValidationFailed  (see `_public_fault_message`)
    HTTP 401 / 403 and other 4xx        ─▶ UpstreamRejected(status)
    bad XML, missing elements, bad date ─▶ BadUpstreamData

Cancellation (the gateway's ``asyncio.timeout`` around a call) is never caught here.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET  # builds requests only; responses go through defusedxml
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
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
    ConnectorTimeout,
    ConnectorUnavailable,
    RecordNotFound,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from connectors.paths import build_url, check_template
from connectors.principal import Principal
from connectors.records import (
    CaseListRecord,
    CaseRecord,
    CaseRequirement,
    CaseStep,
    Record,
    TicketListRecord,
    TicketRecord,
)

__all__ = ["SupportXmlConnector"]

_CONTENT_TYPE = "text/xml; charset=utf-8"
_HEALTH_TIMEOUT_S = 2.0
# Only the connect phase is bounded by the session: the request deadline is the gateway's
# (asyncio.timeout around each call), so a session-wide total would silently undercut it.
_CONNECT_TIMEOUT_S = 5.0
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

    def __init__(self, name: str, config: BaseModel, credentials: CredentialProvider) -> None:
        if not isinstance(config, SupportXmlConnector.Config):
            raise TypeError(f"{name}: expected SupportXmlConnector.Config, got {type(config)}")
        super().__init__(name, config, credentials)
        self._session: aiohttp.ClientSession | None = None
        base = yarl.URL(str(config.base_url))
        # No value from a request lands in this connector's paths, so nothing can change
        # them; they are still built by connectors.paths, which sends them as configured.
        self._soap_url = build_url(base, config.path, {})
        self._health_url = build_url(base, "/health", {})

    def capabilities(self) -> frozenset[str]:
        return frozenset({"tickets", "cases", "open_ticket"})

    async def start(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=_CONNECT_TIMEOUT_S)
            )

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def fetch(
        self, capability: str, keys: Sequence[Key], principal: Principal | None
    ) -> Sequence[Record | ConnectorError]:
        """Tickets or cases for each party id, in key order; a party without any gets an
        empty list. Raises a `ConnectorError` when the batch as a whole fails."""
        party_ids = [_party_id(key) for key in keys]
        # An id XML cannot carry cannot exist in the portal: that key alone is not found.
        wanted = [party for party in dict.fromkeys(party_ids) if _sendable(party)]
        if capability == "tickets":
            tickets = await self._read("GetTickets", "Ticket", _ticket, wanted, principal)
            return [
                TicketListRecord(tickets=tuple(tickets[party]))
                if party in tickets
                else RecordNotFound(self.name, party)
                for party in party_ids
            ]
        if capability == "cases":
            cases = await self._read("GetCases", "Case", _case, wanted, principal)
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
            if not _sendable(value):
                raise UpstreamValidationFailed(
                    self.name, f"{name} may not contain control characters", name
                )
            fields.append((tag, value))
        body = _envelope("OpenTicket", fields)
        answer = await self._call("OpenTicket", body, principal)
        tickets = _children(answer, "Ticket")
        if len(tickets) != 1:
            raise BadUpstreamData(self.name)
        party, ticket = self._map(_ticket, tickets[0])
        if party != key:
            raise BadUpstreamData(self.name)
        return ticket

    async def health(self) -> Health:
        """GET /health within 2 s: ``up`` on a 2xx, otherwise ``down`` with a reason."""
        session = self._session
        if session is None or session.closed:
            return Health("down", 0.0, "not started")
        started = time.perf_counter()
        try:
            async with session.get(
                self._health_url,
                timeout=aiohttp.ClientTimeout(total=_HEALTH_TIMEOUT_S),
                allow_redirects=False,
            ) as resp:
                await resp.read()
                status = resp.status
        except TimeoutError:  # aiohttp's own timeout errors are TimeoutErrors too
            return Health("down", _elapsed_ms(started), f"no answer within {_HEALTH_TIMEOUT_S} s")
        except aiohttp.ClientError:
            return Health("down", _elapsed_ms(started), "unreachable")
        if 200 <= status < 300:
            return Health("up", _elapsed_ms(started))
        return Health("down", _elapsed_ms(started), f"HTTP {status}")

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
        envelope_body = _child(root, "Body") if _local(root.tag) == "Envelope" else None
        fault = None if envelope_body is None else _child(envelope_body, "Fault")
        if fault is not None:
            message = _public_fault_message(self.name, fault) if action == "OpenTicket" else None
            if message is None:
                raise ConnectorUnavailable(self.name)
            raise UpstreamValidationFailed(self.name, message)
        if not 200 <= status < 300:
            raise self._status_error(status)
        answer = None if envelope_body is None else _child(envelope_body, f"{action}Response")
        if answer is None:
            raise BadUpstreamData(self.name)
        return answer

    async def _post(
        self, action: str, body: bytes, principal: Principal | None
    ) -> tuple[int, bytes]:
        """The transport step: status and body, or aiohttp's errors as `ConnectorError`s."""
        session = self._session
        if session is None or session.closed:
            # Same as the REST kind: to the gateway a closed connector is an unavailable one.
            raise ConnectorUnavailable(self.name, f"{self.name} is not started")
        auth = await self.credentials.for_call(self.name, principal)
        headers = {**auth.headers, "Content-Type": _CONTENT_TYPE, "SOAPAction": action}
        try:
            # No redirects: following one would send the credential headers to another URL.
            async with session.post(
                self._soap_url, data=body, headers=headers, allow_redirects=False
            ) as resp:
                return resp.status, await resp.read()
        except TimeoutError as exc:  # aiohttp.ServerTimeoutError too, so it goes first
            raise ConnectorTimeout(self.name) from exc
        except aiohttp.ClientError as exc:
            raise ConnectorUnavailable(self.name) from exc

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
            body = _envelope(action, [("PartyId", party) for party in chunk])
            answer = await self._call(action, body, principal)
            for element in _children(answer, tag):
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
        except (_Missing, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise BadUpstreamData(self.name) from exc


class _Missing(LookupError):
    """A required element or attribute is absent or empty."""


def _public_fault_message(connector: str, fault: ET.Element) -> str | None:
    """What to tell the customer about a Client fault on a write; None for other faults.

    Decision: only a ``Client`` fault describes the customer's input, and only on a write;
    its text is passed through when it is short and printable (no newlines, control or
    formatting characters), because the portal's validation text ("Subject must be 1-120
    characters") is the most useful thing to show. Any other fault text may carry internals
    (stack traces, hostnames) and is never passed on; neither is a long or multi-line
    Client faultstring, which gets a generic message instead.
    """
    code_el = _child(fault, "faultcode")
    code = (code_el.text or "").strip() if code_el is not None else ""
    if code.rpartition(":")[2] != "Client":
        return None
    text_el = _child(fault, "faultstring")
    text = (text_el.text or "").strip() if text_el is not None else ""
    if 0 < len(text) <= _FAULT_MESSAGE_MAX and text.isprintable():
        return text
    return f"{connector} did not accept the ticket"


def _ticket(element: ET.Element) -> tuple[str, TicketRecord]:
    raw_status = _text(element, "Status")
    record = TicketRecord(
        ticket_id=_attr(element, "id"),
        subject=_text(element, "Subject", allow_empty=True),
        status=raw_status.lower(),
        opened_at=_datetime(_text(element, "Opened")),
        updated_at=_datetime(_text(element, "LastUpdate")),
        awaiting_customer=raw_status == "WAITING_ON_CUSTOMER",
    )
    return _attr(element, "partyId"), record


def _case(element: ET.Element) -> tuple[str, CaseRecord]:
    # Empty containers (<Steps/>, <Requirements/>) may also be left out by the portal.
    steps_el = _child(element, "Steps")
    steps = [
        CaseStep(
            position=int(_attr(step, "seq")),
            name=_own_text(step),
            state=_attr(step, "state").lower(),
        )
        for step in (_children(steps_el, "Step") if steps_el is not None else [])
    ]
    requirements_el = _child(element, "Requirements")
    requirements = tuple(
        CaseRequirement(
            kind=_attr(req, "kind").lower(),
            description=_own_text(req),
            due_on=date.fromisoformat(req.attrib["due"]) if req.get("due") else None,
        )
        for req in (
            _children(requirements_el, "Requirement") if requirements_el is not None else []
        )
    )
    current = _child(element, "CurrentStep")
    current_text = (current.text or "").strip() if current is not None else ""
    record = CaseRecord(
        case_id=_attr(element, "id"),
        kind=_attr(element, "type").lower(),
        title=_text(element, "Title", allow_empty=True),
        status=_text(element, "Status").lower(),
        steps=tuple(sorted(steps, key=lambda step: step.position)),
        current_step=int(current_text) if current_text else None,
        requirements=requirements,
    )
    return _attr(element, "partyId"), record


def _envelope(action: str, fields: Sequence[tuple[str, str]]) -> bytes:
    """``<Envelope><Body><{action}>{fields}</{action}></Body></Envelope>``; ElementTree
    escapes the text (callers check `_sendable` first)."""
    envelope = ET.Element("Envelope")
    operation = ET.SubElement(ET.SubElement(envelope, "Body"), action)
    for tag, value in fields:
        ET.SubElement(operation, tag).text = value
    encoded: bytes = ET.tostring(envelope, encoding="utf-8", xml_declaration=True)
    return encoded


def _sendable(value: str) -> bool:
    """False for characters XML 1.0 cannot carry even escaped (control characters,
    surrogates, U+FFFE/U+FFFF)."""
    return all(
        ch in "\t\n\r" or 0x20 <= ord(ch) < 0xD800 or 0xE000 <= ord(ch) < 0xFFFE or ord(ch) > 0xFFFF
        for ch in value
    )


def _party_id(key: Key) -> str:
    if not isinstance(key, str):
        raise TypeError(f"support party ids are plain strings, got {key!r}")
    return key


def _local(tag: str) -> str:
    """Tag name without a ``{namespace}``, so a namespaced SOAP envelope reads the same."""
    return tag.rpartition("}")[2]


def _children(parent: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in parent if _local(child.tag) == name]


def _child(parent: ET.Element, name: str) -> ET.Element | None:
    return next((child for child in parent if _local(child.tag) == name), None)


def _own_text(element: ET.Element) -> str:
    return (element.text or "").strip()


def _text(element: ET.Element, name: str, *, allow_empty: bool = False) -> str:
    child = _child(element, name)
    if child is None:
        raise _Missing(name)
    text = _own_text(child)
    if not text and not allow_empty:
        raise _Missing(name)
    return text


def _attr(element: ET.Element, name: str) -> str:
    value = (element.get(name) or "").strip()
    if not value:
        raise _Missing(name)
    return value


def _datetime(value: str) -> datetime:
    """An ISO 8601 timestamp with an offset; a naive one is as bad as an unreadable one."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("timestamp without offset")
    return parsed


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
