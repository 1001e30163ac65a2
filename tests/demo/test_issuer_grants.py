"""DevIssuer token grants over real sockets: refresh rotation, client credentials, RFC 8693."""

from __future__ import annotations

from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from demo.data import DemoCustomer
from demo.issuer import DevIssuer
from tests.demo.oidc import (
    ACCESS_TOKEN_TYPE,
    CLIENT_ID,
    LoginAttempt,
    claims_of,
    exchange,
    now,
    redeem,
    sign_in,
    token_request,
)


async def signed_in(
    browser: aiohttp.ClientSession, issuer: DevIssuer, username: str = "cust-001"
) -> dict[str, Any]:
    attempt = LoginAttempt.new()
    code = await sign_in(browser, issuer, attempt, username, prompt="login")
    status, tokens = await redeem(browser, issuer, code, attempt)
    assert status == 200
    return tokens


async def refresh(
    session: aiohttp.ClientSession, issuer: DevIssuer, token: str, **extra: str
) -> tuple[int, dict[str, Any]]:
    form = {"grant_type": "refresh_token", "refresh_token": token, **extra}
    return await token_request(session, issuer, form)


async def test_refresh_rotates_and_reuse_revokes_the_family(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    tokens = await signed_in(browser, issuer)
    status, second = await refresh(browser, issuer, tokens["refresh_token"])
    assert status == 200
    assert second["refresh_token"] != tokens["refresh_token"]
    assert claims_of(issuer, second["access_token"])["sub"] == "cust-001"
    assert second["scope"] == "openid profile email"
    status, third = await refresh(browser, issuer, second["refresh_token"])
    assert status == 200

    # The spent first token comes back: someone copied it. The whole family goes.
    status, body = await refresh(browser, issuer, tokens["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")
    status, body = await refresh(browser, issuer, third["refresh_token"])
    assert (status, body["error"]) == (400, "invalid_grant")


async def test_other_sign_ins_keep_their_refresh_tokens_after_a_reuse(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    mine = await signed_in(browser, issuer)
    theirs = await signed_in(browser, issuer, "cust-002")
    await refresh(browser, issuer, mine["refresh_token"])
    await refresh(browser, issuer, mine["refresh_token"])  # reuse
    status, _ = await refresh(browser, issuer, theirs["refresh_token"])
    assert status == 200


async def test_refresh_may_narrow_the_scope_but_not_widen_it(
    browser: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    tokens = await signed_in(browser, issuer)
    status, narrowed = await refresh(browser, issuer, tokens["refresh_token"], scope="openid")
    assert status == 200
    assert claims_of(issuer, narrowed["access_token"])["scope"] == "openid"
    status, body = await refresh(browser, issuer, narrowed["refresh_token"], scope="openid admin")
    assert (status, body["error"]) == (400, "invalid_scope")


async def test_an_unknown_refresh_token_is_invalid_grant(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    status, body = await refresh(session, issuer, "no-such-token")
    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("params", "audience"),
    [
        ({"audience": "support-portal"}, "support-portal"),
        ({"resource": "orders-portal"}, "orders-portal"),
        ({}, "portalgate"),
    ],
)
async def test_client_credentials_for_an_audience(
    session: aiohttp.ClientSession, issuer: DevIssuer, params: dict[str, str], audience: str
) -> None:
    form = {"grant_type": "client_credentials", "scope": "tickets.read", **params}
    status, body = await token_request(session, issuer, form)
    assert status == 200
    assert (body["token_type"], body["expires_in"], body["scope"]) == (
        "Bearer",
        900,
        "tickets.read",
    )
    assert "refresh_token" not in body
    claims = claims_of(issuer, body["access_token"], audience=audience)
    assert (claims["sub"], claims["client_id"], claims["aud"]) == (CLIENT_ID, CLIENT_ID, audience)
    assert claims["scope"] == "tickets.read"


async def test_token_exchange_for_a_portal_audience_keeps_the_identity(
    session: aiohttp.ClientSession, issuer: DevIssuer, customers: list[DemoCustomer]
) -> None:
    subject_token = issuer.issue_token("cust-002")
    status, body = await exchange(session, issuer, subject_token, audience="orders-portal")
    assert status == 200
    assert body["issued_token_type"] == ACCESS_TOKEN_TYPE
    assert body["token_type"] == "Bearer"
    original = claims_of(issuer, subject_token)
    claims = claims_of(issuer, body["access_token"], audience="orders-portal")
    for name in ("sub", "links", "tenant", "roles", "name", "email", "scope"):
        assert claims[name] == original[name]
    assert claims["links"]["orders"] == customers[1].shop_no
    assert claims["client_id"] == CLIENT_ID
    assert claims["exp"] <= original["exp"]


async def test_an_exchanged_token_never_outlives_the_subject_token(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    subject_token = issuer.issue_token("cust-001", exp=now() + 30)
    status, body = await exchange(session, issuer, subject_token, audience="orders-portal")
    assert status == 200
    assert body["expires_in"] <= 30
    claims = claims_of(issuer, body["access_token"], audience="orders-portal")
    assert claims["exp"] <= now() + 30


async def test_customer_service_may_act_for_a_customer(
    session: aiohttp.ClientSession, issuer: DevIssuer, customers: list[DemoCustomer]
) -> None:
    employee_token = issuer.issue_token("emp-001")
    status, body = await exchange(session, issuer, employee_token, requested_subject="cust-003")
    assert status == 200
    claims = claims_of(issuer, body["access_token"])
    customer = customers[2]
    assert claims["sub"] == "cust-003"
    assert claims["aud"] == "portalgate"
    assert claims["links"]["billing"] == customer.billing_account
    assert claims["tenant"] == customer.tenant
    assert claims["roles"] == ["org_admin"]
    assert claims["act"] == {"sub": "emp-001", "roles": ["customer_service"]}

    # The impersonation token can itself go to a portal, `act` and all.
    status, body = await exchange(session, issuer, body["access_token"], audience="orders-portal")
    assert status == 200
    portal = claims_of(issuer, body["access_token"], audience="orders-portal")
    assert (portal["sub"], portal["act"]["sub"]) == ("cust-003", "emp-001")


@pytest.mark.parametrize("subject", ["emp-002", "cust-001", "cust-002"])
async def test_only_customer_service_may_act_for_a_customer(
    session: aiohttp.ClientSession, issuer: DevIssuer, subject: str
) -> None:
    status, body = await exchange(
        session, issuer, issuer.issue_token(subject), requested_subject="cust-004"
    )
    assert (status, body["error"]) == (403, "access_denied")


@pytest.mark.parametrize("requested", ["cust-999", "emp-002"])
async def test_acting_for_someone_who_is_not_a_customer_is_invalid(
    session: aiohttp.ClientSession, issuer: DevIssuer, requested: str
) -> None:
    status, body = await exchange(
        session, issuer, issuer.issue_token("emp-001"), requested_subject=requested
    )
    assert (status, body["error"]) == (400, "invalid_request")


def foreign_token(issuer: DevIssuer) -> str:
    """Right kid and claims, signed by a key the issuer never had."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(issuer.issue_token("emp-001"), options={"verify_signature": False})
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": issuer.kid})


@pytest.mark.parametrize(
    "make_token",
    [
        lambda issuer: issuer.issue_token("emp-001", aud="orders-portal"),
        lambda issuer: issuer.issue_token("emp-001", exp=1),
        lambda issuer: issuer.issue_token("emp-001", iss="http://127.0.0.1:1"),
        foreign_token,
        lambda issuer: "not-a-jwt",
    ],
    ids=["wrong-audience", "expired", "wrong-issuer", "foreign-signature", "garbage"],
)
async def test_an_unacceptable_subject_token_is_invalid_request(
    session: aiohttp.ClientSession, issuer: DevIssuer, make_token: Any
) -> None:
    status, body = await exchange(session, issuer, make_token(issuer), requested_subject="cust-001")
    assert (status, body["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    "params",
    [
        {"subject_token_type": "urn:ietf:params:oauth:token-type:id_token"},
        {"requested_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
        {"actor_token": "x"},
        {},  # neither audience nor requested_subject
    ],
)
async def test_malformed_token_exchanges_are_invalid_request(
    session: aiohttp.ClientSession, issuer: DevIssuer, params: dict[str, str]
) -> None:
    status, body = await exchange(session, issuer, issuer.issue_token("cust-001"), **params)
    assert (status, body["error"]) == (400, "invalid_request")


async def test_token_exchange_needs_client_authentication(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
        "subject_token": issuer.issue_token("emp-001"),
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "requested_subject": "cust-001",
    }
    status, body = await token_request(session, issuer, form, headers={})
    assert (status, body["error"]) == (401, "invalid_client")


async def test_repeated_parameters_are_refused(
    session: aiohttp.ClientSession, issuer: DevIssuer
) -> None:
    form = [("grant_type", "client_credentials"), ("audience", "a"), ("audience", "b")]
    async with session.post(
        f"{issuer.url}/token", data=form, headers={"Authorization": "Basic x"}
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["error"] == "invalid_request"
