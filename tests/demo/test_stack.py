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
            "PORTALGATE_CLIENT_ID",
            "PORTALGATE_CLIENT_SECRET",
        }
        assert env["PORTALGATE_CLIENT_ID"] == stack.issuer.client_id == "portalgate"
        assert env["PORTALGATE_CLIENT_SECRET"] == stack.issuer.client_secret
        assert [e.subject for e in stack.employees] == ["emp-001", "emp-002"]
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
        names = ("CRM_API_KEY", "ORDERS_TOKEN", "BILLING_PASSWORD", "SUPPORT_API_KEY")
        for name in (*names, "PORTALGATE_CLIENT_SECRET"):
            assert first.env[name] != second.env[name]
        assert first.customers == second.customers


async def test_the_stacks_portals_accept_the_stacks_client_tokens(
    session: aiohttp.ClientSession,
) -> None:
    async with open_demo_stack(customers=3, today=TODAY) as stack:
        env = stack.env
        client = {
            "client_id": env["PORTALGATE_CLIENT_ID"],
            "client_secret": env["PORTALGATE_CLIENT_SECRET"],
        }
        token_url = f"{env['ISSUER_URL']}/token"
        form = {"grant_type": "client_credentials", "audience": "support-portal", **client}
        async with session.post(token_url, data=form) as resp:
            support_token = (await resp.json())["access_token"]
        party = stack.customers[0].support_party
        body = f"<Envelope><Body><GetCases><PartyId>{party}</PartyId></GetCases></Body></Envelope>"
        headers = {"Authorization": f"Bearer {support_token}", "SOAPAction": "GetCases"}
        async with session.post(f"{env['SUPPORT_URL']}/soap", data=body, headers=headers) as resp:
            assert resp.status == 200

        form = {
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "subject_token": stack.issuer.issue_token("emp-001"),
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "requested_subject": "cust-002",
            "audience": "orders-portal",
            **client,
        }
        async with session.post(token_url, data=form) as resp:
            assert resp.status == 200
            orders_token = (await resp.json())["access_token"]
        shop_no = stack.customers[1].shop_no
        url = f"{env['ORDERS_URL']}/shop/customers/{shop_no}/orders"
        async with session.get(url, headers={"Authorization": f"Bearer {orders_token}"}) as resp:
            assert resp.status == 200
