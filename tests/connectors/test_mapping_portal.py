"""An ordinary legacy portal, written without portalgate in mind, registered with `kind: rest`
and configuration alone (issue 10), on a real loopback server; and what an SRE learns when
its answer does not map: the capability, the record's field path and the reason, never
the value.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from connectors.base import UpstreamAuth
from connectors.errors import BadUpstreamData, ErrorCode
from connectors.principal import Principal
from connectors.records import (
    Email,
    OrderItemRecord,
    OrderItemsRecord,
    ProfileRecord,
    TicketListRecord,
    TicketRecord,
)
from connectors.rest import RestConfig, RestConnector

SECRET = "do-not-log-this@example.org"

CUSTOMERS: dict[int, dict[str, Any]] = {
    1: {"id": 1, "name": "Ada King Lovelace", "email": "ada@example.org", "tel": None},
    2: {"id": 2, "name": "Cher", "email": None},
    # A customer whose e-mail the portal stores as an object: the record wants text.
    3: {"id": 3, "name": "Bad Data", "email": {"value": SECRET}},
    # A customer whose name is a number: the mapping's split wants text.
    4: {"id": 4, "name": 1234567, "email": SECRET},
}

# Each line needs its order's number, which only the order has; prices come without a
# currency, which the portal gives once for the whole answer; there is no total.
ORDERS = {
    "currency": "EUR",
    "orders": [
        {"no": 501, "lines": [{"article": "PEN-1", "label": "Pen", "count": "2", "price": "1.50"}]},
        {"no": 502, "lines": []},
    ],
}

# Tickets without timestamps: the portal never kept them.
TICKETS = [{"ref": 9001, "topic": "Where is my parcel?", "state": "open", "waiting": "yes"}]

CONFIG: dict[str, Any] = {
    "capabilities": {
        "profile": {
            "request": {"path": "/api/customers", "query": {"ids": "{keys}"}},
            "batch": {},
            "response": {
                "items": "$",
                "key": "id",
                "record": {
                    "customer_id": {"path": "id", "as": "text"},
                    "first_name": {"split": "name", "take": "first"},
                    "last_name": {"split": "name", "take": "rest", "default": ""},
                    "emails": {
                        "fields": {"address": "email", "primary": {"const": True}},
                        "as_list": True,
                    },
                    "phones": {"fields": {"number": "tel"}, "as_list": True},
                },
            },
        },
        "order_items": {
            "request": {"path": "/api/order-lines", "query": {"orders": "{keys}"}},
            "batch": {},
            "response": {
                "items": "orders",
                "key": "no",
                "record": {
                    "items": {
                        "each": "lines",
                        "fields": {
                            "order_id": {"path": "$parent.no", "as": "text"},
                            "sku": "article",
                            "title": "label",
                            "quantity": {"path": "count", "as": "integer"},
                            "unit_price": {
                                "fields": {
                                    "amount": {"path": "price", "as": "decimal"},
                                    "currency": "$parent.$parent.currency",
                                }
                            },
                        },
                    }
                },
            },
        },
        "tickets": {
            "request": {"path": "/api/parties/{id}/tickets"},
            "response": {
                "record": {
                    "tickets": {
                        "each": "$",
                        "fields": {
                            "ticket_id": {"path": "ref", "as": "text"},
                            "subject": "topic",
                            "status": "state",
                            "awaiting_customer": {"path": "waiting", "as": "boolean"},
                        },
                    }
                }
            },
        },
    },
    "base_url": "http://127.0.0.1:1",
}


class NoCredentials:
    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        return UpstreamAuth(headers={})


async def customers(request: web.Request) -> web.Response:
    ids = [int(i) for i in request.query["ids"].split(",")]
    return web.json_response([CUSTOMERS[i] for i in ids if i in CUSTOMERS])


async def order_lines(request: web.Request) -> web.Response:
    return web.json_response(ORDERS)


async def tickets(request: web.Request) -> web.Response:
    return web.json_response(TICKETS)


@pytest.fixture
async def legacy() -> AsyncIterator[RestConnector]:
    app = web.Application()
    app.router.add_get("/api/customers", customers)
    app.router.add_get("/api/order-lines", order_lines)
    app.router.add_get("/api/parties/{id}/tickets", tickets)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        config = RestConfig.model_validate({**CONFIG, "base_url": str(server.make_url("/"))})
        async with RestConnector("legacy", config, NoCredentials()) as connector:
            yield connector


async def test_a_bare_list_with_integer_ids_one_name_and_one_email_maps_to_profiles(
    legacy: RestConnector,
) -> None:
    found = await legacy.fetch("profile", ["2", "1", "99"], None)

    assert found[0] == ProfileRecord(customer_id="2", first_name="Cher", last_name="")
    assert found[1] == ProfileRecord(
        customer_id="1",
        first_name="Ada",
        last_name="King Lovelace",
        emails=(Email(address="ada@example.org", primary=True),),
    )
    assert isinstance(found[2], Exception)
    assert found[2].code is ErrorCode.NOT_FOUND  # type: ignore[attr-defined]


async def test_each_line_gets_its_orders_number_and_the_answers_currency(
    legacy: RestConnector,
) -> None:
    found = await legacy.fetch("order_items", ["501", "502"], None)

    assert found == [
        OrderItemsRecord(
            items=(
                OrderItemRecord.model_validate(
                    {
                        "order_id": "501",
                        "sku": "PEN-1",
                        "title": "Pen",
                        "quantity": 2,
                        "unit_price": {"amount": "1.50", "currency": "EUR"},
                    }
                ),
            )
        ),
        OrderItemsRecord(items=()),
    ]


async def test_tickets_without_timestamps_have_none_not_a_made_up_date(
    legacy: RestConnector,
) -> None:
    [found] = await legacy.fetch("tickets", ["P-1"], None)

    assert found == TicketListRecord(
        tickets=(
            TicketRecord(
                ticket_id="9001",
                subject="Where is my parcel?",
                status="open",
                awaiting_customer=True,
            ),
        )
    )
    assert isinstance(found, TicketListRecord)
    assert found.tickets[0].opened_at is None
    assert found.tickets[0].opened_at != datetime(1970, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("customer", "path", "reason"),
    [
        ("3", "emails[0].address", "Input should be a valid string"),
        ("4", "first_name", "`name`: expected text to split"),
    ],
)
async def test_a_mapping_failure_logs_and_traces_path_and_reason_but_never_the_value(
    legacy: RestConnector,
    tracer_provider: TracerProvider,
    spans: InMemorySpanExporter,
    caplog: pytest.LogCaptureFixture,
    customer: str,
    path: str,
    reason: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    tracer = tracer_provider.get_tracer("test")

    with tracer.start_as_current_span("connector.fetch"), pytest.raises(BadUpstreamData) as caught:
        await legacy.fetch("profile", [customer], None)

    error = caught.value
    assert error.detail is not None
    assert (error.detail.capability, error.detail.path, error.detail.reason) == (
        "profile",
        path,
        reason,
    )
    assert error.code is ErrorCode.UPSTREAM_BAD_RESPONSE
    assert error.message == "legacy returned an unreadable response"
    assert error.__cause__ is None and error.__suppress_context__

    [line] = [r for r in caplog.records if r.name == "connectors.mapping"]
    assert line.levelno == logging.INFO
    text = line.getMessage()
    assert "connector=legacy" in text
    assert "capability=profile" in text
    assert f"path={path}" in text
    assert f"reason={reason}" in text
    assert SECRET not in caplog.text and "1234567" not in caplog.text

    [span] = [s for s in spans.get_finished_spans() if s.name == "connector.fetch"]
    assert span.attributes is not None
    assert span.attributes["portalgate.mapping.path"] == path
    assert span.attributes["portalgate.mapping.reason"] == reason
    for value in span.attributes.values():
        assert SECRET not in str(value) and "1234567" not in str(value)


async def test_a_naive_portal_time_is_read_in_the_zone_the_owner_configured() -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response(
            [{"ref": 1, "topic": "t", "state": "s", "opened": "2026-07-01 09:30"}]
        )

    spec = CONFIG["capabilities"]["tickets"]
    fields = dict(spec["response"]["record"]["tickets"]["fields"])
    fields["opened_at"] = {
        "path": "opened",
        "as": "datetime",
        "format": "%Y-%m-%d %H:%M",
        "zone": "Europe/Vienna",
    }
    app = web.Application()
    app.router.add_get("/api/parties/{id}/tickets", answer)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        config = RestConfig.model_validate(
            {
                "base_url": str(server.make_url("/")),
                "capabilities": {
                    "tickets": {
                        "request": spec["request"],
                        "response": {"record": {"tickets": {"each": "$", "fields": fields}}},
                    }
                },
            }
        )
        async with RestConnector("legacy", config, NoCredentials()) as connector:
            [found] = await connector.fetch("tickets", ["P-1"], None)

    assert isinstance(found, TicketListRecord)
    opened = found.tickets[0].opened_at
    assert opened == datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/Vienna"))
    assert opened is not None and opened.astimezone(UTC).hour == 7
