"""Query limits over HTTP: fragment fan-out, depth (introspection too), aliases and cost."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import get_introspection_query
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

GQL_RESPONSE = "application/graphql-response+json"


def fan_out(levels: int) -> str:
    """Fragments that each spread the next one ten times: tiny text, 10**levels fields."""
    lines = ["query FanOut { ...F0 }"]
    for level in range(levels):
        lines.append(f"fragment F{level} on Query {{ {' '.join([f'...F{level + 1}'] * 10)} }}")
    lines.append(f"fragment F{levels} on Query {{ __typename }}")
    return "\n".join(lines)


async def post(gateway: Gateway, query: str, variables: dict[str, Any] | None = None) -> Any:
    return await gateway.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={**gateway.auth(), "Accept": GQL_RESPONSE},
    )


def too_complex(response: Any) -> dict[str, Any]:
    """The one QUERY_TOO_COMPLEX error's extensions of a refused request."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"QUERY_TOO_COMPLEX"}, body
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    return extensions


@pytest.mark.parametrize("levels", [7, 8])  # 653 and 738 bytes
async def test_fragment_fan_out_is_refused_while_other_requests_are_answered(
    gateway: Gateway, levels: int
) -> None:
    document = fan_out(levels)
    assert len(document) < 750

    async def normal_query() -> tuple[float, Any]:
        started = time.monotonic()
        response = await post(gateway, "{ viewer { profile { lastName } } }")
        return time.monotonic() - started, response

    refused, (elapsed, answered) = await asyncio.gather(post(gateway, document), normal_query())
    extensions = too_complex(refused)
    assert extensions["fields"] == 10**levels
    assert answered.status_code == 200
    assert answered.json()["data"]["viewer"]["profile"]["lastName"]
    # Generous: the limits run in linear time. Before, this document held the loop 30 s+.
    assert elapsed < 3.0


async def test_depth_limit_counts_introspection_but_lets_the_standard_query_through(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    chain = '{ __type(name: "Query") { ' + "ofType { " * 60 + "name" + " }" * 61 + " }"
    async with open_gateway(stack, tracer_provider, development=True) as gateway:
        extensions = too_complex(await post(gateway, chain))
        assert extensions["introspectionDepth"] == 61
        assert extensions["maxIntrospectionDepth"] == 15

        response = await post(gateway, get_introspection_query())
        assert response.status_code == 200, response.text
        assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_each_limit_says_which_it_is_and_its_maximum(gateway: Gateway) -> None:
    aliases = " ".join(f"a{i}: viewer {{ tickets {{ number }} }}" for i in range(40))
    extensions = too_complex(await post(gateway, f"{{ {aliases} }}"))
    assert (extensions["aliases"], extensions["maxAliases"]) == (40, 30)

    deep = "{ viewer { profile { " + "x { " * 20 + "y" + " }" * 22 + " }"
    extensions = too_complex(await post(gateway, deep))
    assert (extensions["depth"], extensions["maxDepth"]) == (22, 12)


@pytest.fixture
async def cost_capped(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Gateway]:
    async with open_gateway(stack, tracer_provider, max_query_cost=1000) as gateway:
        yield gateway


ORDERS = "query Orders($n: Int!) { viewer { orders(first: $n) { nodes { %s } } } }"
ORDER_LISTS = "items { sku } timeline { status }"


async def test_cost_multiplies_lists_by_first_and_refuses_over_the_maximum(
    cost_capped: Gateway,
) -> None:
    # viewer 1 + orders 1 + nodes n x (order 1 + items 10 + timeline 10); scalars cost 0.
    extensions = too_complex(await post(cost_capped, ORDERS % ORDER_LISTS, {"n": 50}))
    assert (extensions["cost"], extensions["maxCost"]) == (2 + 50 * 21, 1000)

    response = await post(cost_capped, ORDERS % ORDER_LISTS, {"n": 10})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["orders"]["nodes"]


async def test_cost_counts_fragments_and_literal_arguments(cost_capped: Gateway) -> None:
    spread = (
        "{ viewer { orders(first: 50) { edges { node { ...Lists } } } } }"
        f" fragment Lists on Order {{ {ORDER_LISTS} }}"
    )
    assert too_complex(await post(cost_capped, spread))["cost"] == 2 + 50 * 22  # + edge 1


async def test_cost_reads_the_operations_variable_defaults_and_integral_floats(
    cost_capped: Gateway,
) -> None:
    defaulted = ORDERS.replace("$n: Int!", "$n: Int! = 50") % ORDER_LISTS
    assert too_complex(await post(cost_capped, defaulted))["cost"] == 2 + 50 * 21
    assert too_complex(await post(cost_capped, ORDERS % ORDER_LISTS, {"n": 50.0}))["cost"] == (
        2 + 50 * 21
    )
