"""Each portal's own scheme, supplied per call by sso/ and enforced by the portal for real."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway

DASHBOARD = "{ viewer { orders(first: 3) { totalCount } tickets { number } invoices { number } } }"


async def test_oauth_tokens_are_reused_until_near_expiry(gateway: Gateway) -> None:
    # One bearer token per customer, as a client keeps its token between requests. The
    # exchanged token is cached per user token, so minting one per query (a new `iat`
    # whenever two queries straddle a second) would rightly cost another exchange.
    tokens = {subject: gateway.token(subject) for subject in ("cust-001", "cust-002")}
    before = gateway.runtime.credentials.token_requests
    for subject in ("cust-001", "cust-001", "cust-001", "cust-002"):
        response = await gateway.client.post(
            "/graphql",
            json={"query": DASHBOARD},
            headers={"Authorization": f"Bearer {tokens[subject]}"},
        )
        assert response.status_code == 200
        assert "errors" not in response.json()

    # one client-credentials token for support, one exchanged token per customer for orders
    assert gateway.runtime.credentials.token_requests - before == 3


async def test_a_wrong_credential_fails_at_the_portal(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    def wrong_audiences(data: dict[str, Any]) -> None:
        data["connectors"]["orders"]["auth"]["audience"] = "billing-portal"
        data["connectors"]["support"]["auth"]["audience"] = "orders-portal"

    path = registry_variant(wrong_audiences)
    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        body = await gateway.query(DASHBOARD)

    assert body["data"]["viewer"]["invoices"] is not None
    failed = {e["extensions"]["connector"]: e["extensions"]["code"] for e in body["errors"]}
    assert failed == {"orders": "UPSTREAM_REJECTED", "support": "UPSTREAM_REJECTED"}


async def test_forwarding_the_users_token_is_refused_by_a_portal_expecting_its_own_audience(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    def forward(data: dict[str, Any]) -> None:
        data["connectors"]["orders"]["auth"] = {"scheme": "forward"}

    path = registry_variant(forward)
    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        body = await gateway.query("{ viewer { orders(first: 3) { totalCount } } }")

    assert body["errors"][0]["extensions"] == {"code": "UPSTREAM_REJECTED", "connector": "orders"}


async def test_an_unreachable_issuer_costs_only_the_portals_that_need_a_new_token(
    gateway: Gateway,
) -> None:
    warm = await gateway.query(DASHBOARD, "cust-001")  # support's token is now cached
    assert "errors" not in warm
    token = gateway.token("cust-002")  # signed while the issuer is still up
    await gateway.stack.issuer.refuse_connections()

    response = await gateway.client.post(
        "/graphql", json={"query": DASHBOARD}, headers={"Authorization": f"Bearer {token}"}
    )

    body = response.json()
    viewer = body["data"]["viewer"]
    assert viewer["invoices"] is not None and viewer["tickets"] is not None
    assert viewer["orders"] is None  # cust-002's exchanged token cannot be obtained
    assert body["errors"][0]["extensions"] == {
        "code": "UPSTREAM_UNAVAILABLE",
        "connector": "orders",
    }


ORDERS = "{ viewer { orders(first: 3) { totalCount } } }"
TICKETS = "{ viewer { tickets { number } } }"


async def test_a_refused_exchanged_token_is_forgotten_and_the_call_sent_again_once(
    gateway: Gateway,
) -> None:
    warm = await gateway.query(ORDERS, "cust-001")  # cust-001's exchanged token is cached
    assert "errors" not in warm
    before = gateway.runtime.credentials.token_requests
    gateway.stack.orders.knobs.fail_status = 401  # the shop now refuses every token
    gateway.reset_counts()

    refused = await gateway.query(ORDERS, "cust-001")

    assert refused["errors"][0]["extensions"] == {
        "code": "UPSTREAM_REJECTED",
        "connector": "orders",
    }
    # the cached token was dropped and a fresh one tried, once: no loop on a refusal
    assert gateway.runtime.credentials.token_requests - before == 1
    assert gateway.counts() == {"orders.by_customer": 2}

    gateway.stack.orders.knobs.fail_status = None
    served = await gateway.query(ORDERS, "cust-001")
    assert "errors" not in served
    assert gateway.runtime.credentials.token_requests - before == 1  # the fresh one is kept


async def test_a_refused_client_credentials_token_is_renewed_for_the_next_call(
    gateway: Gateway,
) -> None:
    warm = await gateway.query(TICKETS, "cust-001")  # support's own token is cached
    assert "errors" not in warm
    before = gateway.runtime.credentials.token_requests
    gateway.stack.support.knobs.fail_status = 401
    gateway.reset_counts()

    refused = await gateway.query(TICKETS, "cust-002")

    assert refused["errors"][0]["extensions"] == {
        "code": "UPSTREAM_REJECTED",
        "connector": "support",
    }
    assert gateway.runtime.credentials.token_requests - before == 1
    assert gateway.counts() == {"soap.GetTickets": 2}
