"""A portal's WSDL, loaded once at start by zeep, and the messages it defines.

    load_service(connector, config, session)   at start: WSDL ─▶ zeep ─▶ SoapService
    SoapService.envelope(operation, params)    the request document zeep builds (bytes)
    SoapService.read(operation, body)          the answer: Reply(output as plain dicts) or Fault

zeep does what it is for: it reads the WSDL and XSD, serializes parameters and parses
answers into typed values, with its XML guards on (`SAFE_XML`: no DTD, no entities, no
external references, libxml2's size limits). It sends nothing: its transports are
`requests` (blocking) or `httpx`, which would bypass the connector's aiohttp session
and with it the credentials per call, the refused redirects, the error mapping and the
client spans (`connectors.portal_session`). So the session sends, and zeep only parses.

zeep's document loading is synchronous; it runs in a worker thread, and `_LoopLoader`
hands each remote fetch back to the event loop's aiohttp session (a file path is read
in the thread). Only the WSDL itself may be remote: with `forbid_external`, zeep refuses
``xsd:import``/``wsdl:import`` of http(s) URLs, so a WSDL cannot make the gateway fetch
other addresses. Each document is bounded by `max_response_bytes`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import aiohttp
import zeep
import zeep.exceptions
import zeep.helpers
import zeep.loader
import zeep.wsdl.bindings
from lxml import etree

from connectors.errors import ConnectorSetupError
from connectors.soap_config import SoapConfig

__all__ = [
    "SAFE_XML",
    "Fault",
    "Reply",
    "SoapService",
    "WsdlError",
    "load_service",
    "read_bounded",
    "xml_text_ok",
]

SOAP_ENV_11 = "http://schemas.xmlsoap.org/soap/envelope/"

SAFE_XML = zeep.Settings(
    strict=True,
    xml_huge_tree=False,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
)

# A remote WSDL that has not arrived in this time fails the start (the gateway's start
# timeout is longer, so this error, which names the WSDL, is the one that is seen).
_FETCH_TIMEOUT_S = 10.0


class WsdlError(ConnectorSetupError):
    """The WSDL cannot be loaded or does not offer what the registry asks of it."""


@dataclass(frozen=True, slots=True)
class Reply:
    """The operation's output element as plain dicts, lists and typed values."""

    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Fault:
    """A SOAP Fault: `code` is the faultcode's local name (``Client``, ``Server``, ...)."""

    code: str
    text: str


class SoapService:
    """One bound port of a loaded WSDL: its operations, address and message formats."""

    def __init__(self, client: zeep.Client, binding: Any, address: str) -> None:
        self._client = client
        self._binding = binding
        self._proxy = client.create_service(binding.name, address)
        self.address = address

    def operations(self) -> list[str]:
        return sorted(self._binding.all())

    def _operation(self, name: str) -> Any:
        return self._binding.get(name)

    def check(self, operation: str, parameters: set[str]) -> str | None:
        """Why `operation` cannot be called with these parameter names, or None."""
        if operation not in self._binding.all():
            return f"{operation} is not an operation of the WSDL (it has: " + (
                ", ".join(self.operations()) + ")"
            )
        op = self._operation(operation)
        if op.style != "document" or not isinstance(op.output.body, zeep.xsd.Element):
            return f"{operation} is not document/literal, the only style this kind sends"
        known = {name for name, _ in op.input.body.type.elements}
        unknown = sorted(parameters - known)
        if unknown:
            return f"{operation} has no parameter {', '.join(unknown)} (it has: " + (
                ", ".join(sorted(known)) + ")"
            )
        return None

    def soap_action(self, operation: str) -> str:
        return str(self._operation(operation).soapaction or "")

    def envelope(self, operation: str, params: Mapping[str, Any]) -> bytes:
        """The request document; raises TypeError / ValueError / zeep's errors for values
        the operation does not take."""
        envelope = self._client.create_message(self._proxy, operation, **params)
        document: bytes = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        return document

    def read(self, operation: str, body: bytes) -> Reply | Fault:
        """Parse an answer with zeep's guards; raises zeep.exceptions.Error (and ValueError
        for a value that does not fit its type) for anything that is not a proper answer."""
        # zeep annotates `content` as str, but lxml needs bytes for a document that
        # declares its encoding, as SOAP answers do; bytes is what zeep itself passes.
        root = zeep.loader.parse_xml(body, None, settings=SAFE_XML)  # type: ignore[arg-type]
        if root.tag != f"{{{SOAP_ENV_11}}}Envelope":
            raise zeep.exceptions.XMLParseError("not a SOAP 1.1 envelope")
        soap_body = root.find(f"{{{SOAP_ENV_11}}}Body")
        if soap_body is None:
            raise zeep.exceptions.XMLParseError("no SOAP Body")
        fault = soap_body.find(f"{{{SOAP_ENV_11}}}Fault")
        if fault is not None:
            code = (fault.findtext("faultcode") or "").strip()
            # A QName ("soap:Client") whose local part may be refined ("Client.Auth").
            local = code.rpartition(":")[2].split(".")[0]
            return Fault(local, (fault.findtext("faultstring") or "").strip())
        output = self._operation(operation).output.body
        node = soap_body.find(output.qname.text)
        if node is None:
            raise zeep.exceptions.XMLParseError(f"no {output.qname.localname} in the Body")
        value = output.parse(node, self._client.wsdl.types)
        data = zeep.helpers.serialize_object(value, dict)
        return Reply(data if isinstance(data, dict) else {})


class _LoopLoader:
    """The object zeep calls `load(url)` on (from the worker thread) to read documents."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        loop: asyncio.AbstractEventLoop,
        max_bytes: int,
        wsdl: str,
    ) -> None:
        self._session = session
        self._loop = loop
        self._max_bytes = max_bytes
        self._wsdl = wsdl
        self._remote = _is_remote(wsdl)

    def load(self, url: str) -> bytes:
        if self._remote and url != self._wsdl:
            # zeep's forbid_external stops http(s) imports; this stops a remote WSDL from
            # naming local files (file:///etc/...) as well: it must be self-contained.
            raise ValueError("a WSDL fetched over the network may not include other documents")
        if _is_remote(url):
            fetch = asyncio.run_coroutine_threadsafe(self._fetch(url), self._loop)
            return fetch.result()
        path = Path(url.removeprefix("file://")).expanduser()
        with path.open("rb") as file:
            content = file.read(self._max_bytes + 1)
        if len(content) > self._max_bytes:
            raise ValueError(f"{path} is larger than {self._max_bytes} bytes")
        return content

    async def _fetch(self, url: str) -> bytes:
        async with asyncio.timeout(_FETCH_TIMEOUT_S):
            async with self._session.get(url, allow_redirects=False) as resp:
                if resp.status != 200:
                    raise ValueError(f"HTTP {resp.status}")
                content = await read_bounded(resp, self._max_bytes)
                if content is None:
                    raise ValueError(f"larger than {self._max_bytes} bytes")
                return content


def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _is_remote(location: str) -> bool:
    return urlparse(location).scheme in ("http", "https")


async def read_bounded(resp: aiohttp.ClientResponse, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be over `limit` bytes (a declared
    Content-Length is believed; a body without one is read no further than the limit)."""
    if resp.content_length is not None and resp.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def load_service(
    connector: str, config: SoapConfig, session: aiohttp.ClientSession
) -> SoapService:
    """Load and bind the WSDL, then check every capability's operation and parameters.

    Raises `WsdlError` naming the config key and the problem (never the document's text).
    """
    loop = asyncio.get_running_loop()
    loader = _LoopLoader(session, loop, config.max_response_bytes, config.wsdl)
    try:
        client = await asyncio.to_thread(
            zeep.Client, config.wsdl, transport=loader, settings=SAFE_XML
        )
    except (zeep.exceptions.Error, aiohttp.ClientError, OSError, ValueError) as exc:
        problem = f"cannot load {config.wsdl}: {_why(exc)}"
        raise WsdlError(connector, "config.wsdl", problem) from exc
    port = _port(connector, client, config)
    address: str | None = str(config.address) if config.address else None
    address = address or port.binding_options.get("address")
    if not address:
        raise WsdlError(connector, "config.address", "the WSDL names no address: give one")
    if (
        config.address is None
        and _is_remote(config.wsdl)
        and _origin(address) != _origin(config.wsdl)
    ):
        # Credentials go to this address: a fetched WSDL may not send them to another host.
        problem = f"the WSDL names an endpoint on another host ({_origin(address)}): give one"
        raise WsdlError(connector, "config.address", problem)
    if not isinstance(port.binding, zeep.wsdl.bindings.Soap11Binding):
        problem = f"port {port.name} is not a SOAP 1.1 binding, the only one this kind speaks"
        raise WsdlError(connector, "config.port", problem)
    service = SoapService(client, port.binding, address)
    for name, spec in config.capabilities.items():
        parameters = set(spec.request) | {t.split(".")[0] for t in spec.body or {}}
        unfit = service.check(spec.operation, parameters)
        if unfit is not None:
            raise WsdlError(connector, f"config.capabilities.{name}.operation", unfit)
    return service


def _port(connector: str, client: zeep.Client, config: SoapConfig) -> Any:
    """The configured (or first) port of the configured (or first) service."""
    services = client.wsdl.services
    if not services:
        raise WsdlError(connector, "config.wsdl", f"{config.wsdl} defines no service")
    name = config.service or next(iter(services))
    if name not in services:
        problem = f"no service {name} in the WSDL (it has: {', '.join(services)})"
        raise WsdlError(connector, "config.service", problem)
    ports = services[name].ports
    port_name = config.port or next(iter(ports), None)
    if port_name not in ports:
        problem = f"no port {port_name} in service {name} (it has: {', '.join(ports)})"
        raise WsdlError(connector, "config.port", problem)
    return ports[port_name]


def _why(exc: BaseException) -> str:
    """A short reason: the error's type and zeep's or aiohttp's message (no document text)."""
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def xml_text_ok(value: str) -> bool:
    """False for characters XML 1.0 cannot carry even escaped (its `Char` production:
    control characters other than tab/newline/return, surrogates, U+FFFE and U+FFFF)."""
    return all(
        ch in "\t\n\r" or 0x20 <= ord(ch) < 0xD800 or 0xE000 <= ord(ch) < 0xFFFE or ord(ch) > 0xFFFF
        for ch in value
    )
