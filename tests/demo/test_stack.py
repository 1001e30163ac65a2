"""open_demo_stack: everything starts with fresh credentials, everything closes."""

from __future__ import annotations

import aiohttp
import pytest

from demo.stack import open_demo_stack
from tests.demo.harness import TODAY


async def test_stack_starts_serves_and_closes(session: aiohttp.ClientSession) -> None:
    async with open_demo_stack(customers=12, today=TODAY) as stack:
        env = stack.env
        assert set(env) == {
            "CRM_URL",
            "ORDERS_URL",
            "BILLING_URL",
            "SUPPORT_URL",
            "ISSUER_URL",
            "CRM_API_KEY",
            "ORDERS_TOKEN",
            "BILLING_USER",
            "BILLING_PASSWORD",
            "SUPPORT_API_KEY",
        }
        assert len(stack.customers) == 12
        assert stack.dataset.today == TODAY
        assert env["ISSUER_URL"] == stack.issuer.url
        urls = [env[k] for k in ("CRM_URL", "ORDERS_URL", "BILLING_URL", "SUPPORT_URL")]
        assert len(set(urls)) == 4
        for url in urls:
            async with session.get(f"{url}/health") as resp:
                assert resp.status == 200

        customer = stack.customers[0]
        headers = {"X-Api-Key": env["CRM_API_KEY"]}
        crm_url = f"{env['CRM_URL']}/api/v2/customers?ids={customer.crm_id}"
        async with session.get(crm_url, headers=headers) as resp:
            assert resp.status == 200
        headers = {
            "Authorization": aiohttp.encode_basic_auth(env["BILLING_USER"], env["BILLING_PASSWORD"])
        }
        billing_url = f"{env['BILLING_URL']}/billing/accounts/{customer.billing_account}/invoices"
        async with session.get(billing_url, headers=headers) as resp:
            assert resp.status == 200
        assert stack.issuer.issue_token(customer.subject)

    with pytest.raises(aiohttp.ClientConnectorError):
        await session.get(f"{urls[0]}/health")


async def test_each_stack_has_fresh_secrets() -> None:
    async with open_demo_stack(customers=3) as first, open_demo_stack(customers=3) as second:
        for name in ("CRM_API_KEY", "ORDERS_TOKEN", "BILLING_PASSWORD", "SUPPORT_API_KEY"):
            assert first.env[name] != second.env[name]
        assert first.customers == second.customers
