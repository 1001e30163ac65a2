"""Outside development: no introspection unless configured, no "Did you mean ...?" in errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import get_introspection_query
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

GQL_RESPONSE = "application/graphql-response+json"
SCHEMA_ROOT = "{ __schema { queryType { name } } }"
MISSPELT_FIELD = "{ viewer { profil { lastName } } }"


async def post(gateway: Gateway, query: str, variables: dict[str, Any] | None = None) -> Any:
    return await gateway.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**gateway.auth(), "Accept": GQL_RESPONSE},
    )


@pytest.fixture
async def development(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Gateway]:
    async with open_gateway(stack, tracer_provider, development=True) as gateway:
        yield gateway


async def test_introspection_is_refused_outside_development(gateway: Gateway) -> None:
    for query in (SCHEMA_ROOT, '{ __type(name: "Viewer") { name } }', get_introspection_query()):
        response = await post(gateway, query)
        assert response.status_code == 400, response.text
        body = response.json()
        assert "data" not in body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"INTROSPECTION_DISABLED"}

    typename = await post(gateway, "{ __typename viewer { __typename } }")
    assert typename.status_code == 200
    assert typename.json()["data"] == {"__typename": "Query", "viewer": {"__typename": "Viewer"}}


async def test_introspection_follows_development_unless_configured(
    stack: DemoStack, tracer_provider: TracerProvider, development: Gateway
) -> None:
    response = await post(development, get_introspection_query())
    assert response.status_code == 200, response.text
    assert response.json()["data"]["__schema"]["types"]
    field = (await post(development, MISSPELT_FIELD)).json()["errors"][0]
    assert "Did you mean 'profile'?" in field["message"]

    async with open_gateway(stack, tracer_provider, introspection=True) as gateway:
        response = await post(gateway, get_introspection_query())
        assert response.status_code == 200, response.text
        assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    async with open_gateway(stack, tracer_provider, development=True, introspection=False) as dev:
        refused = await post(dev, SCHEMA_ROOT)
        assert refused.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"


async def test_errors_carry_no_suggestions_outside_development(gateway: Gateway) -> None:
    field = await post(gateway, MISSPELT_FIELD)
    assert field.status_code == 400
    error = field.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "profil" in error["message"]
    assert "Did you mean" not in error["message"]
    assert "profile" not in error["message"]

    literal = await post(gateway, "{ viewer { invoices(status: [PAIDD]) { id } } }")
    assert literal.status_code == 400
    message = literal.json()["errors"][0]["message"]
    assert "PAIDD" in message
    assert "Did you mean" not in message
    assert "UNPAID" not in message
