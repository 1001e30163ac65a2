"""The declarative SOAP connector kind: a portal described by its WSDL and the registry.

    start()  ─▶ WSDL (URL or file) loaded by zeep in a thread ─▶ operations checked
    fetch(capability, keys)
      ─▶ batch? one call per chunk, "{keys}" as a list : one call per key (concurrently)
      ─▶ envelope by zeep ─▶ POST to the port's address (SOAPAction), credentials per call
      ─▶ answer read up to max_response_bytes ─▶ zeep parses it in a thread, XML guards on
      ─▶ output element as dicts ─▶ the `kind: rest` mapping specs ─▶ records in key order
    write(capability, key, payload) ─▶ the same, with `body` mapping the payload

What reaches the gateway, whatever the portal sends:

    HTTP 401 / 403                         ─▶ UpstreamRejected(status)
    answer over max_response_bytes         ─▶ BadUpstreamData (not read further)
    DTD, entities, bad XML, wrong shape    ─▶ BadUpstreamData (nothing expanded or fetched)
    Fault Client, text in not_found_faults ─▶ RecordNotFound
    Fault Client on a write                ─▶ UpstreamValidationFailed (short printable text)
    Fault Client on a read                 ─▶ UpstreamRejected(HTTP status)
    Fault Server (any other), 5xx          ─▶ ConnectorUnavailable
    other 4xx                              ─▶ UpstreamRejected(status)

Session, credentials and their renewal, redirects and aiohttp's errors are the shared
`connectors.portal_session`; zeep builds and parses messages only (`connectors.soap_wsdl`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import aiohttp
import yarl
import zeep.exceptions
from lxml import etree
from pydantic import BaseModel

from connectors.base import Connector, CredentialProvider, Health
from connectors.capabilities import CAPABILITIES, Key
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
from connectors.mapping import lookup, write_body
from connectors.paths import build_url
from connectors.portal_session import PortalSession
from connectors.principal import Principal
from connectors.records import Record
from connectors.rest_answers import read_answer, read_batch
from connectors.soap_config import SoapCapabilitySpec, SoapConfig, render
from connectors.soap_wsdl import (
    Fault,
    Reply,
    SoapService,
    load_service,
    read_bounded,
    xml_text_ok,
)

__all__ = ["SoapConfig", "SoapConnector"]

_CONTENT_TYPE = "text/xml; charset=utf-8"
_FAULT_MESSAGE_MAX = 200
# zeep turns XML into typed values in Python: about 2 ms for one customer's tickets and
# 45 ms for fifty customers' (20 kB) on the 2-core dev machine, so answers are parsed in
# a worker thread, never on the event loop (docs/architecture.md, "The SOAP kind").
_UNREADABLE = (zeep.exceptions.Error, etree.LxmlError, ValueError, TypeError, LookupError)


class _TooLarge(Exception):
    """The answer is over `max_response_bytes`."""


class SoapConnector(Connector):
    """A portal with a SOAP 1.1 document/literal API, described by its WSDL."""

    kind: ClassVar[str] = "soap"
    Config: ClassVar[type[BaseModel]] = SoapConfig

    def __init__(
        self,
        name: str,
        config: BaseModel,
        credentials: CredentialProvider,
        *,
        sessions: SessionFactory | None = None,
    ) -> None:
        if not isinstance(config, SoapConfig):
            raise TypeError(f"{name}: expected SoapConfig, got {type(config)}")
        super().__init__(name, config, credentials, sessions=sessions)
        self._config = config
        self._portal = PortalSession(name, credentials, self.sessions)
        self._service: SoapService | None = None

    def capabilities(self) -> frozenset[str]:
        return frozenset(self._config.capabilities)

    async def start(self) -> None:
        """Load the WSDL (raises `soap_wsdl.WsdlError` naming the problem), open the session."""
        if self._service is None:
            # The WSDL is the portal's public description: it is fetched without the
            # connector's credentials (a portal that guards it: point `wsdl:` at a file).
            async with self.sessions.open() as session:
                self._service = await load_service(self.name, self._config, session)
        await self._portal.start()

    async def aclose(self) -> None:
        await self._portal.aclose()

    def _spec(self, capability: str) -> SoapCapabilitySpec:
        spec = self._config.capabilities.get(capability)
        if spec is None:
            raise CapabilityNotSupported(self.name, capability)
        return spec

    async def fetch(
        self, capability: str, keys: Sequence[Key], principal: Principal | None
    ) -> Sequence[Record | ConnectorError]:
        spec = self._spec(capability)
        record_type = CAPABILITIES[capability].record
        # A key XML cannot carry cannot exist in the portal: that key alone is not found.
        sendable = [str(key) for key in dict.fromkeys(keys) if xml_text_ok(str(key))]
        if spec.batch is not None:
            size = spec.batch.max_size
            found: dict[Key, Record | ConnectorError] = {}
            # One chunk after another: the gateway's DataLoader already batches up to the
            # same size, so a split is rare, and a failing chunk leaves nothing running.
            for start in range(0, len(sendable), size):
                chunk = sendable[start : start + size]
                params = render(spec.request, None, chunk)
                data = await self._call(spec, params, principal, write=False)
                found.update(self._mapped(capability, record_type, spec, list(chunk), data))
            return [found.get(str(key), RecordNotFound(self.name, str(key))) for key in keys]
        calls = {
            key: asyncio.ensure_future(self._one(capability, record_type, spec, key, principal))
            for key in sendable
        }
        try:
            answers = dict(zip(calls, await asyncio.gather(*calls.values()), strict=True))
        except BaseException:
            for call in calls.values():
                call.cancel()
            raise
        return [answers.get(str(key), RecordNotFound(self.name, str(key))) for key in keys]

    async def _one(
        self,
        capability: str,
        record_type: type[Record],
        spec: SoapCapabilitySpec,
        key: str,
        principal: Principal | None,
    ) -> Record | ConnectorError:
        try:
            data = await self._call(spec, render(spec.request, key, None), principal, write=False)
        except RecordNotFound:
            return RecordNotFound(self.name, key)
        mapped = self._mapped(capability, record_type, spec, [key], data)
        return mapped.get(key, RecordNotFound(self.name, key))

    async def write(
        self, capability: str, key: str, payload: Mapping[str, Any], principal: Principal | None
    ) -> Record:
        spec = self._spec(capability)
        assert spec.body is not None
        if not xml_text_ok(key):
            raise RecordNotFound(self.name, key)
        for field, value in payload.items():
            if isinstance(value, str) and not xml_text_ok(value):
                problem = f"{field} may not contain control characters"
                raise UpstreamValidationFailed(self.name, problem, field)
        params = render(spec.request, key, None) | write_body(payload, spec.body)
        try:
            data = await self._call(spec, params, principal, write=True)
        except RecordNotFound:
            raise RecordNotFound(self.name, key) from None
        record_type = CAPABILITIES[capability].record
        result = self._mapped(capability, record_type, spec, [key], data).get(key)
        if not isinstance(result, Record):
            raise BadUpstreamData(self.name)
        return result

    def _mapped(
        self,
        capability: str,
        record_type: type[Record],
        spec: SoapCapabilitySpec,
        keys: list[str],
        data: dict[str, Any],
    ) -> dict[Key, Record | ConnectorError]:
        """Records for the keys asked for (objects for other keys are never handed out)."""
        items = spec.response.items
        if items is not None:
            # zeep gives an element the XSD allows once as an object, not a list of one.
            found = lookup(data, items)
            if isinstance(found, dict):
                data = _with(data, items, [found])
            return read_batch(self.name, record_type, spec.response, keys, data, capability)
        return {keys[0]: read_answer(self.name, capability, record_type, spec.response, data)}

    async def _call(
        self,
        spec: SoapCapabilitySpec,
        params: Mapping[str, Any],
        principal: Principal | None,
        *,
        write: bool,
    ) -> dict[str, Any]:
        """One operation call: its output element as plain data, or a `ConnectorError`."""
        service = self._service
        if service is None:
            raise ConnectorUnavailable(self.name, f"{self.name} is not started")
        try:
            document = service.envelope(spec.operation, params)
        except (zeep.exceptions.Error, TypeError, ValueError) as exc:
            # The portal's schema refuses these values before anything is sent.
            if write:
                message = f"{self.name} did not accept the input"
                raise UpstreamValidationFailed(self.name, message) from exc
            raise BadUpstreamData(self.name, f"{self.name} cannot send this request") from exc
        headers = {
            "Content-Type": _CONTENT_TYPE,
            "SOAPAction": f'"{service.soap_action(spec.operation)}"',
        }
        try:
            status, body = await self._portal.request(
                "POST",
                yarl.URL(service.address),
                principal,
                self._read,
                data=document,
                headers=headers,
            )
        except _TooLarge:
            limit = self._config.max_response_bytes
            raise BadUpstreamData(
                self.name, f"{self.name} answered with more than {limit} bytes"
            ) from None
        if status in (401, 403) or (body is None and 400 <= status < 500):
            raise UpstreamRejected(self.name, status)
        if body is None:
            raise ConnectorUnavailable(self.name, f"{self.name} failed (HTTP {status})")
        try:
            answer = await asyncio.to_thread(service.read, spec.operation, body)
        except _UNREADABLE as exc:
            if status == 200:
                raise BadUpstreamData(self.name) from exc
            raise ConnectorUnavailable(self.name, f"{self.name} failed (HTTP {status})") from exc
        if isinstance(answer, Fault):
            raise self._fault_error(spec, answer, status, write=write)
        if status != 200:
            raise ConnectorUnavailable(self.name, f"{self.name} failed (HTTP {status})")
        assert isinstance(answer, Reply)
        return answer.data

    def _fault_error(
        self, spec: SoapCapabilitySpec, fault: Fault, status: int, *, write: bool
    ) -> ConnectorError:
        if fault.code != "Client":
            return ConnectorUnavailable(self.name)
        if fault.text in spec.not_found_faults:
            return RecordNotFound(self.name)
        if not write:
            return UpstreamRejected(self.name, status)
        # Only a Client fault on a write describes the customer's input; its text is
        # passed on when short and printable (no newlines, control or format characters),
        # because the portal's own validation text is the most useful thing to show.
        if 0 < len(fault.text) <= _FAULT_MESSAGE_MAX and fault.text.isprintable():
            return UpstreamValidationFailed(self.name, fault.text)
        return UpstreamValidationFailed(self.name, f"{self.name} did not accept the input")

    async def _read(self, resp: aiohttp.ClientResponse) -> tuple[int, bytes | None]:
        """Status and body, bounded; only 200 and 500 (SOAP's fault status) are read."""
        if resp.status not in (200, 500):
            return resp.status, None
        body = await read_bounded(resp, self._config.max_response_bytes)
        if body is None:
            raise _TooLarge
        return resp.status, body

    async def health(self) -> Health:
        """GET `health_path` on the endpoint's host; down before start."""
        if self._service is None:
            return Health("down", 0.0, "not started")
        origin = yarl.URL(self._service.address).origin()
        return await self._portal.health(build_url(origin, self._config.health_path, {}))


def _with(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `data` with the value at dotted `path` replaced."""
    head, _, rest = path.partition(".")
    inner = data.get(head)
    replaced = _with(inner, rest, value) if rest and isinstance(inner, dict) else value
    return {**data, head: replaced}
