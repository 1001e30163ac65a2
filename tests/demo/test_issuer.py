"""DevIssuer over real sockets: discovery, JWKS, tokens verified with pyjwt, key rotation."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import httpx
import jwt
import pytest

from demo.data import DemoCustomer
from demo.issuer import DevIssuer


async def get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as resp:
        assert resp.status == 200
        return await resp.json()


async def verify(session: aiohttp.ClientSession, issuer: DevIssuer, token: str) -> dict[str, Any]:
    discovery = await get_json(session, f"{issuer.url}/.well-known/openid-configuration")
    keys = jwt.PyJWKSet.from_dict(await get_json(session, discovery["jwks_uri"]))
    key = keys[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], audience="portalgate", issuer=discovery["issuer"]
    )
    return claims


async def test_discovery_points_at_its_own_endpoints(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    document = await get_json(session, f"{issuer.url}/.well-known/openid-configuration")
    assert document["issuer"] == issuer.url == issuer.issuer
    assert document["jwks_uri"] == f"{issuer.url}/jwks.json"
    assert document["token_endpoint"] == f"{issuer.url}/token"
    assert document["authorization_endpoint"] == f"{issuer.url}/authorize"
    assert document["end_session_endpoint"] == f"{issuer.url}/logout"
    assert document["id_token_signing_alg_values_supported"] == ["RS256", "ES256"]
    assert document["grant_types_supported"] == [
        "authorization_code",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "password",
    ]
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]
    assert document["token_endpoint_auth_signing_alg_values_supported"] == [
        "RS256",
        "PS256",
        "ES256",
    ]
    assert {"openid", "profile", "email"} <= set(document["scopes_supported"])


async def test_jwks_publishes_the_public_key(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    jwks = await get_json(session, f"{issuer.url}/jwks.json")
    [key] = jwks["keys"]
    assert key["kid"] == issuer.kid
    assert (key["kty"], key["use"], key["alg"]) == ("RSA", "sig", "RS256")
    assert set(key) == {"kty", "kid", "use", "alg", "n", "e"}


async def test_password_grant_token_verifies_against_the_jwks(
    session: aiohttp.ClientSession, issuer: DevIssuer, customers: list[DemoCustomer]
) -> None:
    form = {"grant_type": "password", "username": "cust-001", "password": "demo"}
    async with session.post(f"{issuer.url}/token", data=form) as resp:
        assert resp.status == 200
        assert resp.headers["Cache-Control"] == "no-store"
        body = await resp.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    claims = await verify(session, issuer, body["access_token"])
    customer = customers[0]
    assert claims["sub"] == "cust-001"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["scope"] == "openid profile"
    assert claims["email"] == customer.email
    assert claims["roles"] == ["customer"]
    assert "tenant" not in claims
    assert claims["links"] == {
        "crm": customer.crm_id,
        "orders": customer.shop_no,
        "billing": customer.billing_account,
        "support": customer.support_party,
    }


async def test_token_endpoint_works_for_httpx(issuer: DevIssuer) -> None:
    form = {"grant_type": "password", "username": "cust-002", "password": "demo"}
    async with httpx.AsyncClient() as client:
        resp = await client.post(f"{issuer.url}/token", data=form)
    assert resp.status_code == 200
    claims = jwt.decode(resp.json()["access_token"], options={"verify_signature": False})
    assert (claims["tenant"], claims["roles"]) == ("org-acme", ["org_admin"])


async def test_pyjwt_jwks_client_can_fetch_the_keys(issuer: DevIssuer) -> None:
    token = issuer.issue_token("cust-017")
    # PyJWKClient uses blocking urllib, so it runs in a thread while the loop serves it.
    client = jwt.PyJWKClient(f"{issuer.url}/jwks.json")
    key = await asyncio.to_thread(client.get_signing_key_from_jwt, token)
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="portalgate")
    assert (claims["tenant"], claims["roles"]) == ("org-acme", ["org_member"])


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password", "username": "cust-001", "password": "wrong"}, "invalid_grant"),
        ({"grant_type": "password", "username": "cust-999", "password": "demo"}, "invalid_grant"),
        ({"grant_type": "implicit"}, "unsupported_grant_type"),
        ({"username": "cust-001", "password": "demo"}, "invalid_request"),
    ],
)
async def test_bad_token_requests_are_400(
    session: aiohttp.ClientSession, issuer: DevIssuer, form: dict[str, str], error: str
) -> None:
    async with session.post(f"{issuer.url}/token", data=form) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == error


async def test_dev_token_needs_no_password(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    body = await get_json(session, f"{issuer.url}/dev/token?customer=cust-003")
    assert (await verify(session, issuer, body["access_token"]))["sub"] == "cust-003"
    async with session.get(f"{issuer.url}/dev/token?customer=cust-999") as resp:
        assert resp.status == 404
        assert "error" in await resp.json()
    body = await get_json(session, f"{issuer.url}/dev/token?employee=emp-001")
    claims = await verify(session, issuer, body["access_token"])
    assert (claims["sub"], claims["roles"]) == ("emp-001", ["customer_service"])
    for query in ("", "?employee=emp-999", "?customer=cust-001&employee=emp-001"):
        async with session.get(f"{issuer.url}/dev/token{query}") as resp:
            assert resp.status in {400, 404}
    assert issuer.requests["dev_token"] == 6


async def test_employees_get_their_roles_and_no_links(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    claims = await verify(session, issuer, issuer.issue_token("emp-002"))
    assert claims["sub"] == "emp-002"
    assert claims["roles"] == ["marketing"]
    assert claims["name"] and claims["email"].endswith("@staff.example.com")
    assert "links" not in claims and "tenant" not in claims
    form = {"grant_type": "password", "username": "emp-001", "password": "demo"}
    async with session.post(f"{issuer.url}/token", data=form) as resp:
        assert resp.status == 200
        token = (await resp.json())["access_token"]
    assert (await verify(session, issuer, token))["roles"] == ["customer_service"]


async def test_rotate_key_keeps_old_tokens_valid(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    old_kid = issuer.kid
    old_token = issuer.issue_token("cust-001")
    new_kid = issuer.rotate_key()
    new_token = issuer.issue_token("cust-001")
    assert new_kid != old_kid
    assert issuer.kid == new_kid
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    jwks = await get_json(session, f"{issuer.url}/jwks.json")
    assert [k["kid"] for k in jwks["keys"]] == [old_kid, new_kid]
    assert (await verify(session, issuer, old_token))["sub"] == "cust-001"
    assert (await verify(session, issuer, new_token))["sub"] == "cust-001"


async def test_overrides_replace_add_and_remove_claims(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    token = issuer.issue_token("cust-001", roles=["agent"], act={"sub": "emp-7"}, email=None)
    claims = await verify(session, issuer, token)
    assert claims["roles"] == ["agent"]
    assert claims["act"] == {"sub": "emp-7"}
    assert "email" not in claims
    expired = issuer.issue_token("cust-001", exp=1)
    with pytest.raises(jwt.ExpiredSignatureError):
        await verify(session, issuer, expired)


async def test_issue_token_rejects_unknown_subjects_and_needs_a_start(
    customers: list[DemoCustomer], issuer: DevIssuer
) -> None:
    with pytest.raises(KeyError):
        issuer.issue_token("cust-999")
    with pytest.raises(RuntimeError):
        DevIssuer(customers).issue_token("cust-001")


async def test_logout_redirects_to_loopback_only(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    async with session.get(f"{issuer.url}/logout") as resp:
        assert resp.status == 200
    back = "http://127.0.0.1:9/signed-out"
    url = f"{issuer.url}/logout"
    params = {"post_logout_redirect_uri": back}
    async with session.get(url, params=params, allow_redirects=False) as resp:
        assert (resp.status, resp.headers["Location"]) == (302, back)
    params = {"post_logout_redirect_uri": "https://evil.example/"}
    async with session.get(url, params=params, allow_redirects=False) as resp:
        assert resp.status == 400
    assert issuer.requests["end_session"] == 3
