"""A SOAP portal that answers whatever a test tells it to, on a real loopback socket.

    GET  /wsdl        the demo support desk's WSDL (its address: this server), or `wsdl`
    POST /soap        `answer(request)`: status, body, headers, or a streamed body
    GET  /leak...     counted in `leaks`: an external entity or DTD that was fetched

Used to check what `kind: soap` does with hostile or broken answers: external entities,
entity expansion, DTDs, oversized bodies, faults, wrong shapes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

from demo.portals.support_wsdl import SERVICE_NS, SOAP_ENV_NS, support_wsdl


@dataclass
class Answer:
    """One answer to POST /soap; `chunks` streams the body without a Content-Length."""

    body: str = ""
    status: int = 200
    chunks: list[bytes] | None = None


@dataclass
class HostilePortal:
    url: str = ""
    answer: Answer = field(default_factory=Answer)
    wsdl: str | None = None  # None: the demo desk's WSDL pointing at this server
    leaks: int = 0
    calls: int = 0
    soap_actions: list[str] = field(default_factory=list)

    def respond(self, body: str, status: int = 200) -> None:
        self.answer = Answer(body, status)

    def stream(self, chunks: list[bytes]) -> None:
        self.answer = Answer(chunks=chunks)


def envelope(payload: str) -> str:
    """A SOAP 1.1 answer with `payload` in its Body (`tns` bound to the desk's namespace)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENV_NS}"'
        f' xmlns:tns="{SERVICE_NS}"><soap:Body>{payload}</soap:Body></soap:Envelope>'
    )


def ticket(party: str, ticket_id: str = "T-000001", status: str = "OPEN") -> str:
    return (
        f'<Ticket id="{ticket_id}" partyId="{party}"><Subject>Hello</Subject>'
        f"<Status>{status}</Status><Opened>2026-11-01T10:00:00Z</Opened>"
        "<LastUpdate>2026-11-02T10:00:00Z</LastUpdate></Ticket>"
    )


def fault(code: str, text: str) -> str:
    return envelope(
        f"<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>{text}</faultstring>"
        "</soap:Fault>"
    )


@asynccontextmanager
async def hostile_portal() -> AsyncIterator[HostilePortal]:
    portal = HostilePortal()

    async def wsdl(request: web.Request) -> web.Response:
        text = portal.wsdl if portal.wsdl is not None else support_wsdl(f"{portal.url}/soap")
        return web.Response(text=text, content_type="text/xml")

    async def soap(request: web.Request) -> web.StreamResponse:
        portal.calls += 1
        portal.soap_actions.append(request.headers.get("SOAPAction", ""))
        await request.read()
        answer = portal.answer
        if answer.chunks is None:
            return web.Response(text=answer.body, status=answer.status, content_type="text/xml")
        response = web.StreamResponse(status=answer.status)
        response.content_type = "text/xml"
        response.enable_chunked_encoding()
        await response.prepare(request)
        for chunk in answer.chunks:
            await response.write(chunk)
        await response.write_eof()
        return response

    async def leak(request: web.Request) -> web.Response:
        portal.leaks += 1
        return web.Response(text="SECRET-FROM-THE-INSIDE")

    app = web.Application()
    app.add_routes(
        [
            web.get("/wsdl", wsdl),
            web.post("/soap", soap),
            web.get("/leak{rest:.*}", leak),
            web.get("/health", _health),
        ]
    )
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    portal.url = str(server.make_url("")).rstrip("/")
    try:
        yield portal
    finally:
        await server.close()


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
