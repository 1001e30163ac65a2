"""Slow clients against `portalgate serve`: a request that does not arrive whole in time is
cut off, one address holds a bounded number of connections, and normal requests are
answered while 400 stalled connections are open."""

from __future__ import annotations

import asyncio
import contextlib
import time

import httpx

from demo.stack import DemoStack
from tests.integration.served import ServedGateway, serve_gateway

PROFILE = {"query": "{ viewer { profile { firstName } } }"}
PARTIAL_HEADERS = b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/js"
PARTIAL_BODY = (
    b"POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
    b'Content-Length: 200\r\n\r\n{"query": "{ viewer'
)
# Generous: the gateway is configured to cut off after 1 s; today a stalled request is
# held for as long as the client likes.
CUT_OFF_BOUND_S = 8.0


class Stalled:
    """A connection that sent part of a request and waits for whatever the server does."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.answer = asyncio.ensure_future(reader.read())  # until the server closes

    @classmethod
    async def open(cls, port: int, sent: bytes, host: str = "127.0.0.1") -> Stalled:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, local_addr=(host, 0), limit=2**16
        )
        writer.write(sent)
        await writer.drain()
        return cls(reader, writer)

    async def close(self) -> None:
        self.answer.cancel()
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def graphql(served: ServedGateway, stack: DemoStack, local: str = "127.0.0.1") -> int:
    transport = httpx.AsyncHTTPTransport(local_address=local)
    async with httpx.AsyncClient(transport=transport, base_url=served.url, timeout=10) as client:
        token = stack.issuer.issue_token("cust-001")
        response = await client.post(
            "/graphql", json=PROFILE, headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code


async def test_stalled_headers_and_stalled_bodies_are_cut_off_with_408(stack: DemoStack) -> None:
    async with serve_gateway(stack, {"request_read_timeout_s": "1"}) as served:
        started = time.monotonic()
        stalled = [
            await Stalled.open(served.port, PARTIAL_HEADERS),
            await Stalled.open(served.port, PARTIAL_BODY),
            await Stalled.open(served.port, b""),  # connected, sent nothing
        ]
        try:
            done, _ = await asyncio.wait([s.answer for s in stalled], timeout=CUT_OFF_BOUND_S)
            elapsed = time.monotonic() - started
        finally:
            for connection in stalled:
                await connection.close()
        log = served.log()

    assert len(done) == 3, f"{3 - len(done)} stalled connections still open after {elapsed:.1f}s"
    for connection in stalled:
        answer = connection.answer.result()
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        assert b'"code": "BAD_USER_INPUT"' in answer
    assert elapsed >= 1.0
    assert "Traceback" not in log and "ERROR" not in log


async def test_a_request_fed_a_byte_at_a_time_gets_no_more_time(stack: DemoStack) -> None:
    async with serve_gateway(stack, {"request_read_timeout_s": "1"}) as served:
        dripping = await Stalled.open(served.port, b"P")
        started = time.monotonic()
        try:
            for byte in PARTIAL_HEADERS[1:]:
                if dripping.answer.done() or time.monotonic() - started > CUT_OFF_BOUND_S:
                    break
                dripping.writer.write(bytes([byte]))
                await asyncio.sleep(0.1)
            answer = await asyncio.wait_for(asyncio.shield(dripping.answer), CUT_OFF_BOUND_S)
        finally:
            await dripping.close()

    assert answer.startswith(b"HTTP/1.1 408 ")


async def test_normal_requests_are_answered_while_400_stalled_connections_are_open(
    stack: DemoStack,
) -> None:
    settings = {"request_read_timeout_s": "10", "max_connections_per_address": "1000"}
    async with serve_gateway(stack, settings) as served:
        stalled = [
            await Stalled.open(served.port, PARTIAL_HEADERS if i % 2 else PARTIAL_BODY)
            for i in range(400)
        ]
        try:
            statuses = [await graphql(served, stack) for _ in range(3)]
            still_open = sum(not s.answer.done() for s in stalled)
            done, _ = await asyncio.wait([s.answer for s in stalled], timeout=10 + CUT_OFF_BOUND_S)
        finally:
            for connection in stalled:
                await connection.close()

    assert statuses == [200, 200, 200]
    assert still_open == 400
    assert len(done) == 400  # and every one of them was cut off in the end


async def test_connections_beyond_the_per_address_cap_are_refused(stack: DemoStack) -> None:
    settings = {"request_read_timeout_s": "10", "max_connections_per_address": "3"}
    async with serve_gateway(stack, settings) as served:
        held = [await Stalled.open(served.port, PARTIAL_HEADERS) for _ in range(3)]
        try:
            over = await Stalled.open(served.port, b"")
            refused = await asyncio.wait_for(asyncio.shield(over.answer), CUT_OFF_BOUND_S)
            await over.close()
            other_address = await graphql(served, stack, local="127.0.0.2")
            await held[0].close()
            await asyncio.sleep(0.2)  # the server sees the close
            after_one_closed = await graphql(served, stack)
        finally:
            for connection in held:
                await connection.close()

    assert refused.startswith(b"HTTP/1.1 429 ")
    assert b"retry-after: 1" in refused
    assert b'"code": "RATE_LIMITED"' in refused
    assert other_address == 200
    assert after_one_closed == 200
