"""The support desk: tickets and cases over a SOAP 1.1 API, keyed by party (P-12345).

    POST /soap             SOAPAction: GetTickets | GetCases | OpenTicket   counted as soap.<action>
    GET  /soap?wsdl        the WSDL (also /soap/support.wsdl), without credentials   soap.wsdl

Requests carry `X-Support-Key` (when `api_key` is set) or `Authorization: Bearer <JWT>`
(when `jwt_issuer` is set: a client-credentials token with `aud` = `jwt_audience` and
`client_id` = `jwt_client_id`); with both set, either is accepted. Two request forms are
accepted, and each is answered in its own form, as `text/xml; charset=utf-8`:

    the WSDL's (zeep)  <soap:Envelope><soap:Body><tns:Action>  ─▶ the same, <tns:ActionResponse>
    the legacy plain   <Envelope><Body><Action>                ─▶ <Envelope><Body><ActionResponse>

(`tns` is `support_wsdl.SERVICE_NS`; elements inside the operation are unqualified in both,
and any namespace on them is ignored.) Every failure is a SOAP Fault: HTTP 401 for a bad key
or token, 503 `Server` when the token cannot be checked, otherwise HTTP 500 with faultcode
`Client` (the request is wrong) or `Server` (the portal failed), as legacy SOAP stacks do.
Faults raised before the body is read (credentials, knobs, unreadable XML) are plain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET
from aiohttp import web
from defusedxml import DefusedXmlException

from demo.data import Case, DemoDataset, Ticket
from demo.portals.base import MAX_BATCH, DemoPortal, Knobs, format_instant, same_secret
from demo.portals.bearer import (
    ISSUER_KEYS,
    InvalidBearer,
    IssuerUnavailable,
    bearer_token,
    issuer_keys_context,
)
from demo.portals.support_wsdl import SERVICE_NS, SOAP_ENV_NS, support_wsdl
from demo.server import CleanupContext

__all__ = ["SupportPortal"]

_ACTIONS = ("GetTickets", "GetCases", "OpenTicket")
_MAX_SUBJECT = 120
_MAX_MESSAGE = 4000


class SupportPortal(DemoPortal):
    """Simulated support desk. Tickets opened here are kept in this instance.

    Give `api_key`, `jwt_issuer` or both.
    """

    content_type = "text/xml"

    def __init__(
        self,
        dataset: DemoDataset,
        *,
        api_key: str | None = None,
        jwt_issuer: str | None = None,
        jwt_audience: str = "support-portal",
        jwt_client_id: str = "portalgate",
        knobs: Knobs | None = None,
        seed: int = 0,
    ) -> None:
        if api_key is None and jwt_issuer is None:
            raise ValueError("SupportPortal needs an api_key, a jwt_issuer or both")
        super().__init__(dataset, knobs=knobs, seed=seed)
        self._api_key = api_key
        self._jwt_issuer = jwt_issuer
        self._jwt_audience = jwt_audience
        self._jwt_client_id = jwt_client_id
        self._parties = {c.support_party for c in dataset.customers}
        self._tickets = {party: list(tickets) for party, tickets in dataset.tickets.items()}
        numbers = [int(t.ticket_id[2:]) for ts in dataset.tickets.values() for t in ts]
        self._last_ticket = max(numbers, default=0)

    def tickets(self, party_id: str) -> list[Ticket]:
        """The party's tickets as the portal now holds them, newest first."""
        return list(self._tickets.get(party_id, ()))

    def _api_routes(self) -> Iterable[web.RouteDef]:
        return [
            web.post("/soap", self._soap, name="soap"),
            web.get("/soap", self._wsdl, name="soap.wsdl"),
            web.get("/soap/support.wsdl", self._wsdl, name="soap.wsdl_file"),
        ]

    def route_name(self, request: web.Request) -> str:
        name = super().route_name(request)
        if name != "soap":
            return "soap.wsdl" if name == "soap.wsdl_file" else name
        action = _action(request)
        return f"soap.{action}" if action in _ACTIONS else "soap.unknown"

    def _cleanup_contexts(self) -> Iterable[CleanupContext]:
        return () if self._jwt_issuer is None else (issuer_keys_context(self._jwt_issuer),)

    def failure_response(self, status: int) -> web.Response:
        return _fault("Server", "simulated failure", status=status)

    async def _authenticate(self, request: web.Request) -> web.Response | None:
        """None if the caller may use the API, else the fault to answer with."""
        if self._api_key is not None and same_secret(
            request.headers.get("X-Support-Key"), self._api_key
        ):
            return None
        token = bearer_token(request)
        if self._jwt_issuer is None or token is None:
            reason = "invalid api key" if self._api_key is not None else "missing token"
            return _fault("Client", reason, status=401)
        try:
            claims = await request.app[ISSUER_KEYS].verify(token, (self._jwt_audience,))
        except InvalidBearer:
            return _fault("Client", "invalid token", status=401)
        except IssuerUnavailable:
            return _fault("Server", "identity provider unavailable", status=503)
        if claims.get("client_id") != self._jwt_client_id:
            return _fault("Client", "invalid token", status=401)
        return None

    async def _wsdl(self, request: web.Request) -> web.Response:
        """The service description, with this portal's own endpoint as the address."""
        if request.path == "/soap" and "wsdl" not in request.query:
            return _fault("Client", "use POST, or GET /soap?wsdl for the WSDL", status=405)
        address = str(request.url.with_path("/soap").with_query(None))
        return web.Response(text=support_wsdl(address), content_type="text/xml", charset="utf-8")

    async def _soap(self, request: web.Request) -> web.Response:
        refused = await self._authenticate(request)
        if refused is not None:
            return refused
        action = _action(request)
        if action not in _ACTIONS:
            return _fault("Client", f"SOAPAction must be one of {', '.join(_ACTIONS)}")
        try:
            envelope = SafeET.fromstring(await request.read(), forbid_dtd=True)
        except (SafeET.ParseError, DefusedXmlException):
            return _fault("Client", "malformed XML")
        body = _child(envelope, "Body") if _local(envelope.tag) == "Envelope" else None
        qualified = body is not None and _in_service_ns(body)
        operation = _child(body, action) if body is not None else None
        if operation is None:
            return _fault("Client", f"expected Envelope/Body/{action}", qualified=qualified)
        if action == "OpenTicket":
            return self._open_ticket(operation, qualified)
        parties = list(dict.fromkeys(_texts(operation, "PartyId")))
        if not 1 <= len(parties) <= MAX_BATCH:
            problem = f"{action} needs 1 to {MAX_BATCH} PartyId elements"
            return _fault("Client", problem, qualified=qualified)
        response = Element(_tag(f"{action}Response", qualified))
        for party in parties:
            if action == "GetTickets":
                response.extend(_ticket(t) for t in self._tickets.get(party, ()))
            else:
                response.extend(_case(c) for c in self.dataset.cases.get(party, ()))
        return _envelope(response, qualified=qualified)

    def _open_ticket(self, operation: Element, qualified: bool) -> web.Response:
        party = next(iter(_texts(operation, "PartyId")), "")
        if party not in self._parties:
            return _fault("Client", "unknown party", qualified=qualified)
        subject = next(iter(_texts(operation, "Subject")), "")
        if not 1 <= len(subject) <= _MAX_SUBJECT:
            problem = f"Subject must be 1-{_MAX_SUBJECT} characters"
            return _fault("Client", problem, qualified=qualified)
        message = next(iter(_texts(operation, "Message")), "")
        if len(message) > _MAX_MESSAGE:
            problem = f"Message must be at most {_MAX_MESSAGE} characters"
            return _fault("Client", problem, qualified=qualified)
        self._last_ticket += 1
        now = datetime.now(UTC).replace(microsecond=0)
        ticket = Ticket(f"T-{self._last_ticket:06d}", party, subject, "OPEN", now, now)
        self._tickets.setdefault(party, []).insert(0, ticket)
        response = Element(_tag("OpenTicketResponse", qualified))
        response.append(_ticket(ticket))
        return _envelope(response, qualified=qualified)


def _action(request: web.Request) -> str:
    return request.headers.get("SOAPAction", "").strip().strip('"')


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: Element, name: str) -> Element | None:
    return next((c for c in parent if _local(c.tag) == name), None)


def _texts(parent: Element, name: str) -> list[str]:
    return [(c.text or "").strip() for c in parent if _local(c.tag) == name]


def _in_service_ns(body: Element) -> bool:
    """True when the operation element is the WSDL's (namespaced), not the legacy plain one."""
    return any(c.tag.startswith(f"{{{SERVICE_NS}}}") for c in body)


def _tag(name: str, qualified: bool) -> str:
    return f"{{{SERVICE_NS}}}{name}" if qualified else name


def _envelope(payload: Element, *, status: int = 200, qualified: bool = False) -> web.Response:
    if qualified:
        # Written out so that the `soap` prefix a faultcode names ("soap:Client") is bound.
        inner = tostring(payload, encoding="unicode")
        text = (
            f'<soap:Envelope xmlns:soap="{SOAP_ENV_NS}">'
            f"<soap:Body>{inner}</soap:Body></soap:Envelope>"
        )
    else:
        envelope = Element("Envelope")
        SubElement(envelope, "Body").append(payload)
        text = tostring(envelope, encoding="unicode")
    text = '<?xml version="1.0" encoding="utf-8"?>' + text
    return web.Response(text=text, status=status, content_type="text/xml", charset="utf-8")


def _fault(code: str, message: str, *, status: int = 500, qualified: bool = False) -> web.Response:
    fault = Element(f"{{{SOAP_ENV_NS}}}Fault" if qualified else "Fault")
    SubElement(fault, "faultcode").text = f"soap:{code}" if qualified else code
    SubElement(fault, "faultstring").text = message
    return _envelope(fault, status=status, qualified=qualified)


def _ticket(ticket: Ticket) -> Element:
    element = Element("Ticket", id=ticket.ticket_id, partyId=ticket.party_id)
    SubElement(element, "Subject").text = ticket.subject
    SubElement(element, "Status").text = ticket.status
    SubElement(element, "Opened").text = format_instant(ticket.opened)
    SubElement(element, "LastUpdate").text = format_instant(ticket.last_update)
    return element


def _case(case: Case) -> Element:
    element = Element("Case", id=case.case_id, partyId=case.party_id, type=case.kind)
    SubElement(element, "Title").text = case.title
    SubElement(element, "Status").text = case.status
    steps = SubElement(element, "Steps")
    for step in case.steps:
        SubElement(steps, "Step", seq=str(step.seq), state=step.state).text = step.name
    SubElement(element, "CurrentStep").text = str(case.current_step)
    requirements = SubElement(element, "Requirements")
    for requirement in case.requirements:
        attributes = {"kind": requirement.kind, "due": requirement.due.isoformat()}
        SubElement(requirements, "Requirement", attributes).text = requirement.description
    return element
