"""Every kind of bad token, sent over HTTP: a 401 with JSON and a challenge, never a 500,
never the token echoed; and no secret or token ever reaches the logs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.integration.conftest import Gateway

QUERY = {"query": "{ viewer { profile { lastName } } }"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _part(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value).encode())


def _claims(gateway: Gateway, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": gateway.stack.issuer.url,
        "aud": "portalgate",
        "sub": "cust-001",
        "iat": now,
        "exp": now + 300,
    }
    return {**base, **extra}


def _bad_tokens(gateway: Gateway) -> dict[str, str]:
    issuer = gateway.stack.issuer
    good = gateway.token("cust-001")
    header, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    public_jwk = issuer.jwks()["keys"][0]
    public_pem = jwt.PyJWK(public_jwk).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    hs_header = _part({"alg": "HS256", "typ": "at+jwt", "kid": public_jwk["kid"]})
    hs_body = _part(_claims(gateway))
    hs_signature = hmac.new(public_pem, f"{hs_header}.{hs_body}".encode(), hashlib.sha256)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {
        "alg-none": f"{_part({'alg': 'none', 'typ': 'at+jwt'})}.{_part(_claims(gateway))}.",
        "hs256-with-public-key": f"{hs_header}.{hs_body}.{_b64(hs_signature.digest())}",
        "unknown-kid": jwt.encode(
            _claims(gateway),
            stranger,
            algorithm="RS256",
            headers={"kid": "not-published", "typ": "at+jwt"},
        ),
        "tampered": f"{header}.{_part({**claims, 'sub': 'cust-004'})}.{signature}",
        "expired": gateway.token("cust-001", exp=int(time.time()) - 3600),
        "not-yet-valid": gateway.token("cust-001", nbf=int(time.time()) + 3600),
        "wrong-issuer": gateway.token("cust-001", iss="https://idp.evil.example"),
        "wrong-audience": gateway.token("cust-001", aud="another-api"),
        "no-exp": gateway.token("cust-001", exp=None),
        "garbage": "not-a-token",
        "three-dots": "a.b.c",
        "huge": "x" * 20_000,
    }


CASES = [
    "alg-none",
    "hs256-with-public-key",
    "unknown-kid",
    "tampered",
    "expired",
    "not-yet-valid",
    "wrong-issuer",
    "wrong-audience",
    "no-exp",
    "garbage",
    "three-dots",
    "huge",
]


@pytest.mark.parametrize("case", CASES)
async def test_bad_tokens_are_401_with_a_challenge_and_nothing_echoed(
    gateway: Gateway, case: str
) -> None:
    token = _bad_tokens(gateway)[case]

    response = await gateway.client.post(
        "/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="portalgate", error="invalid_token"')
    for part in token.split("."):
        if len(part) > 8:
            assert part not in response.text
            assert part not in challenge


async def test_no_secret_or_token_reaches_the_logs(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = gateway.token("cust-001")
    gateway.stack.billing.knobs.fail_status = 500  # an upstream failure gets logged

    await gateway.query("{ viewer { profile { lastName } invoices { number } } }")
    await gateway.client.post("/graphql", json=QUERY, headers={"Authorization": "Bearer x.y.z"})
    await gateway.query('mutation { openTicket(input: {subject: "", message: "x"}) { number } }')

    logged = caplog.text
    assert "connector=billing" in logged  # the logs do say what failed
    secrets = [
        token,
        *token.split("."),
        gateway.stack.env["PORTALGATE_CLIENT_SECRET"],
        gateway.stack.env["CRM_API_KEY"],
        gateway.stack.env["BILLING_PASSWORD"],
        gateway.stack.env["SUPPORT_API_KEY"],
        gateway.stack.env["ORDERS_TOKEN"],
    ]
    assert [s for s in secrets if s in logged] == []
