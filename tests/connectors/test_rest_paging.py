"""Paging styles and filter arguments of the REST kind, against a legacy-style portal on
loopback (tests/connectors/legacy_portal.py) that records every query it is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pydantic
import pytest
import yarl

from connectors.base import UpstreamAuth
from connectors.capabilities import ListKey, PageKey, filters_of
from connectors.errors import BadUpstreamData, UpstreamRejected
from connectors.principal import Principal
from connectors.records import InvoiceListRecord, OrderPageRecord
from connectors.rest import RestConfig, RestConnector
from connectors.rest_paging import follow_link
from tests.connectors.legacy_portal import INVOICES, ORDERS, LegacyPortal, open_legacy_portal

ORDER = {
    "order_id": "no",
    "customer_id": "customer",
    "placed_at": "placed",
    "status": "state",
    "total": {"fields": {"amount": "total.amount", "currency": "total.currency"}},
}
PAGE = {"record": {"orders": {"each": "orders", "fields": ORDER}}}

STYLES: dict[str, dict[str, Any]] = {
    "page_size": {
        "request": {"path": "/pages", "query": {"page": "{page}", "size": "{size}"}},
        "paging": {"list_field": "orders", "has_more": "more", "max_size": 50},
    },
    "offset_limit": {
        "request": {"path": "/offsets", "query": {"offset": "{offset}", "limit": "{limit}"}},
        "paging": {"style": "offset_limit", "list_field": "orders", "max_size": 50},
    },
    "limit_only": {
        "request": {"path": "/newest", "query": {"limit": "{limit}"}},
        "paging": {"style": "limit_only", "list_field": "orders", "max_size": 50},
    },
    "cursor": {
        "request": {"path": "/cursor", "query": {"after": "{cursor}", "limit": "{limit}"}},
        "paging": {"style": "cursor", "list_field": "orders", "next": "next", "max_size": 10},
    },
    "next_link": {
        "request": {"path": "/linked", "query": {"limit": "{limit}"}},
        "paging": {
            "style": "next_link",
            "list_field": "orders",
            "next": "links.next",
            "max_size": 10,
        },
    },
}

INVOICE = {
    "invoice_id": "id",
    "issued_on": "issued",
    "due_on": "due",
    "amount": {"fields": {"amount": {"path": "cents", "scale": -2}, "currency": "currency"}},
    "status": {"path": "state", "map": {"PAID": "paid", "OPEN": "unpaid", "LATE": "overdue"}},
}
INVOICE_LIST = {"record": {"invoices": {"each": "invoices", "fields": INVOICE}}}
TO_PORTAL = {"paid": "PAID", "unpaid": "OPEN", "overdue": "LATE"}


class NoCredentials:
    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        return UpstreamAuth(headers={})


@pytest.fixture
async def legacy() -> AsyncIterator[LegacyPortal]:
    async with open_legacy_portal() as portal:
        yield portal


def config(url: str, **capabilities: dict[str, Any]) -> RestConfig:
    return RestConfig.model_validate({"base_url": url, "capabilities": capabilities})


async def window(portal: LegacyPortal, style: str, offset: int, limit: int) -> OrderPageRecord:
    spec = {**STYLES[style], "response": PAGE}
    async with RestConnector(
        "legacy", config(portal.url, orders_by_customer=spec), NoCredentials()
    ) as conn:
        [page] = await conn.fetch("orders_by_customer", [PageKey("K-1", offset, limit)], None)
    assert isinstance(page, OrderPageRecord)
    return page


def numbers(page: OrderPageRecord) -> list[str]:
    return [o.order_id for o in page.orders]


@pytest.mark.parametrize("style", list(STYLES))
async def test_each_style_serves_page_two_after_page_one(legacy: LegacyPortal, style: str) -> None:
    first = await window(legacy, style, 0, 10)
    second = await window(legacy, style, 10, 10)

    assert numbers(first) == ORDERS[:10]
    assert numbers(second) == ORDERS[10:20]
    assert first.has_more is True and second.has_more is True
    # The portal gives no total, so none is made up.
    assert first.total_count is None and second.total_count is None


@pytest.mark.parametrize("style", list(STYLES))
async def test_the_last_page_has_no_next_page(legacy: LegacyPortal, style: str) -> None:
    last = await window(legacy, style, 20, 10)

    assert numbers(last) == ORDERS[20:]
    assert last.has_more is False


@pytest.mark.parametrize("style", list(STYLES))
async def test_an_unaligned_window_is_the_right_slice(legacy: LegacyPortal, style: str) -> None:
    page = await window(legacy, style, 7, 5)

    assert numbers(page) == ORDERS[7:12]
    assert page.has_more is True


async def test_offset_limit_asks_one_past_the_window(legacy: LegacyPortal) -> None:
    await window(legacy, "offset_limit", 10, 10)

    assert legacy.seen["offsets"] == [{"offset": "10", "limit": "11"}]


async def test_limit_only_reads_the_newest_and_refuses_a_window_past_its_reach(
    legacy: LegacyPortal,
) -> None:
    await window(legacy, "limit_only", 10, 10)
    assert legacy.seen["newest"] == [{"limit": "21"}]

    with pytest.raises(UpstreamRejected) as caught:
        await window(legacy, "limit_only", 45, 10)
    assert "cannot page that far" in caught.value.message
    assert len(legacy.seen["newest"]) == 1  # refused without asking


async def test_a_cursor_walk_follows_the_portal_cursors(legacy: LegacyPortal) -> None:
    await window(legacy, "cursor", 10, 5)

    # max_size 10: the first page, then the rest of the window and one past it.
    assert legacy.seen["cursor"] == [{"limit": "10"}, {"after": ORDERS[9], "limit": "6"}]


async def test_a_walk_longer_than_max_pages_is_refused(legacy: LegacyPortal) -> None:
    spec = {**STYLES["cursor"], "response": PAGE}
    spec["paging"] = {**spec["paging"], "max_size": 2, "max_pages": 3}
    async with RestConnector(
        "legacy", config(legacy.url, orders_by_customer=spec), NoCredentials()
    ) as conn:
        with pytest.raises(UpstreamRejected):
            await conn.fetch("orders_by_customer", [PageKey("K-1", 10, 2)], None)
    assert len(legacy.seen["cursor"]) == 3


@pytest.mark.parametrize(
    "link",
    [
        "http://127.0.0.1:1/api/linked?from=5",
        "https://127.0.0.1:8080/api/linked",
        "//elsewhere.example/linked",
        "http://user@127.0.0.1/linked",
        "/linked/%2e%2e/admin",
        "/a%2Fb",
        "/api/../admin",
        "/admin?from=5",
    ],
)
def test_a_next_link_off_the_portal_is_refused(link: str) -> None:
    base = yarl.URL("http://127.0.0.1:8080/api/")
    asked = yarl.URL("http://127.0.0.1:8080/api/linked?limit=5")
    with pytest.raises(BadUpstreamData):
        follow_link("legacy", base, asked, link)


def test_a_relative_next_link_resolves_against_the_page() -> None:
    base = yarl.URL("http://127.0.0.1:8080/api")
    asked = yarl.URL("http://127.0.0.1:8080/api/linked?limit=5")
    assert follow_link("legacy", base, asked, "?from=5&limit=5") == yarl.URL(
        "http://127.0.0.1:8080/api/linked?from=5&limit=5"
    )


# --- filter arguments ---------------------------------------------------------------------


async def invoices(
    portal: LegacyPortal, spec: dict[str, Any], statuses: list[str] | None
) -> InvoiceListRecord | Exception:
    filters = filters_of(status=statuses)
    key = ListKey("K-1", filters) if filters else "K-1"
    full = {"response": INVOICE_LIST, **spec}
    async with RestConnector("legacy", config(portal.url, invoices=full), NoCredentials()) as conn:
        [answer] = await conn.fetch("invoices", [key], None)
    assert isinstance(answer, InvoiceListRecord | Exception)
    return answer


def invoice_numbers(answer: InvoiceListRecord | Exception) -> list[str]:
    assert isinstance(answer, InvoiceListRecord)
    return [i.invoice_id for i in answer.invoices]


PUSHING = {
    "request": {"path": "/invoices"},
    "arguments": {"status": {"param": "state", "map": TO_PORTAL}},
}


async def test_a_filter_the_portal_takes_is_pushed(legacy: LegacyPortal) -> None:
    answer = await invoices(legacy, PUSHING, ["paid", "overdue"])

    assert legacy.seen["invoices"] == [{"state": "LATE,PAID"}]
    assert invoice_numbers(answer) == ["IN-1", "IN-3", "IN-4"]


async def test_without_a_filter_nothing_is_pushed(legacy: LegacyPortal) -> None:
    answer = await invoices(legacy, PUSHING, None)

    assert legacy.seen["invoices"] == [{}]
    assert invoice_numbers(answer) == [n for n, _ in INVOICES]


async def test_a_filter_the_portal_cannot_take_is_left_to_the_gateway(
    legacy: LegacyPortal,
) -> None:
    # One value at a time only: two statuses are not pushed, the whole list is read.
    single = {
        **PUSHING,
        "arguments": {"status": {**PUSHING["arguments"]["status"], "separator": None}},
    }
    answer = await invoices(legacy, single, ["paid", "overdue"])

    assert legacy.seen["invoices"] == [{}]
    assert invoice_numbers(answer) == [n for n, _ in INVOICES]  # the resolver filters


async def test_keys_that_make_the_same_request_share_it(legacy: LegacyPortal) -> None:
    spec = {"request": {"path": "/invoices"}, "response": INVOICE_LIST}
    keys = ["K-1", ListKey("K-1", filters_of(status=["paid"]))]
    async with RestConnector("legacy", config(legacy.url, invoices=spec), NoCredentials()) as conn:
        answers = await conn.fetch("invoices", keys, None)

    assert len(legacy.seen["invoices"]) == 1
    assert answers[0] == answers[1]


NARROWED = {
    "request": {"path": "/invoices", "query": {"state": "OPEN"}},
    "narrows": {"status": ["unpaid"]},
}


async def test_a_narrowed_request_serves_what_it_narrows_to(legacy: LegacyPortal) -> None:
    answer = await invoices(legacy, NARROWED, ["unpaid"])

    assert invoice_numbers(answer) == ["IN-2"]


@pytest.mark.parametrize("statuses", [["paid"], ["paid", "unpaid"], None])
async def test_a_filter_outside_the_narrowing_is_refused_unasked(
    legacy: LegacyPortal, statuses: list[str] | None
) -> None:
    answer = await invoices(legacy, NARROWED, statuses)

    assert isinstance(answer, UpstreamRejected)
    assert "lists only status unpaid" in answer.message
    assert "invoices" not in legacy.seen


# --- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (
            {**STYLES["offset_limit"], "request": {"path": "/o", "query": {"page": "{page}"}}},
            "fills {limit}, {offset}, not {page}",
        ),
        (
            {**STYLES["cursor"], "request": {"path": "/c", "query": {"limit": "{limit}"}}},
            "needs {cursor}",
        ),
        (
            {**STYLES["cursor"], "paging": {"style": "cursor", "list_field": "orders"}},
            "needs `next`",
        ),
        (
            {**STYLES["page_size"], "paging": {"list_field": "orders", "next": "n"}},
            "`next` belongs",
        ),
        (
            {
                **STYLES["limit_only"],
                "paging": {"style": "limit_only", "list_field": "orders", "page_base": 0},
            },
            "`page_base` belongs",
        ),
    ],
)
def test_a_paging_spec_that_does_not_fit_its_style_fails_at_load(
    spec: dict[str, Any], problem: str
) -> None:
    with pytest.raises(
        pydantic.ValidationError, match=problem.replace("{", r"\{").replace("}", r"\}")
    ):
        config("http://portal.example", orders_by_customer={**spec, "response": PAGE})


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"request": {"path": "/i", "query": {"status": "open"}}}, "fixes the filter 'status'"),
        ({"request": {"path": "/i"}, "narrows": {"state": ["unpaid"]}}, "'state' is not a filter"),
        (
            {
                "request": {"path": "/i", "query": {"state": "OPEN"}},
                **{"arguments": PUSHING["arguments"]},
            },
            "fixed and also an argument",
        ),
    ],
)
def test_a_fixed_or_unknown_filter_fails_at_load(spec: dict[str, Any], problem: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=problem):
        config("http://portal.example", invoices={**spec, "response": INVOICE_LIST})


async def test_a_page_without_its_list_is_unreadable_not_empty(legacy: LegacyPortal) -> None:
    spec = {
        **STYLES["offset_limit"],
        "response": {"record": {"orders": {"each": "missing", "fields": ORDER}}},
    }
    async with RestConnector(
        "legacy", config(legacy.url, orders_by_customer=spec), NoCredentials()
    ) as conn:
        with pytest.raises(BadUpstreamData):
            await conn.fetch("orders_by_customer", [PageKey("K-1", 0, 10)], None)
