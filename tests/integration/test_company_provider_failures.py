"""Issue 8's failures that no other test shows over HTTP with the independent provider
(panva's oidc-provider): each gives the customer a true message and the gateway a log line
with the provider's own reason. The others are listed in the capstone's report and tested
in test_login_settings.py, test_client_authentication.py, test_claim_mapping.py and
test_backchannel_logout*.py.

    private_key_jwt with a key the provider knows ─▶ login, session, GraphQL
    private_key_jwt with a key it does not know   ─▶ callback 400 "(invalid_client)" + log
    client_credentials target written as a name,  ─▶ the provider's invalid_target, told as
    sent as `resource`                               such to the customer, its reason logged
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from opentelemetry.sdk.trace import TracerProvider
from pydantic import SecretStr

from demo.stack import DemoStack
from sso.client_key import jwk_thumbprint
from tests.integration.browser_client import PUBLIC, Browser
from tests.integration.conftest import open_gateway
from tests.integration.test_client_authentication import pem
from tests.integration.test_login_settings import CALLBACK, logged, open_callback, walk_to_callback
from tests.sso.independent_provider import (
    RESOURCE,
    OidcProvider,
    code_flow,
    install_provider,
    node_tools,
    run_provider,
)
from tests.sso.loopback_idp import public_jwk

RegistryVariant = Callable[[Callable[[dict[str, Any]], None]], Path]


@pytest.fixture(scope="module")
def client_key() -> ec.EllipticCurvePrivateKey:
    """The key the company registered for the gateway's private_key_jwt client."""
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def provider(stack: DemoStack, client_key: ec.EllipticCurvePrivateKey) -> Iterator[OidcProvider]:
    """JWT access tokens only for the API's resource; the customer's support id in `links`."""
    node, npm = node_tools()
    install_provider(npm)
    customer = next(c for c in stack.customers if c.subject == "cust-001")
    options = {
        "OIDC_REDIRECT_URIS": CALLBACK,
        "OIDC_DEFAULT_RESOURCE": "",
        "OIDC_USER_TOKEN_CLAIMS": json.dumps({"links": {"support": customer.support_party}}),
    }
    jwks = {"keys": [public_jwk(client_key, jwk_thumbprint(client_key))]}
    secret = base64.urlsafe_b64encode(os.urandom(24)).decode()
    with run_provider(node, secret=secret, options=options, jwt_client_jwks=json.dumps(jwks)) as op:
        yield op


def _signing_with(op: OidcProvider, key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    """Settings of the gateway as the provider's private_key_jwt client, signing with `key`."""
    return {
        "issuer": op.issuer,
        "audience": RESOURCE,
        "login_resource": (RESOURCE,),
        "public_url": PUBLIC,
        "client_id": f"{op.client_id}-jwt",
        "client_secret": None,
        "token_endpoint_auth_method": "private_key_jwt",
        "client_private_key": SecretStr(pem(key)),
    }


async def test_a_private_key_jwt_client_signs_in_at_the_provider(
    provider: OidcProvider,
    client_key: ec.EllipticCurvePrivateKey,
    stack: DemoStack,
    tracer_provider: TracerProvider,
) -> None:
    async with open_gateway(stack, tracer_provider, **_signing_with(provider, client_key)) as gw:
        browser = Browser(gw, httpx.AsyncClient())
        _, location = await walk_to_callback(browser, provider)
        landed = await browser.open_callback(location)
        graphql = await gw.client.post(
            "/graphql",
            json={"query": "{ viewer { __typename } }"},
            headers=browser.headers(**{"X-CSRF-Token": browser.csrf}),
        )

    assert landed.status_code == 302, landed.text
    assert graphql.status_code == 200, graphql.text


async def test_a_key_the_provider_does_not_know_is_its_invalid_client_with_a_log_line(
    provider: OidcProvider,
    stack: DemoStack,
    tracer_provider: TracerProvider,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    unknown = ec.generate_private_key(ec.SECP256R1())
    async with open_gateway(stack, tracer_provider, **_signing_with(provider, unknown)) as gw:
        browser = Browser(gw, httpx.AsyncClient())
        _, location = await walk_to_callback(browser, provider)
        refused = await open_callback(browser, location)

    assert refused.status_code == 400, refused.text
    message = refused.json()["errors"][0]["message"]
    assert "the identity provider did not accept the login (invalid_client)" in message
    assert not browser.session_cookie
    (line,) = logged(caplog, "login refused: the identity provider's token endpoint answered")
    assert "invalid_client (HTTP 401): " in line
    assert "no error_description" not in line  # the provider's own reason is in the line


async def test_a_portal_target_written_as_a_name_is_refused_and_told_as_such(
    provider: OidcProvider,
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: RegistryVariant,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)

    def name_as_resource(registry: dict[str, Any]) -> None:
        registry["connectors"]["support"]["auth"]["target_parameter"] = "resource"

    customer_token = (await code_flow(provider))["access_token"]
    async with open_gateway(
        stack,
        tracer_provider,
        registry_path=registry_variant(name_as_resource),
        issuer=provider.issuer,
        audience=RESOURCE,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
    ) as gateway:
        answer = await gateway.client.post(
            "/graphql",
            json={"query": "{ viewer { tickets { number } } }"},
            headers={"Authorization": f"Bearer {customer_token}"},
        )

    assert answer.status_code == 200, answer.text
    (error,) = answer.json()["errors"]
    assert error["extensions"] == {"code": "UPSTREAM_REJECTED", "connector": "support"}
    assert error["message"] == (
        "support: the identity provider refused to issue a token for support: invalid_target"
    )
    (line,) = logged(caplog, "connector support: the identity provider refused its client_cred")
    assert "invalid_target (HTTP 400)" in line
