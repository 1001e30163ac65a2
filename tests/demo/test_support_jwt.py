"""SupportPortal with client-credentials JWTs over real sockets, alone or beside the API key."""

from __future__ import annotations

import aiohttp
import defusedxml.ElementTree as SafeET
import pytest

from demo.data import DemoCustomer, DemoDataset
from demo.issuer import DevIssuer
from demo.portals.support import SupportPortal
from tests.demo.harness import SUPPORT_KEY, soap_envelope, soap_headers
from tests.demo.oidc import token_request

ACTION = "GetTickets"


def body_for(customer: DemoCustomer) -> str:
    return soap_envelope(f"<GetTickets><PartyId>{customer.support_party}</PartyId></GetTickets>")


def bearer_headers(token: str) -> dict[str, str]:
    headers = soap_headers(ACTION)
    del headers["X-Support-Key"]
    return {**headers, "Authorization": f"Bearer {token}"}


async def call(
    session: aiohttp.ClientSession,
    portal: SupportPortal,
    customer: DemoCustomer,
    headers: dict[str, str],
) -> tuple[int, str | None]:
    async with session.post(f"{portal.url}/soap", data=body_for(customer), headers=headers) as r:
        envelope = SafeET.fromstring(await r.read())
    return r.status, envelope.findtext("Body/Fault/faultstring")


async def client_token(session: aiohttp.ClientSession, issuer: DevIssuer, audience: str) -> str:
    form = {"grant_type": "client_credentials", "audience": audience}
    status, body = await token_request(session, issuer, form)
    assert status == 200
    token: str = body["access_token"]
    return token


async def test_a_client_credentials_token_for_the_desk_is_accepted(
    session: aiohttp.ClientSession,
    support_jwt: SupportPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    token = await client_token(session, issuer, "support-portal")
    assert await call(session, support_jwt, customers[0], bearer_headers(token)) == (200, None)
    assert support_jwt.requests["soap.GetTickets"] == 1


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "portalgate", "client_id": "portalgate"},
        {"aud": "support-portal", "client_id": "someone-else"},
        {"aud": "support-portal"},  # a user's token: no client_id
        {"aud": "support-portal", "client_id": "portalgate", "exp": 1},
    ],
    ids=["wrong-audience", "other-client", "no-client", "expired"],
)
async def test_other_tokens_are_a_401_fault(
    session: aiohttp.ClientSession,
    support_jwt: SupportPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
    claims: dict[str, str | int],
) -> None:
    token = issuer.issue_token("cust-001", **claims)
    status, fault = await call(session, support_jwt, customers[0], bearer_headers(token))
    assert (status, fault) == (401, "invalid token")


async def test_a_jwt_only_desk_refuses_the_api_key(
    session: aiohttp.ClientSession, support_jwt: SupportPortal, customers: list[DemoCustomer]
) -> None:
    status, fault = await call(session, support_jwt, customers[0], soap_headers(ACTION))
    assert (status, fault) == (401, "missing token")


async def test_with_both_configured_either_credential_works(
    session: aiohttp.ClientSession,
    dataset: DemoDataset,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    async with SupportPortal(dataset, api_key=SUPPORT_KEY, jwt_issuer=issuer.url) as portal:
        token = await client_token(session, issuer, "support-portal")
        assert (await call(session, portal, customers[0], bearer_headers(token)))[0] == 200
        assert (await call(session, portal, customers[0], soap_headers(ACTION)))[0] == 200
        wrong = soap_headers(ACTION, key="wrong")
        assert await call(session, portal, customers[0], wrong) == (401, "invalid api key")
    with pytest.raises(ValueError, match="api_key"):
        SupportPortal(dataset)


async def test_a_key_set_with_rsa_and_ec_keys_accepts_tokens_signed_with_either(
    session: aiohttp.ClientSession,
    support_jwt: SupportPortal,
    issuer: DevIssuer,
    customers: list[DemoCustomer],
) -> None:
    signed_rsa = await client_token(session, issuer, "support-portal")
    issuer.rotate_key("ES256")  # the key set now holds an RSA and an EC key
    signed_ec = await client_token(session, issuer, "support-portal")

    for token in (signed_rsa, signed_ec):
        status, fault = await call(session, support_jwt, customers[0], bearer_headers(token))
        assert (status, fault) == (200, None)
