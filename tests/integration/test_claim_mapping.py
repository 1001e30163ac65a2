"""Claim mapping over HTTP: tokens shaped the way real providers shape them.

The gateway is configured (registry `identity.claims` and link paths) for a Keycloak-like
token: roles under `realm_access.roles`, groups mapped to roles, the tenant in a
URL-namespaced claim, and each portal's id in a flat claim of its own (the shop's as a
JSON number). The token has no `links`, `roles` or `tenant` claims at all, so every id
the portals are asked for came through the mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from config.errors import ConfigError
from demo.data import DemoCustomer
from demo.stack import DemoStack
from tests.integration.conftest import open_gateway

TENANT_CLAIM = "https://portalgate.example.com/org"
SHOP_CLAIM = "https://shop.example.com/customer_no"
ADMIN_GROUP = "/portal/organisation-admins"

QUERY = """{ viewer {
  profile { lastName }
  orders(first: 50) { totalCount }
  invoices { number }
  tickets { number }
  organisation { id orders(first: 50) { totalCount } }
} }"""


def provider_shaped(data: dict[str, Any]) -> None:
    data["identity"] = {
        "claims": {
            "roles": "realm_access.roles",
            "tenant": [TENANT_CLAIM],
            "groups": "groups",
            "group_roles": {ADMIN_GROUP: "org_admin"},
        },
        "links": {
            "crm": {"path": "crm_id"},
            "orders": {"path": [SHOP_CLAIM]},
            "billing": {"path": "accounts.billing"},
            "support": {"lookup": "support_party", "from": "crm"},
        },
    }
    # The shop's back-office token: the shop then checks nothing about the customer, so
    # the customer number in each URL is exactly what the gateway read from the token.
    data["connectors"]["orders"]["auth"] = {"scheme": "bearer", "token": {"env": "ORDERS_TOKEN"}}


def token_claims(customer: DemoCustomer, groups: list[str]) -> dict[str, Any]:
    assert customer.tenant is not None
    return {
        "links": None,
        "roles": None,
        "tenant": None,
        "crm_id": customer.crm_id,
        SHOP_CLAIM: int(customer.shop_no),
        "accounts": {"billing": customer.billing_account},
        "realm_access": {"roles": ["offline_access", "uma_authorization"]},
        "groups": groups,
        TENANT_CLAIM: customer.tenant,
    }


async def test_a_provider_shaped_token_reaches_each_portal_with_the_right_ids(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    admin = next(c for c in stack.customers if c.org_role == "admin")
    members = [c for c in stack.customers if c.tenant == admin.tenant]
    data = stack.dataset

    async with open_gateway(
        stack, tracer_provider, registry_path=registry_variant(provider_shaped)
    ) as gateway:
        body = await gateway.query(QUERY, admin.subject, **token_claims(admin, [ADMIN_GROUP]))

    assert "errors" not in body, body
    viewer = body["data"]["viewer"]
    assert viewer["profile"]["lastName"] == admin.last_name
    assert viewer["orders"]["totalCount"] == len(data.orders.get(admin.shop_no, ()))
    assert {i["number"] for i in viewer["invoices"]} == {
        i.invoice_id for i in data.invoices.get(admin.billing_account, ())
    }
    assert {t["number"] for t in viewer["tickets"]} == {
        t.ticket_id for t in data.tickets.get(admin.support_party, ())
    }
    assert viewer["organisation"]["id"] == admin.tenant
    assert viewer["organisation"]["orders"]["totalCount"] == sum(
        len(data.orders.get(m.shop_no, ())) for m in members
    )


async def test_without_the_mapped_group_the_organisation_admin_role_is_not_granted(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    admin = next(c for c in stack.customers if c.org_role == "admin")

    async with open_gateway(
        stack, tracer_provider, registry_path=registry_variant(provider_shaped)
    ) as gateway:
        body = await gateway.query(QUERY, admin.subject, **token_claims(admin, ["/staff"]))

    viewer = body["data"]["viewer"]
    assert viewer["profile"]["lastName"] == admin.last_name
    assert viewer["organisation"]["id"] == admin.tenant
    assert viewer["organisation"]["orders"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize(
    ("group_roles", "key", "problem"),
    [
        (
            {"portal-support-staff": "customer-service"},
            "identity.claims.group_roles.portal-support-staff",
            "role 'customer-service' grants nothing here; the roles the gateway checks are "
            "customer_service, org_admin",
        ),
        (
            {"portal-support-staff": ""},
            "identity.claims.group_roles",
            "portal-support-staff: '' is not a role name",
        ),
    ],
)
async def test_a_bad_mapping_stops_the_gateway_at_start_up_naming_the_key(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
    group_roles: dict[str, str],
    key: str,
    problem: str,
) -> None:
    def mapped(data: dict[str, Any]) -> None:
        data["identity"]["claims"] = {"groups": "groups", "group_roles": group_roles}

    path = registry_variant(mapped)
    with pytest.raises(ConfigError) as caught:
        async with open_gateway(stack, tracer_provider, registry_path=path):
            pass

    assert (caught.value.file, caught.value.key) == (str(path), key)
    assert problem in caught.value.problem


async def test_a_flat_link_claim_for_an_unknown_portal_names_the_registrys_connectors(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    def typo(data: dict[str, Any]) -> None:
        data["identity"]["links"]["order"] = {"path": "shop_no"}

    with pytest.raises(ConfigError) as caught:
        async with open_gateway(stack, tracer_provider, registry_path=registry_variant(typo)):
            pass

    assert caught.value.key == "identity.links.order"
    assert "connectors: billing, crm, orders, support" in caught.value.problem
