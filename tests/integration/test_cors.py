"""CORS admits credentialed requests only from the UI origins named in the settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

UI = "http://127.0.0.1:5173"


@pytest.fixture
async def with_ui(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Gateway]:
    async with open_gateway(stack, tracer_provider, ui_origins=(UI,)) as gateway:
        yield gateway


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-csrf-token",
    }


async def test_the_ui_origin_may_send_credentials(with_ui: Gateway) -> None:
    response = await with_ui.client.options("/graphql", headers=preflight(UI))

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == UI
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "x-csrf-token" in response.headers["access-control-allow-headers"].lower()


async def test_another_origin_is_not_admitted(with_ui: Gateway) -> None:
    response = await with_ui.client.options("/graphql", headers=preflight("https://evil.example"))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers

    simple = await with_ui.client.post(
        "/graphql",
        json={"query": "{ viewer { tickets { number } } }"},
        headers={**with_ui.auth(), "Origin": "https://evil.example"},
    )
    assert "access-control-allow-origin" not in simple.headers


async def test_without_ui_origins_there_is_no_cors_at_all(gateway: Gateway) -> None:
    response = await gateway.client.options("/graphql", headers=preflight(UI))
    assert "access-control-allow-origin" not in response.headers
