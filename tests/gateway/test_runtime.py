"""open_runtime: configuration that cannot work fails at start-up, naming file and key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from opentelemetry.sdk.trace import TracerProvider

from config.errors import ConfigError
from config.settings import Settings
from demo.data import demo_customers
from demo.issuer import DevIssuer
from gateway.runtime import open_runtime

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml"
ENV = {
    "CRM_URL": "http://127.0.0.1:9",
    "ORDERS_URL": "http://127.0.0.1:9",
    "BILLING_URL": "http://127.0.0.1:9",
    "SUPPORT_URL": "http://127.0.0.1:9",
    "CRM_API_KEY": "crm-key-value-1",
    "ORDERS_TOKEN": "orders-token-value-2",
    "BILLING_USER": "billing-user-value-3",
    "BILLING_PASSWORD": "p",
    "SUPPORT_API_KEY": "support-key-value-4",
}


@pytest.fixture
async def issuer() -> AsyncIterator[DevIssuer]:
    async with DevIssuer(demo_customers(3)) as running:
        yield running


def settings_for(issuer: DevIssuer, registry: Path) -> Settings:
    return Settings(
        registry_path=registry,
        issuer=issuer.url,
        client_id=issuer.client_id,
        client_secret=issuer.client_secret,
    )


async def test_a_kind_that_cannot_serve_an_owned_capability_fails_start(
    tmp_path: Path, tracer_provider: TracerProvider, issuer: DevIssuer
) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["connectors"]["support"]["owns"].append("order_items")
    data["connectors"]["orders"]["owns"].remove("order_items")
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data))

    with pytest.raises(ConfigError) as caught:
        async with open_runtime(settings_for(issuer, path), tracer_provider, ENV):
            pass

    assert caught.value.file == str(path)
    assert caught.value.key == "connectors.support.owns[3]"
    assert "cannot serve 'order_items'" in caught.value.problem


async def test_a_missing_secret_fails_start_without_showing_any_value(
    tracer_provider: TracerProvider, issuer: DevIssuer
) -> None:
    env = {k: v for k, v in ENV.items() if k != "BILLING_PASSWORD"}

    with pytest.raises(ConfigError) as caught:
        async with open_runtime(settings_for(issuer, EXAMPLE), tracer_provider, env):
            pass

    assert caught.value.key == "connectors.billing.auth.password"
    assert "BILLING_PASSWORD" in caught.value.problem
    assert not any(value in str(caught.value) for value in env.values())


async def test_missing_issuer_fails_start(tracer_provider: TracerProvider) -> None:
    with pytest.raises(ConfigError) as caught:
        async with open_runtime(Settings(registry_path=EXAMPLE), tracer_provider, ENV):
            pass
    assert caught.value.key == "PORTALGATE_ISSUER"


async def test_oauth_upstream_schemes_need_the_gateways_client(
    tracer_provider: TracerProvider, issuer: DevIssuer
) -> None:
    with pytest.raises(ConfigError) as caught:
        async with open_runtime(
            Settings(registry_path=EXAMPLE, issuer=issuer.url), tracer_provider, ENV
        ):
            pass
    assert caught.value.key == "connectors.orders.auth.scheme"
    assert "PORTALGATE_CLIENT_ID" in caught.value.problem
