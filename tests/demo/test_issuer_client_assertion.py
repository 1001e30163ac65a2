"""DevIssuer's private_key_jwt over real sockets: a registered key signs, a jti is spent
once, and anything else is invalid_client."""

from __future__ import annotations

import time
import uuid
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from demo.issuer import DevIssuer
from tests.demo.oidc import CLIENT_ID, claims_of, token_request

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def client_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def assertion(
    issuer: DevIssuer, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, **changes: Any
) -> str:
    now = int(time.time())
    claims = {
        "iss": CLIENT_ID,
        "sub": CLIENT_ID,
        "aud": f"{issuer.url}/token",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 60,
    } | changes
    algorithm = changes.pop("alg", "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256")
    claims.pop("alg", None)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, key, algorithm=algorithm)


async def with_assertion(
    session: aiohttp.ClientSession, issuer: DevIssuer, signed: str
) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": "client_credentials",
        "audience": "support-portal",
        "client_id": CLIENT_ID,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": signed,
    }
    return await token_request(session, issuer, form, headers={})


async def test_a_registered_key_authenticates_and_each_assertion_works_once(
    session: aiohttp.ClientSession, issuer: DevIssuer, client_key: rsa.RSAPrivateKey
) -> None:
    issuer.register_client_key(client_key.public_key())
    signed = assertion(issuer, client_key)

    status, body = await with_assertion(session, issuer, signed)
    assert status == 200, body
    assert claims_of(issuer, body["access_token"], "support-portal")["sub"] == CLIENT_ID

    status, body = await with_assertion(session, issuer, signed)  # replayed
    assert (status, body["error"]) == (401, "invalid_client")
    assert body["error_description"] == "client_assertion was already used"
    assert issuer.client_auth_methods == {"private_key_jwt": 1}


@pytest.mark.parametrize("alg", ["PS256", "RS256"])
async def test_the_issuer_may_be_the_audience_and_ps256_is_accepted(
    session: aiohttp.ClientSession, issuer: DevIssuer, client_key: rsa.RSAPrivateKey, alg: str
) -> None:
    issuer.register_client_key(client_key.public_key())

    status, body = await with_assertion(
        session, issuer, assertion(issuer, client_key, aud=issuer.url, alg=alg)
    )

    assert status == 200, body


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "https://elsewhere.example/token"}, "client_assertion refused"),
        ({"sub": "someone-else"}, "sub must be the client id"),
        ({"iss": "someone-else"}, "client_assertion refused"),
        ({"jti": None}, "client_assertion refused"),
        ({"exp": int(time.time()) + 3600}, "must expire within"),
        ({"exp": int(time.time()) - 600}, "client_assertion refused"),
    ],
)
async def test_a_wrong_assertion_is_invalid_client(
    session: aiohttp.ClientSession,
    issuer: DevIssuer,
    client_key: rsa.RSAPrivateKey,
    changes: dict[str, Any],
    reason: str,
) -> None:
    issuer.register_client_key(client_key.public_key())

    status, body = await with_assertion(session, issuer, assertion(issuer, client_key, **changes))

    assert (status, body["error"]) == (401, "invalid_client")
    assert reason in body["error_description"]


async def test_an_unregistered_key_or_a_second_method_is_refused(
    session: aiohttp.ClientSession, issuer: DevIssuer, client_key: rsa.RSAPrivateKey
) -> None:
    status, body = await with_assertion(session, issuer, assertion(issuer, client_key))
    assert (status, body["error_description"]) == (
        401,
        "no key is registered for private_key_jwt",
    )

    issuer.register_client_key(client_key.public_key())
    other = ec.generate_private_key(ec.SECP256R1())
    status, body = await with_assertion(session, issuer, assertion(issuer, other))
    assert (status, body["error_description"]) == (
        401,
        "client_assertion is not signed by a registered key",
    )

    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": issuer.client_secret,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion(issuer, client_key),
    }
    status, body = await token_request(session, issuer, form, headers={})
    assert (status, body["error"]) == (400, "invalid_request")
