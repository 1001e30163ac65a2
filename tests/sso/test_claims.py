"""build_principal: verified claims in, a typed Principal out, wrong types refused."""

from __future__ import annotations

from typing import Any

import pytest

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


def test_links_keep_only_string_values() -> None:
    principal = build_principal(
        claims(links={"crm": "C-1", "orders": 42, "billing": None, "docs": ["D-1"], "x": ""}),
        TOKEN,
    )
    assert principal.links == {"crm": "C-1"}


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
