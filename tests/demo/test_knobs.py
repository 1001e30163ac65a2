"""Knobs, counting and /health, for each of the four portals over real sockets.

No assertion here depends on how long anything took: a slow or hanging portal is
observed through a client timeout, never by measuring.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import defusedxml.ElementTree as SafeET
import pytest

from demo.data import DemoDataset
from demo.portals.base import DemoPortal
from demo.portals.support import SupportPortal
from tests.demo.harness import happy_request, make_portal

SHORT = aiohttp.ClientTimeout(total=0.1)


async def send(
    session: aiohttp.ClientSession, portal: DemoPortal, **extra: Any
) -> aiohttp.ClientResponse:
    method, path, kwargs = happy_request(portal, portal.dataset.customers[0])
    async with session.request(method, portal.url + path, **kwargs, **extra) as resp:
        await resp.read()
        return resp


async def test_health_needs_no_auth(session: aiohttp.ClientSession, any_portal: DemoPortal) -> None:
    async with session.get(f"{any_portal.url}/health") as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}
    assert any_portal.requests["health"] == 1


async def test_happy_request_is_counted_under_its_route(
    session: aiohttp.ClientSession, any_portal: DemoPortal
) -> None:
    resp = await send(session, any_portal)
    assert resp.status == 200
    assert any_portal.requests_total == 1
    name = next(iter(any_portal.requests))
    assert name in {
        "customers.batch",
        "orders.by_customer",
        "invoices.by_account",
        "soap.GetTickets",
    }
    any_portal.reset_counts()
    assert any_portal.requests_total == 0


async def test_unmatched_and_unauthorised_requests_are_counted(
    session: aiohttp.ClientSession, any_portal: DemoPortal
) -> None:
    async with session.get(f"{any_portal.url}/nowhere") as resp:
        assert resp.status == 404
    method, path, _ = happy_request(any_portal, any_portal.dataset.customers[0])
    async with session.request(method, any_portal.url + path) as resp:
        assert resp.status == 401
    assert any_portal.requests["unmatched"] == 1
    assert any_portal.requests_total == 2


async def test_fail_status_answers_every_request(
    session: aiohttp.ClientSession, any_portal: DemoPortal
) -> None:
    any_portal.knobs.fail_status = 503
    assert (await send(session, any_portal)).status == 503
    async with session.get(f"{any_portal.url}/health") as resp:
        assert resp.status == 503
    any_portal.knobs.fail_status = None
    assert (await send(session, any_portal)).status == 200


async def test_error_rate_one_always_fails(
    session: aiohttp.ClientSession, any_portal: DemoPortal
) -> None:
    any_portal.knobs.error_rate = 1.0
    assert [(await send(session, any_portal)).status for _ in range(3)] == [500, 500, 500]
    any_portal.knobs.error_rate = 0.0
    assert (await send(session, any_portal)).status == 200
    assert any_portal.requests_total == 4


async def test_error_rate_is_drawn_from_the_seeded_rng(
    session: aiohttp.ClientSession, dataset: DemoDataset
) -> None:
    outcomes = []
    for _ in range(2):
        async with make_portal("orders", dataset) as portal:
            portal.knobs.error_rate = 0.5
            outcomes.append([(await send(session, portal)).status for _ in range(12)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 500}


async def test_malformed_body_fails_to_parse(
    session: aiohttp.ClientSession, any_portal: DemoPortal
) -> None:
    any_portal.knobs.malformed = True
    method, path, kwargs = happy_request(any_portal, any_portal.dataset.customers[0])
    async with session.request(method, any_portal.url + path, **kwargs) as resp:
        assert resp.status == 200
        body = await resp.text()
        if isinstance(any_portal, SupportPortal):
            assert resp.content_type == "text/xml"
            with pytest.raises(SafeET.ParseError):
                SafeET.fromstring(body)
        else:
            assert resp.content_type == "application/json"
            with pytest.raises(json.JSONDecodeError):
                json.loads(body)


async def test_latency_makes_an_impatient_client_time_out(
    session: aiohttp.ClientSession, any_portal: DemoPortal
) -> None:
    any_portal.knobs.latency_s = 0.5
    with pytest.raises(TimeoutError):
        await send(session, any_portal, timeout=SHORT)
    any_portal.knobs.latency_s = 0.0
    assert (await send(session, any_portal, timeout=SHORT)).status == 200
    assert any_portal.requests_total == 2


async def test_hang_never_answers(session: aiohttp.ClientSession, any_portal: DemoPortal) -> None:
    any_portal.knobs.hang = True
    with pytest.raises(TimeoutError):
        await send(session, any_portal, timeout=SHORT)
    any_portal.knobs.hang = False
    assert (await send(session, any_portal)).status == 200


async def test_closing_drops_a_hanging_request(
    session: aiohttp.ClientSession, dataset: DemoDataset
) -> None:
    portal = make_portal("crm", dataset)
    await portal.start()
    portal.knobs.hang = True
    pending = asyncio.create_task(send(session, portal))
    for _ in range(500):
        if portal.requests_total:
            break
        await asyncio.sleep(0.01)
    await portal.aclose()
    with pytest.raises(aiohttp.ClientError):
        await pending


async def test_refused_connections_then_accepted_again(
    session: aiohttp.ClientSession, any_portal: DemoPortal
) -> None:
    url = any_portal.url
    assert (await send(session, any_portal)).status == 200  # leaves a keep-alive connection
    await any_portal.refuse_connections()
    with pytest.raises(aiohttp.ClientConnectorError):
        await send(session, any_portal)
    await any_portal.accept_connections()
    assert any_portal.url == url
    assert (await send(session, any_portal)).status == 200
