"""The registry's claim mapping (`identity.claims`, link paths): paths and start-up errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from config.errors import ConfigError
from tests.config.test_registry import edit, example, load, write


def test_claim_paths_are_dotted_strings_or_lists_of_segments(tmp_path: Path) -> None:
    data = example()
    data["identity"]["claims"] = {
        "roles": "resource_access.portalgate.roles",
        "tenant": ["https://portalgate.example.com/org"],
        "groups": "groups",
        "group_roles": {"portal-support-staff": "customer_service"},
    }
    data["identity"]["links"]["orders"] = {"path": ["https://shop.example.com/customer.no"]}

    registry = load(write(tmp_path, data))

    assert registry.claims.roles == ("resource_access", "portalgate", "roles")
    assert registry.claims.tenant == ("https://portalgate.example.com/org",)
    assert registry.claims.links == ("links",)
    assert registry.links["orders"].path == ("https://shop.example.com/customer.no",)


def test_without_a_claims_section_the_gateways_own_token_shape_is_read() -> None:
    registry = load(Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml")
    claims = registry.claims
    assert (claims.roles, claims.tenant, claims.links, claims.groups) == (
        ("roles",),
        ("tenant",),
        ("links",),
        None,
    )


BROKEN = [
    pytest.param(
        edit("identity.claims", {"roles": ""}),
        "identity.claims.roles",
        "must not be empty",
        id="empty roles path",
    ),
    pytest.param(
        edit("identity.claims", {"tenant": "org..name"}),
        "identity.claims.tenant",
        "empty segments",
        id="empty segment",
    ),
    pytest.param(
        edit("identity.claims", {"links": []}),
        "identity.claims.links",
        "must not be empty",
        id="empty list path",
    ),
    pytest.param(
        edit("identity.claims", {"roles": "https://portalgate.example.com/roles"}),
        "identity.claims.roles",
        "write it as a list of segments: ['https://portalgate.example.com/roles']",
        id="namespaced claim as a dotted string",
    ),
    pytest.param(
        edit("identity.claims", {"role": "roles"}),
        "identity.claims.role",
        "unknown key (expected one of: roles, tenant, links, groups, group_roles)",
        id="misspelt key",
    ),
    pytest.param(
        edit("identity.claims", {"group_roles": {"staff": "customer_service"}}),
        "identity.claims",
        "`group_roles` needs `groups`",
        id="group roles without groups",
    ),
    pytest.param(
        edit("identity.claims", {"groups": "groups"}),
        "identity.claims",
        "`groups` needs `group_roles`",
        id="groups without group roles",
    ),
    pytest.param(
        edit("identity.claims", {"groups": "groups", "group_roles": {"staff": "customer service"}}),
        "identity.claims.group_roles",
        "staff: 'customer service' is not a role name",
        id="role with a space",
    ),
    pytest.param(
        edit("identity.links.orders", {"path": ""}),
        "identity.links.orders.path",
        "must not be empty",
        id="empty link path",
    ),
    pytest.param(
        edit("identity.links.orders", {"claim": "orders", "path": "shop_no"}),
        "identity.links.orders",
        "only one of `claim`, `path` and `lookup`",
        id="two link sources",
    ),
    pytest.param(
        edit("identity.links.shop", {"path": "shop_no"}),
        "identity.links.shop",
        "must be named after a connector (connectors: billing, crm, orders, support)",
        id="flat claim for no connector",
    ),
]


@pytest.mark.parametrize(("change", "key", "problem"), BROKEN)
def test_a_broken_claim_mapping_names_the_key(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], key: str, problem: str
) -> None:
    data = example()
    change(data)
    path = write(tmp_path, data)

    with pytest.raises(ConfigError) as caught:
        load(path)

    assert caught.value.key == key
    assert problem in caught.value.problem
