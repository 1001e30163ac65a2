"""The declarative REST connector, as config/registry.example.yaml configures it for the
CRM, web shop and billing portals, against those portals on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pydantic
import pytest
from aiohttp import web
from aiohttp.test_utils import BaseTestServer, TestServer

from config.registry import Registry
from connectors.base import Connector, UpstreamAuth
from connectors.capabilities import PageKey
from connectors.errors import (
    ConnectorUnavailable,
    ErrorCode,
    RecordNotFound,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from connectors.principal import Principal
from connectors.records import (
    Address,
    Email,
    InvoiceListRecord,
    InvoiceRecord,
    InvoiceStatus,
    LinkRecord,
    Money,
    OrderItemRecord,
    OrderItemsRecord,
    OrderPageRecord,
    OrderRecord,
    Phone,
    Preferences,
    ProfileRecord,
    StatusChange,
)
from connectors.rest import RestConfig, RestConnector
from demo.data import DemoCustomer, Order, Profile
from demo.stack import DemoStack
from tests.connectors.conftest import build_connector, build_credentials


def profile_record(crm_id: str, profile: Profile) -> ProfileRecord:
    """What the CRM's data for a customer must map to."""
    return ProfileRecord(
        customer_id=crm_id,
        first_name=profile.first_name,
        last_name=profile.last_name,
        emails=tuple(Email(address=e.address, primary=e.primary) for e in profile.emails),
        phones=tuple(Phone(number=p.number, kind=p.kind) for p in profile.phones),
        addresses=tuple(
            Address(
                kind=a.kind, street=a.street, city=a.city, postcode=a.postcode, country=a.country
            )
            for a in profile.addresses
        ),
        preferences=Preferences(
            language=profile.preferences.language,
            newsletter=profile.preferences.newsletter,
            contact_channel=profile.preferences.contact_channel,
        ),
    )


def order_record(order: Order) -> OrderRecord:
    return OrderRecord(
        order_id=order.order_no,
        customer_id=order.customer_no,
        placed_at=order.placed_at,
        status=order.status,
        total=Money(amount=order.total, currency=order.currency),
        history=tuple(StatusChange(status=e.status, at=e.at) for e in order.history),
    )


def first(
    customers: list[DemoCustomer], stack: DemoStack, predicate: Callable[[Profile], bool]
) -> DemoCustomer:
    """The first of `customers` whose CRM profile satisfies `predicate`."""
    return next(c for c in customers if predicate(stack.dataset.profiles[c.crm_id]))


# --- CRM: profile, update_profile, support_party -------------------------------------------


async def test_a_profile_batch_is_one_request_mapped_in_key_order(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    # Customers 0-9 are never written to; pick shapes that exercise every list mapping.
    readers = stack.customers[:10]
    two_emails = first(readers, stack, lambda p: len(p.emails) > 1)
    others = [c for c in readers if c is not two_emails]
    two_phones = first(others, stack, lambda p: len(p.phones) > 1 and len(p.addresses) > 1)
    plain = stack.customers[0]
    keys = [two_emails.crm_id, plain.crm_id, two_phones.crm_id]
    assert len(set(keys)) == 3

    results = await connectors["crm"].fetch("profile", keys, principal)

    assert stack.crm.requests["customers.batch"] == 1
    assert stack.crm.requests_total == 1
    assert list(results) == [profile_record(k, stack.dataset.profiles[k]) for k in keys]


async def test_update_profile_maps_the_portals_answer_and_a_later_fetch_sees_it(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    crm_id = stack.customers[40].crm_id
    before = profile_record(crm_id, stack.dataset.profiles[crm_id])
    payload = {
        "first_name": "Grace",
        "emails": [
            {"address": "grace@example.org", "primary": False},
            {"address": "grace@navy.example", "primary": True},
        ],
        "phones": [{"number": "+1 555 0100", "kind": "work"}],
        "preferences": {"language": "en", "contact_channel": "sms"},
    }

    updated = await connectors["crm"].write("update_profile", crm_id, payload, principal)

    expected = before.model_copy(
        update={
            "first_name": "Grace",
            "emails": (
                Email(address="grace@example.org", primary=False),
                Email(address="grace@navy.example", primary=True),
            ),
            "phones": (Phone(number="+1 555 0100", kind="work"),),
            "preferences": Preferences(
                language="en",
                newsletter=before.preferences.newsletter,
                contact_channel="sms",
            ),
        }
    )
    assert updated == expected
    assert stack.crm.requests["customers.update"] == 1
    [fetched] = await connectors["crm"].fetch("profile", [crm_id], principal)
    assert fetched == expected


async def test_a_portal_validation_error_keeps_its_short_message_and_field(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    crm_id = stack.customers[41].crm_id
    payload = {"first_name": "Ok", "emails": [{"address": "not-an-address", "primary": True}]}

    with pytest.raises(UpstreamValidationFailed) as caught:
        await connectors["crm"].write("update_profile", crm_id, payload, principal)

    assert caught.value.message == "not a valid e-mail address"
    assert caught.value.field == "emails[0].address"
    assert caught.value.code is ErrorCode.BAD_USER_INPUT
    assert caught.value.extensions == {
        "code": "BAD_USER_INPUT",
        "connector": "crm",
        "field": "emails[0].address",
    }
    [unchanged] = await connectors["crm"].fetch("profile", [crm_id], principal)
    assert unchanged == profile_record(crm_id, stack.dataset.profiles[crm_id])


async def test_updating_an_unknown_customer_is_not_found(
    connectors: dict[str, Connector], principal: Principal
) -> None:
    with pytest.raises(RecordNotFound) as caught:
        await connectors["crm"].write("update_profile", "C-99999", {"first_name": "X"}, principal)

    assert caught.value.key == "C-99999"


async def test_support_party_is_looked_up_from_the_crms_external_refs(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    one, two = stack.customers[:2]

    results = await connectors["crm"].fetch(
        "support_party", [two.crm_id, "C-99999", one.crm_id], principal
    )

    assert results[0] == LinkRecord(value=two.support_party)
    assert isinstance(results[1], RecordNotFound)
    assert results[2] == LinkRecord(value=one.support_party)
    assert stack.crm.requests["external_refs.batch"] == 1


# --- web shop: orders_by_customer, order, order_items --------------------------------------


async def full_listing(connector: Connector, shop_no: str, principal: Principal) -> list[str]:
    [page] = await connector.fetch("orders_by_customer", [PageKey(shop_no, 0, 100)], principal)
    assert isinstance(page, OrderPageRecord)
    return [o.order_id for o in page.orders]


async def test_a_full_listing_matches_the_dataset(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    customer = stack.customers[0]
    orders = stack.dataset.orders[customer.shop_no]
    assert 30 < len(orders) < 100

    [page] = await connectors["orders"].fetch(
        "orders_by_customer", [PageKey(customer.shop_no, 0, 100)], principal
    )

    assert page == OrderPageRecord(
        orders=tuple(order_record(o) for o in orders), total_count=len(orders)
    )


@pytest.mark.parametrize(
    ("offset", "limit"),
    [
        pytest.param(10, 10, id="aligned: page 2 of size 10"),
        pytest.param(30, 10, id="aligned: the last, short page"),
        pytest.param(5, 10, id="unaligned: page 1 of size 16 (one past the window), sliced"),
        pytest.param(13, 7, id="unaligned: page 1 of size 21 (one past the window), sliced"),
        pytest.param(0, 3, id="aligned: the first page"),
    ],
)
async def test_an_offset_window_returns_the_right_orders(
    stack: DemoStack,
    connectors: dict[str, Connector],
    principal: Principal,
    offset: int,
    limit: int,
) -> None:
    shop_no = stack.customers[0].shop_no
    everything = await full_listing(connectors["orders"], shop_no, principal)
    stack.orders.reset_counts()

    [page] = await connectors["orders"].fetch(
        "orders_by_customer", [PageKey(shop_no, offset, limit)], principal
    )

    assert isinstance(page, OrderPageRecord)
    assert [o.order_id for o in page.orders] == everything[offset : offset + limit]
    assert page.total_count == len(everything)
    assert stack.orders.requests["orders.by_customer"] == 1


async def test_aligned_windows_page_while_unaligned_ones_read_from_the_start(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    shop_no = stack.customers[0].shop_no

    # offset 100, limit 10 is page 11 of size 10: past the end, but a valid request.
    [past_the_end] = await connectors["orders"].fetch(
        "orders_by_customer", [PageKey(shop_no, 100, 10)], principal
    )
    assert isinstance(past_the_end, OrderPageRecord)
    assert past_the_end.orders == ()
    assert past_the_end.total_count == len(stack.dataset.orders[shop_no])

    # offset 95, limit 10 would need page 1 of size 105, more than the portal pages.
    stack.orders.reset_counts()
    with pytest.raises(UpstreamRejected) as caught:
        await connectors["orders"].fetch(
            "orders_by_customer", [PageKey(shop_no, 95, 10)], principal
        )
    assert caught.value.status == 400
    assert stack.orders.requests_total == 0


async def test_a_customer_without_orders_gets_an_empty_page(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    shop_no = next(c.shop_no for c in stack.customers if not stack.dataset.orders.get(c.shop_no))

    [page] = await connectors["orders"].fetch(
        "orders_by_customer", [PageKey(shop_no, 0, 10)], principal
    )

    assert page == OrderPageRecord(orders=(), total_count=0)


async def test_orders_by_id_are_one_request_in_key_order(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    one = stack.dataset.orders[stack.customers[0].shop_no][3]
    two = stack.dataset.orders[stack.customers[1].shop_no][0]

    results = await connectors["orders"].fetch("order", [two.order_no, one.order_no], principal)

    assert results == [order_record(two), order_record(one)]
    assert stack.orders.requests["orders.by_ids"] == 1


async def test_a_batch_that_leaves_a_key_out_is_asked_again_key_by_key(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    # `split_on` is set for orders: an unknown key costs what a refused one costs.
    one = stack.dataset.orders[stack.customers[0].shop_no][3]
    two = stack.dataset.orders[stack.customers[1].shop_no][0]

    results = await connectors["orders"].fetch(
        "order", [two.order_no, "SO-000000", one.order_no], principal
    )

    assert results[0] == order_record(two)
    assert isinstance(results[1], RecordNotFound)
    assert results[1].key == "SO-000000"
    assert results[2] == order_record(one)
    assert stack.orders.requests["orders.by_ids"] == 1 + 3


async def test_a_refused_batch_is_split_and_refused_keys_are_not_found(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    keys = [o.order_no for o in stack.dataset.orders[stack.customers[0].shop_no][:3]]
    stack.orders.knobs.fail_status = 403

    results = await connectors["orders"].fetch("order", keys, principal)

    assert [type(r) for r in results] == [RecordNotFound] * 3
    assert [r.key for r in results if isinstance(r, RecordNotFound)] == keys
    assert stack.orders.requests["orders.by_ids"] == 1 + 3


async def test_a_batch_failing_for_another_reason_is_not_split(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    keys = [o.order_no for o in stack.dataset.orders[stack.customers[0].shop_no][:3]]
    stack.orders.knobs.fail_status = 401

    with pytest.raises(UpstreamRejected) as caught:
        await connectors["orders"].fetch("order", keys, principal)

    assert caught.value.status == 401
    assert stack.orders.requests["orders.by_ids"] == 1


async def test_order_items_for_five_orders_are_one_request_grouped_per_order(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    orders = [
        *stack.dataset.orders[stack.customers[0].shop_no][:2],
        *stack.dataset.orders[stack.customers[1].shop_no][:2],
    ]
    assert any(len(o.items) > 1 for o in orders)  # grouping must have something to group
    keys = [orders[2].order_no, orders[0].order_no, "SO-000000", orders[3].order_no]
    keys.append(orders[1].order_no)
    by_no = {o.order_no: o for o in orders}

    results = await connectors["orders"].fetch("order_items", keys, principal)

    assert stack.orders.requests["order_items.batch"] == 1
    assert results[2] == OrderItemsRecord(items=())  # an order without items
    for key, result in zip(keys, results, strict=True):
        lines = by_no[key].items if key in by_no else ()
        assert result == OrderItemsRecord(
            items=tuple(
                OrderItemRecord(
                    order_id=key,
                    sku=line.sku,
                    title=line.title,
                    quantity=line.qty,
                    unit_price=Money(amount=line.unit_price, currency=by_no[key].currency),
                )
                for line in lines
            )
        )


# --- billing: invoices ---------------------------------------------------------------------


async def test_invoices_map_cents_to_decimals_and_states_to_statuses(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    accounts = [c.billing_account for c in stack.customers[:3]]
    states = {"PAID": InvoiceStatus.PAID, "OPEN": InvoiceStatus.UNPAID}
    states["OVERDUE"] = InvoiceStatus.OVERDUE

    results = await connectors["billing"].fetch("invoices", accounts, principal)

    seen: set[InvoiceStatus] = set()
    for account, result in zip(accounts, results, strict=True):
        source = stack.dataset.invoices[account]
        assert result == InvoiceListRecord(
            invoices=tuple(
                InvoiceRecord(
                    invoice_id=i.invoice_id,
                    issued_on=i.issued,
                    due_on=i.due,
                    amount=Money(amount=Decimal(i.amount_cents) / 100, currency=i.currency),
                    status=states[i.state],
                )
                for i in source
            )
        )
        assert isinstance(result, InvoiceListRecord)
        seen |= {i.status for i in result.invoices}
        # exact cents, never a float: 3490 is 34.90, printed with both decimals
        assert [str(i.amount.amount) for i in result.invoices] == [
            f"{i.amount_cents // 100}.{i.amount_cents % 100:02d}" for i in source
        ]
    assert seen == set(InvoiceStatus)
    assert stack.billing.requests["invoices.by_account"] == 3


async def test_an_unknown_billing_account_is_returned_as_not_found(
    stack: DemoStack, connectors: dict[str, Connector], principal: Principal
) -> None:
    account = stack.customers[0].billing_account

    results = await connectors["billing"].fetch("invoices", ["ACC-000000", account], principal)

    assert isinstance(results[0], RecordNotFound)
    assert results[0].key == "ACC-000000"
    assert results[0].connector == "billing"
    assert isinstance(results[1], InvoiceListRecord)


# --- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("connector", "secret_env", "capability"),
    [
        ("crm", "CRM_API_KEY", "profile"),
        ("billing", "BILLING_PASSWORD", "invoices"),
        ("orders", "ORDERS_TOKEN", "order"),
    ],
)
async def test_a_wrong_secret_is_rejected_with_401_and_never_echoed(
    stack: DemoStack,
    registry: Registry,
    principal: Principal,
    connector: str,
    secret_env: str,
    capability: str,
) -> None:
    wrong = "wrong-secret-" + stack.env[secret_env][:8]
    credentials = build_credentials(registry, {**stack.env, secret_env: wrong})
    keys = {
        "crm": stack.customers[0].crm_id,
        "billing": stack.customers[0].billing_account,
        "orders": stack.dataset.orders[stack.customers[0].shop_no][0].order_no,
    }

    async with build_connector(registry, connector, credentials) as conn:
        with pytest.raises(UpstreamRejected) as caught:
            await conn.fetch(capability, [keys[connector]], principal)

    assert caught.value.status == 401
    text = f"{caught.value} {caught.value.message} {caught.value!r}"
    assert wrong not in text
    assert stack.env[secret_env] not in text
    for body in ("invalid api key", "unauthorized", "auth"):  # the portals' 401 bodies
        assert body not in text.replace("HTTP 401", "")


async def test_a_wrong_key_on_a_write_is_rejected_with_401(
    stack: DemoStack, registry: Registry, principal: Principal
) -> None:
    credentials = build_credentials(registry, {**stack.env, "CRM_API_KEY": "nope"})

    async with build_connector(registry, "crm", credentials) as crm:
        with pytest.raises(UpstreamRejected) as caught:
            await crm.write(
                "update_profile", stack.customers[42].crm_id, {"first_name": "X"}, principal
            )

    assert caught.value.status == 401
    assert not isinstance(caught.value, UpstreamValidationFailed)


class KeyOnly:
    """A CredentialProvider with one fixed API key."""

    def __init__(self, key: str) -> None:
        self.key = key

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        return UpstreamAuth(headers={"X-Api-Key": self.key})


@pytest.fixture
async def elsewhere() -> AsyncIterator[tuple[BaseTestServer, list[str | None]]]:
    """A server on another port that records the API key of every request it gets."""
    seen: list[str | None] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(request.headers.get("X-Api-Key"))
        return web.json_response({"customers": []})

    app = web.Application()
    app.router.add_get("/{tail:.*}", record)
    async with TestServer(app, host="127.0.0.1", port=0) as server:
        yield server, seen


async def test_a_redirect_is_not_followed_with_the_credentials(
    elsewhere: tuple[BaseTestServer, list[str | None]],
) -> None:
    target, seen = elsewhere

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(str(target.make_url("/steal")))

    app = web.Application()
    app.router.add_get("/{tail:.*}", redirect)
    config = RestConfig.model_validate(
        {
            "capabilities": {
                "profile": {
                    "request": {"path": "/customers", "query": {"ids": "{keys}"}},
                    "batch": {},
                    "response": {"items": "customers", "key": "id", "record": {}},
                }
            },
            "base_url": "http://127.0.0.1:1",
        }
    )
    async with TestServer(app, host="127.0.0.1", port=0) as portal:
        config = config.model_copy(update={"base_url": str(portal.make_url("/"))})
        async with RestConnector("crm", config, KeyOnly("the-key")) as crm:
            with pytest.raises(ConnectorUnavailable):
                await crm.fetch("profile", ["C-1"], None)

    assert seen == []


# --- configuration -------------------------------------------------------------------------


def capability_config(**spec: Any) -> dict[str, Any]:
    return {"base_url": "http://portal.example", "capabilities": spec}


PROFILE = {
    "request": {"path": "/c", "query": {"ids": "{keys}"}},
    "batch": {},
    "response": {"items": "customers", "key": "id", "record": {"customer_id": "id"}},
}


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (capability_config(profiles=PROFILE), "unknown capability 'profiles'"),
        (
            capability_config(
                orders_by_customer={"request": {"path": "/o/{id}"}, "response": {"record": {}}}
            ),
            "orders_by_customer is paged",
        ),
        (
            capability_config(
                update_profile={
                    "request": {"method": "PATCH", "path": "/c/{id}"},
                    "response": {"record": {}},
                }
            ),
            "update_profile is a write",
        ),
        (
            capability_config(profile={**PROFILE, "request": {"path": "/c/{id}"}}),
            "must use {keys}",
        ),
        (
            capability_config(profile={**PROFILE, "response": {"items": "x", "record": {}}}),
            "`items` and `key` go together",
        ),
        (capability_config(profile={**PROFILE, "batchh": {}}), "Extra inputs"),
        ({"base_url": "not a url", "capabilities": {}}, "URL"),
    ],
)
def test_rest_config_rejects_what_cannot_work(config: dict[str, Any], problem: str) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        RestConfig.model_validate(config)

    assert problem in str(caught.value)


async def test_each_rest_connector_serves_the_capabilities_its_config_describes(
    registry: Registry, connectors: dict[str, Connector]
) -> None:
    for name in ("crm", "orders", "billing"):
        connector = connectors[name]
        assert isinstance(connector, RestConnector)
        assert connector.capabilities() == set(registry.connectors[name].owns)
