"""build_principal: verified claims in, a typed Principal out, wrong types refused."""

from __future__ import annotations

from typing import Any

import pytest

from config.registry import IdentitySpec
from connectors.principal import Actor
from sso.claims import ClaimMapping, build_principal
from sso.errors import InvalidToken

ISSUER = "https://idp.example"
TOKEN = "header.payload.signature"


def claims(**extra: Any) -> dict[str, Any]:
    return {"iss": ISSUER, "sub": "cust-42", "aud": "customer-api", **extra}


def refused(payload: dict[str, Any]) -> str:
    with pytest.raises(InvalidToken) as caught:
        build_principal(payload, TOKEN)
    return caught.value.reason


def test_minimal_claims_give_a_plain_principal() -> None:
    principal = build_principal(claims(), TOKEN)
    assert (principal.subject, principal.issuer) == ("cust-42", ISSUER)
    assert principal.tenant is None
    assert principal.roles == frozenset()
    assert principal.scopes == frozenset()
    assert dict(principal.links) == {}
    assert principal.actor is None
    assert principal.token == TOKEN
    assert TOKEN not in repr(principal)


def test_all_claims_are_mapped() -> None:
    principal = build_principal(
        claims(
            tenant="acme",
            roles=["customer", "billing-admin"],
            scope="orders:read  invoices:read",
            links={"crm": "C-10001", "billing": "B-7"},
            act={"sub": "emp-7", "roles": ["support"]},
        ),
        TOKEN,
    )
    assert principal.tenant == "acme"
    assert principal.roles == {"customer", "billing-admin"}
    assert principal.scopes == {"orders:read", "invoices:read"}
    assert principal.links == {"crm": "C-10001", "billing": "B-7"}
    assert principal.actor == Actor(subject="emp-7", roles=frozenset({"support"}))
    assert principal.cache_scope == f"{ISSUER}|cust-42"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"scp": ["orders:read", "profile"]}, {"orders:read", "profile"}),
        ({"scp": "orders:read profile"}, {"orders:read", "profile"}),
        ({"scope": "a b", "scp": ["c"]}, {"a", "b", "c"}),
        ({"scope": ""}, set()),
    ],
)
def test_scopes_come_from_scope_or_scp(extra: dict[str, Any], expected: set[str]) -> None:
    assert build_principal(claims(**extra), TOKEN).scopes == expected


def test_link_ids_may_be_text_or_integers_and_other_values_are_reported() -> None:
    principal = build_principal(
        claims(
            links={
                "crm": "C-1",
                "orders": 42,
                "billing": None,
                "docs": ["D-secret"],
                "x": "",
                "flag": True,
                "ratio": 1.5,
            }
        ),
        TOKEN,
    )
    assert principal.links == {"crm": "C-1", "orders": "42"}
    assert principal.link_problems == (
        "`links.docs` is not an id (text or an integer)",
        "`links.x` is not an id (text or an integer)",
        "`links.flag` is not an id (text or an integer)",
        "`links.ratio` is not an id (text or an integer)",
    )
    assert "secret" not in repr(principal)


def test_a_token_whose_links_all_fit_has_no_link_problems() -> None:
    assert build_principal(claims(links={"crm": "C-1"}), TOKEN).link_problems == ()


def test_links_are_read_only() -> None:
    principal = build_principal(claims(links={"crm": "C-1"}), TOKEN)
    with pytest.raises(TypeError):
        principal.links["crm"] = "C-2"  # type: ignore[index]


def test_claim_names_are_configurable() -> None:
    principal = build_principal(
        {
            "iss": ISSUER,
            "sub": "cust-42",
            "org": "acme",
            "groups": ["customer"],
            "accounts": {"crm": "C-1"},
        },
        TOKEN,
        ClaimMapping(link_object=("accounts",), tenant=("org",), roles=("groups",)),
    )
    assert (principal.tenant, principal.roles, dict(principal.links)) == (
        "acme",
        frozenset({"customer"}),
        {"crm": "C-1"},
    )


@pytest.mark.parametrize("sub", [None, "", 42, ["cust-42"], {"id": "cust-42"}])
def test_subject_must_be_a_non_empty_string(sub: Any) -> None:
    payload = claims(sub=sub)
    if sub is None:
        del payload["sub"]
    assert refused(payload) == "required claim missing"


@pytest.mark.parametrize("iss", [None, "", 7])
def test_issuer_must_be_a_non_empty_string(iss: Any) -> None:
    assert refused(claims(iss=iss)) == "required claim missing"


@pytest.mark.parametrize(
    "extra",
    [
        {"roles": {"admin": True}},
        {"roles": ["customer", 1]},
        {"roles": 7},
        {"scope": ["orders:read", None]},
        {"scp": 3},
        {"tenant": 5},
        {"tenant": ""},
        {"links": ["crm", "C-1"]},
        {"links": "crm=C-1"},
        {"act": "emp-7"},
        {"act": {"client_id": "support-app"}},
        {"act": {"sub": ""}},
    ],
)
def test_wrongly_typed_claims_are_refused(extra: dict[str, Any]) -> None:
    assert refused(claims(**extra)) == "token is malformed"


def test_refusal_does_not_quote_the_claim() -> None:
    with pytest.raises(InvalidToken) as caught:
        build_principal(claims(roles="admin-secret-role", tenant=["tenant-secret"]), TOKEN)
    text = f"{caught.value} {caught.value!r} {caught.value.www_authenticate()}"
    assert "secret" not in text
    assert TOKEN not in text


def mapping(identity: dict[str, Any]) -> ClaimMapping:
    """The claim mapping of a registry `identity` section as YAML would give it."""
    spec = IdentitySpec.model_validate(identity)
    return ClaimMapping.from_registry(spec.claims, spec.links)


def test_default_registry_mapping_names_links_by_connector() -> None:
    principal = build_principal(
        claims(links={"crm": "C-1", "orders": "700417", "billing": 42}),
        TOKEN,
        mapping({"links": {"crm": {"claim": "crm"}, "shop": {"claim": "orders"}}}),
    )
    assert principal.links == {"crm": "C-1", "shop": "700417"}
    # `billing` is read by no link of this registry: a misspelt or foreign name.
    assert principal.link_problems == (
        "`links.billing` names no portal of this gateway (it reads: crm, orders)",
    )


def test_an_integer_id_in_the_links_object_is_read_as_text() -> None:
    principal = build_principal(
        claims(links={"crm": 10001}), TOKEN, mapping({"links": {"crm": {"claim": "crm"}}})
    )
    assert (dict(principal.links), principal.link_problems) == ({"crm": "10001"}, ())


def test_a_misspelt_link_name_is_a_problem_not_a_missing_link() -> None:
    principal = build_principal(
        claims(links={"crmm": "C-1"}), TOKEN, mapping({"links": {"crm": {"claim": "crm"}}})
    )
    assert dict(principal.links) == {}
    assert principal.link_problems == (
        "`links.crmm` names no portal of this gateway (it reads: crm)",
    )


def test_keycloak_roles_come_from_a_nested_path() -> None:
    keycloak = mapping({"claims": {"roles": "realm_access.roles"}})
    principal = build_principal(
        claims(realm_access={"roles": ["org_admin", "offline_access"]}, roles=["ignored"]),
        TOKEN,
        keycloak,
    )
    assert principal.roles == {"org_admin", "offline_access"}


def test_a_missing_step_on_the_path_gives_no_roles() -> None:
    keycloak = mapping({"claims": {"roles": "resource_access.portalgate.roles"}})
    assert build_principal(claims(), TOKEN, keycloak).roles == frozenset()
    assert build_principal(claims(resource_access="x"), TOKEN, keycloak).roles == frozenset()


def test_namespaced_claims_are_read_whole_in_the_list_form() -> None:
    auth0 = mapping(
        {
            "claims": {
                "roles": ["https://portalgate.example.com/roles"],
                "tenant": ["https://portalgate.example.com/org"],
            }
        }
    )
    principal = build_principal(
        claims(
            **{
                "https://portalgate.example.com/roles": ["org_admin"],
                "https://portalgate.example.com/org": "acme",
            }
        ),
        TOKEN,
        auth0,
    )
    assert (principal.roles, principal.tenant) == (frozenset({"org_admin"}), "acme")


def test_groups_grant_the_roles_they_are_mapped_to_and_nothing_else() -> None:
    entra = mapping(
        {
            "claims": {
                "groups": "groups",
                "group_roles": {"6f1c-support": "customer_service", "a2b7-admins": "org_admin"},
            }
        }
    )
    principal = build_principal(
        claims(groups=["6f1c-support", "unrelated-group"], roles=["Reader"]), TOKEN, entra
    )
    assert principal.roles == {"customer_service", "Reader"}


def test_group_mapping_applies_to_the_acting_employee_too() -> None:
    okta = mapping(
        {"claims": {"groups": "groups", "group_roles": {"Portal Support": "customer_service"}}}
    )
    principal = build_principal(
        claims(act={"sub": "emp-7", "groups": ["Portal Support"]}), TOKEN, okta
    )
    assert principal.actor == Actor(subject="emp-7", roles=frozenset({"customer_service"}))


def test_flat_link_claims_accept_strings_and_integers() -> None:
    flat = mapping(
        {
            "links": {
                "crm": {"path": "crm_id"},
                "orders": {"path": ["https://shop.example.com/customer_no"]},
                "billing": {"path": "accounts.billing"},
                "support": {"path": "support_id"},
            }
        }
    )
    principal = build_principal(
        claims(
            crm_id="C-10001",
            accounts={"billing": "B-7"},
            support_id=True,
            **{"https://shop.example.com/customer_no": 700417},
        ),
        TOKEN,
        flat,
    )
    assert principal.links == {"crm": "C-10001", "orders": "700417", "billing": "B-7"}
    assert principal.link_problems == ("`support_id` is not an id (text or an integer)",)


def test_links_object_at_a_custom_path_with_flat_claims_beside_it() -> None:
    mixed = mapping(
        {
            "claims": {"links": ["https://portalgate.example.com/accounts"]},
            "links": {"crm": {"claim": "crm"}, "orders": {"path": "shop_no"}},
        }
    )
    principal = build_principal(
        claims(
            shop_no="700417",
            links={"crm": "not-this-one"},
            **{"https://portalgate.example.com/accounts": {"crm": "C-1", "orders": "x"}},
        ),
        TOKEN,
        mixed,
    )
    assert principal.links == {"crm": "C-1", "orders": "700417"}


@pytest.mark.parametrize(
    "extra",
    [
        {"realm_access": {"roles": "org_admin", "x": 1}, "groups": {"g": 1}},
        {"groups": ["support", 7]},
        {"org": {"name": "acme"}},
    ],
)
def test_mapped_claims_of_the_wrong_type_are_refused(extra: dict[str, Any]) -> None:
    strict = mapping(
        {
            "claims": {
                "roles": "realm_access.roles",
                "tenant": "org",
                "groups": "groups",
                "group_roles": {"support": "customer_service"},
            }
        }
    )
    with pytest.raises(InvalidToken) as caught:
        build_principal(claims(**extra), TOKEN, strict)
    assert caught.value.reason == "token is malformed"


def test_a_flat_link_inside_the_links_object_counts_as_read() -> None:
    nested = mapping({"links": {"crm": {"path": "links.crm.id"}}})
    principal = build_principal(claims(links={"crm": {"id": 10001}}), TOKEN, nested)
    assert (dict(principal.links), principal.link_problems) == ({"crm": "10001"}, ())
