"""`node(id:)` feeding a single-object path template (`/shop/orders/{id}`) through the
gateway: an id that could change the path is not found, and the shop gets no request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from schema.ids import encode_global_id
from tests.integration.conftest import Gateway, open_gateway

QUERY = "query($id: ID!) { node(id: $id) { ... on Order { number } } }"


def _single_order_path(data: dict[str, Any]) -> None:
    capabilities = data["connectors"]["orders"]["config"]["capabilities"]
    record = capabilities["order"]["response"]["record"]
    capabilities["order"] = {
        "request": {"path": "/shop/orders/{id}"},
        "response": {"record": record},
    }


@pytest.fixture
async def single_order_gateway(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> AsyncIterator[Gateway]:
    path = registry_variant(_single_order_path)
    async with open_gateway(stack, tracer_provider, registry_path=path) as running:
        yield running


@pytest.mark.parametrize("raw_id", ["..", ".", "%2E%2E", "%2F", "a/b", "\\", "%5C"])
async def test_an_id_that_would_change_the_path_is_not_found_without_a_call(
    single_order_gateway: Gateway, raw_id: str
) -> None:
    gateway = single_order_gateway
    unknown = await gateway.query(QUERY, variables={"id": encode_global_id("Order", "SO-9")})
    gateway.reset_counts()

    body = await gateway.query(QUERY, variables={"id": encode_global_id("Order", raw_id)})

    assert body == unknown
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert gateway.counts() == {}  # no portal call (background health probes aside)
