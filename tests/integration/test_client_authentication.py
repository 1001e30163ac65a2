"""The gateway authenticates its OAuth client the configured way on every call to the dev
issuer's token endpoint: browser login, refresh, client credentials (support) and token
exchange (orders, and `X-Act-As`), with client_secret_basic, client_secret_post and
private_key_jwt."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from opentelemetry.sdk.trace import TracerProvider
from pydantic import SecretStr

from config.errors import ConfigError
from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, Browser
from tests.integration.conftest import open_gateway

DASHBOARD = "{ viewer { profile { lastName } orders(first: 3) { totalCount } tickets { number } } }"
METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def method_settings(method: str, stack: DemoStack) -> dict[str, Any]:
    """Settings for `method`; a private_key_jwt client gets a fresh key the issuer knows."""
    if method != "private_key_jwt":
        return {"token_endpoint_auth_method": method}
    key = ec.generate_private_key(ec.SECP256R1())
    stack.issuer.register_client_key(key.public_key())
    return {
        "token_endpoint_auth_method": method,
        "client_secret": None,  # the key alone must be enough
        "client_private_key": SecretStr(pem(key)),
    }


@pytest.fixture
async def issuer_browser(stack: DemoStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.issuer.url) as client:
        yield client


@pytest.mark.parametrize("method", METHODS)
async def test_every_token_request_uses_the_configured_method(
    method: str,
    stack: DemoStack,
    tracer_provider: TracerProvider,
    issuer_browser: httpx.AsyncClient,
) -> None:
    # A refresh margin longer than the token's life makes every request refresh it.
    async with open_gateway(
        stack,
        tracer_provider,
        public_url=PUBLIC,
        session_refresh_margin_s=10_000,
        **method_settings(method, stack),
    ) as gateway:
        browser = Browser(gateway, issuer_browser)
        assert (await browser.sign_in()).status_code == 302  # login: authorization_code
        for _ in range(2):  # each one refreshes, then exchanges the new token for orders
            response = await gateway.client.get(
                "/graphql",
                params={"query": DASHBOARD},
                headers=browser.headers(**{"X-CSRF-Token": browser.csrf}),
            )
            body = response.json()
            assert response.status_code == 200, body
            assert "errors" not in body, body
            viewer = body["data"]["viewer"]
            assert viewer["profile"]["lastName"] and viewer["tickets"] is not None
            assert viewer["orders"]["totalCount"] is not None
        acting = await gateway.client.post(  # an employee's token exchanged for a customer's
            "/graphql",
            json={"query": "{ viewer { profile { lastName } } }"},
            headers={**gateway.auth("emp-001"), "X-Act-As": "cust-003"},
        )
        assert acting.json()["data"]["viewer"]["profile"]["lastName"], acting.text

    # login 1, a refresh per cookie request (3 with /auth/session), an exchange per new
    # user token (2), client credentials 1, the employee's exchange 1: all with one method
    assert list(stack.issuer.client_auth_methods) == [method]
    assert stack.issuer.client_auth_methods[method] >= 7


async def test_private_key_jwt_without_a_key_fails_at_start_up_naming_the_setting(
    stack: DemoStack, tracer_provider: TracerProvider, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as caught:
        async with open_gateway(
            stack,
            tracer_provider,
            token_endpoint_auth_method="private_key_jwt",
            client_private_key_file=tmp_path / "missing.pem",
        ):
            pass
    assert caught.value.key == "PORTALGATE_CLIENT_PRIVATE_KEY_FILE"
    assert "missing.pem" in caught.value.problem


async def test_an_unregistered_key_is_refused_by_the_issuer_with_its_reason(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    unknown = ec.generate_private_key(ec.SECP256R1())
    async with open_gateway(
        stack,
        tracer_provider,
        token_endpoint_auth_method="private_key_jwt",
        client_private_key=SecretStr(pem(unknown)),
    ) as gateway:
        body = await gateway.query("{ viewer { tickets { number } } }")

    assert body["errors"][0]["extensions"] == {"code": "UPSTREAM_REJECTED", "connector": "support"}
    assert stack.issuer.client_auth_methods == {}


async def test_start_up_logs_a_warning_for_a_plain_name_audience(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    def plain_name(data: dict[str, Any]) -> None:
        del data["connectors"]["support"]["auth"]["target_parameter"]

    with caplog.at_level(logging.WARNING, logger="gateway.runtime"):
        async with open_gateway(stack, tracer_provider, registry_path=registry_variant(plain_name)):
            pass

    warnings = [r.getMessage() for r in caplog.records if r.name == "gateway.runtime"]
    assert len(warnings) == 1
    assert "connectors.support.auth.audience: 'support-portal' is not a URI" in warnings[0]
