"""Strict outbound paths (RFC 10017): a value can never change the path a connector calls.

Each connector kind is checked over HTTP against a loopback server that records the raw
path of every request it receives: a refused value must reach no server at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest
import yarl
from aiohttp import web
from aiohttp.test_utils import TestServer

from connectors.base import UpstreamAuth
from connectors.errors import RecordNotFound
from connectors.paths import UnsafePathValue, build_url, is_safe_path_value
from connectors.principal import Principal
from connectors.records import OrderRecord
from connectors.rest import RestConfig, RestConnector
from connectors.support_xml import SupportXmlConnector

# Each is a dot segment, a separator, or decodes to one (once or twice), or is a control
# character: a portal could read every one of them as a different path.
UNSAFE = [
    "",
    ".",
    "..",
    "%2E",
    "%2E%2E",
    "%2e%2E",
    ".%2E",
    "%252E%252E",
    "/",
    "a/b",
    "%2F",
    "%2f",
    "a%2Fb",
    "%252F",
    "\\",
    "a\\b",
    "%5C",
    "%5c",
    "\x00",
    "a%00b",
    "a\nb",
    "\x7f",
    "\uff0e\uff0e",  # fullwidth dots, which NFKC folds to ".."
    "a\uff0fb",  # fullwidth solidus
]
SAFE = ["SO-100045", "C-10001", "100%", "a.b", "...", "a b", "ü", "a,b", "a;b"]

ORDER_RECORD = {
    "order_id": "orderNo",
    "customer_id": "customerNo",
    "placed_at": "placedAt",
    "status": "status",
    "total": {"fields": {"amount": "total.amount", "currency": "total.currency"}},
    "history": {"each": "history", "fields": {"status": "status", "at": "at"}},
}
ORDER = {
    "orderNo": "SO-1",
    "customerNo": "700001",
    "placedAt": "2026-11-01T10:00:00Z",
    "status": "shipped",
    "total": {"amount": "10.00", "currency": "EUR"},
    "history": [],
}


@pytest.mark.parametrize("value", UNSAFE)
def test_values_that_could_change_a_path_are_unsafe(value: str) -> None:
    assert not is_safe_path_value(value)


@pytest.mark.parametrize("value", SAFE)
def test_ordinary_ids_are_safe(value: str) -> None:
    assert is_safe_path_value(value)


def test_a_built_url_keeps_the_base_path_and_quotes_the_value() -> None:
    base = yarl.URL("http://127.0.0.1:1/api/")
    url = build_url(base, "/orders/{id}/lines", {"id": "a b?#"})
    assert url.raw_path == "/api/orders/a%20b%3F%23/lines"
    assert url.query_string == ""
    with pytest.raises(UnsafePathValue):
        build_url(base, "/orders/{id}", {"id": ".."})


class NoAuth:
    """A CredentialProvider that adds nothing (the recorder asks for no credentials)."""

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        return UpstreamAuth(headers={})


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[TestServer, list[str]]]:
    """A loopback server that records the raw path of every request: it knows order SO-1
    alone and in a batch with SO-2, answers any POST with an empty SOAP answer, and
    anything else with 404."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.raw_path)
        if request.method == "POST":
            body = "<Envelope><Body><GetTicketsResponse/></Body></Envelope>"
            return web.Response(text=body, content_type="text/xml")
        if request.raw_path == "/shop/orders/SO-1":
            return web.json_response(ORDER)
        if request.raw_path == "/shop/orders/SO-1%2CSO-2":
            return web.json_response({"orders": [ORDER]})
        return web.json_response({"message": "no such thing"}, status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        yield server, seen


def rest_connector(server: TestServer, capabilities: dict[str, Any]) -> RestConnector:
    config = RestConfig.model_validate(
        {"base_url": str(server.make_url("/")), "capabilities": capabilities}
    )
    return RestConnector("orders", config, NoAuth())


ONE_ORDER = {
    "order": {"request": {"path": "/shop/orders/{id}"}, "response": {"record": ORDER_RECORD}}
}


@pytest.mark.parametrize("value", UNSAFE)
async def test_rest_refuses_an_unsafe_id_before_any_request(
    recorder: tuple[TestServer, list[str]], value: str
) -> None:
    server, seen = recorder
    async with rest_connector(server, ONE_ORDER) as orders:
        results = await orders.fetch("order", [value, "SO-1"], None)

    assert isinstance(results[0], RecordNotFound)
    assert isinstance(results[1], OrderRecord)
    assert seen == ["/shop/orders/SO-1"]


async def test_rest_refuses_unsafe_keys_of_a_batch_in_the_path_and_sends_the_rest(
    recorder: tuple[TestServer, list[str]],
) -> None:
    server, seen = recorder
    batched = {
        "order": {
            "request": {"path": "/shop/orders/{keys}"},
            "batch": {"max_size": 10},
            "response": {"items": "orders", "key": "orderNo", "record": ORDER_RECORD},
        }
    }
    async with rest_connector(server, batched) as orders:
        mixed = await orders.fetch("order", ["..", "SO-1", "%2F", "SO-2"], None)
        unsafe = await orders.fetch("order", ["..", "%2E%2E"], None)

    assert [type(r) for r in mixed] == [RecordNotFound, OrderRecord, RecordNotFound, RecordNotFound]
    assert [type(r) for r in unsafe] == [RecordNotFound, RecordNotFound]
    assert seen == ["/shop/orders/SO-1%2CSO-2"]


async def test_rest_refuses_an_unsafe_key_of_a_write_before_any_request(
    recorder: tuple[TestServer, list[str]],
) -> None:
    server, seen = recorder
    write = {
        "update_profile": {
            "request": {"method": "PATCH", "path": "/api/customers/{id}"},
            "body": {"name.first": "first_name"},
            "response": {"record": {"customer_id": "customerId"}},
        }
    }
    async with rest_connector(server, write) as crm:
        for value in ("..", "%2E%2E", "a/b"):
            with pytest.raises(RecordNotFound):
                await crm.write("update_profile", value, {"first_name": "Eve"}, None)

    assert seen == []


@pytest.mark.parametrize(
    "path", ["/shop/../admin/{id}", "/shop/./{id}", "/shop/%2e%2e/{id}", "shop/{id}", "/a\\b"]
)
def test_rest_templates_with_dot_segments_or_escapes_fail_at_load(path: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        RestConfig.model_validate(
            {
                "base_url": "http://127.0.0.1:1",
                "capabilities": {
                    "order": {"request": {"path": path}, "response": {"record": ORDER_RECORD}}
                },
            }
        )


@pytest.mark.parametrize("value", ["..", "%2E%2E", "%2F", "/", "\\", "."])
async def test_support_xml_never_puts_a_party_id_in_its_path(
    recorder: tuple[TestServer, list[str]], value: str
) -> None:
    # The XML kind sends ids in the envelope only; its path is the configured one.
    server, seen = recorder
    config = SupportXmlConnector.Config.model_validate({"base_url": str(server.make_url("/"))})
    async with SupportXmlConnector("support", config, NoAuth()) as support:
        await support.fetch("tickets", [value], None)

    assert seen == ["/soap"]


@pytest.mark.parametrize("path", ["/soap/../admin", "/soap/.", "/%2e%2e/admin", "/a\\b"])
def test_support_xml_paths_with_dot_segments_or_escapes_fail_at_load(path: str) -> None:
    with pytest.raises(pydantic.ValidationError):
        SupportXmlConnector.Config.model_validate({"base_url": "http://127.0.0.1:1", "path": path})
