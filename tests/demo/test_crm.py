"""CrmPortal over real sockets: batch read, update, validation, external refs, auth."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from demo.data import DemoCustomer
from demo.portals.crm import CrmPortal
from tests.demo.harness import CRM_KEY

AUTH = {"X-Api-Key": CRM_KEY}


async def get_customers(
    session: aiohttp.ClientSession, crm: CrmPortal, ids: str
) -> tuple[int, Any]:
    url = f"{crm.url}/api/v2/customers"
    async with session.get(url, params={"ids": ids}, headers=AUTH) as resp:
        return resp.status, await resp.json()


async def patch(
    session: aiohttp.ClientSession, crm: CrmPortal, customer_id: str, body: Any
) -> tuple[int, Any]:
    url = f"{crm.url}/api/v2/customers/{customer_id}"
    async with session.patch(url, json=body, headers=AUTH) as resp:
        return resp.status, await resp.json()


async def test_batch_returns_known_customers_in_request_order(
    session: aiohttp.ClientSession, crm: CrmPortal, customers: list[DemoCustomer]
) -> None:
    status, body = await get_customers(session, crm, "C-10002,C-99999,C-10001")
    assert status == 200
    assert [c["customerId"] for c in body["customers"]] == ["C-10002", "C-10001"]
    first = body["customers"][1]
    assert first["name"] == {"first": customers[0].first_name, "last": customers[0].last_name}
    assert first["emails"][0] == {"address": customers[0].email, "primary": True}
    assert set(first["phones"][0]) == {"number", "type"}
    assert set(first["addresses"][0]) == {"kind", "street", "city", "postcode", "country"}
    assert set(first["preferences"]) == {"language", "newsletter", "contactChannel"}
    assert crm.requests["customers.batch"] == 1


async def test_more_than_100_ids_is_a_400(session: aiohttp.ClientSession, crm: CrmPortal) -> None:
    ids = ",".join(f"C-{20_000 + n}" for n in range(101))
    status, body = await get_customers(session, crm, ids)
    assert status == 400
    assert "error" in body


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "wrong"}])
async def test_missing_or_wrong_api_key_is_a_401(
    session: aiohttp.ClientSession, crm: CrmPortal, headers: dict[str, str]
) -> None:
    url = f"{crm.url}/api/v2/customers"
    async with session.get(url, params={"ids": "C-10001"}, headers=headers) as resp:
        assert resp.status == 401
        assert await resp.json() == {"error": "invalid api key"}
    assert crm.requests["customers.batch"] == 1


async def test_update_returns_and_keeps_the_new_data(
    session: aiohttp.ClientSession, crm: CrmPortal
) -> None:
    body = {
        "name": {"first": "Augusta"},
        "emails": [{"address": "augusta@example.org", "primary": True}],
        "addresses": [
            {
                "kind": "home",
                "street": "Neue Strasse 1",
                "city": "Bonn",
                "postcode": "53111",
                "country": "DE",
            }
        ],
        "preferences": {"newsletter": False},
    }
    original = crm.profile("C-10001")
    status, updated = await patch(session, crm, "C-10001", body)
    assert status == 200
    assert updated["name"] == {"first": "Augusta", "last": original.last_name}
    assert updated["emails"] == body["emails"]
    assert updated["addresses"] == body["addresses"]
    assert updated["preferences"]["newsletter"] is False
    assert updated["preferences"]["language"] == original.preferences.language

    _, read_back = await get_customers(session, crm, "C-10001")
    assert read_back["customers"][0] == updated
    assert crm.dataset.profiles["C-10001"] == original  # the shared dataset is untouched


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"emails": [{"address": "not-an-address"}]}, "emails[0].address", "e-mail"),
        ({"emails": [{"address": "a@b@example.com"}]}, "emails[0].address", "e-mail"),
        ({"emails": [{"address": "ada@localhost"}]}, "emails[0].address", "e-mail"),
        ({"name": {"first": ""}}, "name.first", "empty"),
        ({"name": {"last": "x" * 81}}, "name.last", "80"),
        (
            {"addresses": [{"street": "A 1", "city": "B", "postcode": "1", "country": "de"}]},
            "addresses[0].country",
            "country",
        ),
        (
            {"addresses": [{"street": "A 1", "city": "B", "postcode": " ", "country": "DE"}]},
            "addresses[0].postcode",
            "empty",
        ),
        ({"nickname": "Ada"}, "nickname", "unknown"),
    ],
)
async def test_invalid_update_is_a_422_and_changes_nothing(
    session: aiohttp.ClientSession, crm: CrmPortal, body: Any, field: str, message: str
) -> None:
    before = crm.profile("C-10001")
    status, error = await patch(
        session, crm, "C-10001", {"preferences": {"newsletter": True}, **body}
    )
    assert status == 422
    assert error["error"] == "validation"
    assert error["field"] == field
    assert message in error["message"]
    assert crm.profile("C-10001") == before


async def test_update_of_unknown_customer_is_a_404(
    session: aiohttp.ClientSession, crm: CrmPortal
) -> None:
    status, _ = await patch(session, crm, "C-99999", {"name": {"first": "Ada"}})
    assert status == 404
    assert crm.requests["customers.update"] == 1


async def test_update_with_a_body_that_is_not_json_is_a_400(
    session: aiohttp.ClientSession, crm: CrmPortal
) -> None:
    url = f"{crm.url}/api/v2/customers/C-10001"
    async with session.patch(url, data="{not json", headers=AUTH) as resp:
        assert resp.status == 400


async def test_external_refs_map_crm_ids_to_support_parties(
    session: aiohttp.ClientSession, crm: CrmPortal, customers: list[DemoCustomer]
) -> None:
    url = f"{crm.url}/api/v2/external-refs"
    params = {"ids": "C-10001,C-10002,C-99999", "system": "support"}
    async with session.get(url, params=params, headers=AUTH) as resp:
        assert resp.status == 200
        body = await resp.json()
    assert body == {
        "refs": [
            {"customerId": "C-10001", "system": "support", "ref": customers[0].support_party},
            {"customerId": "C-10002", "system": "support", "ref": customers[1].support_party},
        ]
    }
    params = {"ids": "C-10001", "system": "ledger"}
    async with session.get(url, params=params, headers=AUTH) as resp:
        assert resp.status == 400
    assert crm.requests["external_refs.batch"] == 2
