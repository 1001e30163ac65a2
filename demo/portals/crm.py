"""The CRM: customer master data over JSON REST, keyed by CRM id (C-10001, ...).

    GET   /api/v2/customers?ids=C-10001,C-10002         customers.batch
    PATCH /api/v2/customers/{customerId}                customers.update
    GET   /api/v2/external-refs?ids=...&system=support  external_refs.batch

Every /api route needs `X-Api-Key`; errors are `{"error": ...}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from demo.data import DemoDataset, Profile
from demo.portals.base import MAX_BATCH, DemoPortal, Knobs, same_secret, split_ids
from demo.portals.profile_patch import InvalidPatch, apply_patch

__all__ = ["CrmPortal"]


class CrmPortal(DemoPortal):
    """Simulated CRM. Profile updates are kept in this instance, never in the dataset."""

    def __init__(
        self,
        dataset: DemoDataset,
        *,
        api_key: str,
        knobs: Knobs | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(dataset, knobs=knobs, seed=seed)
        self._api_key = api_key
        self._profiles: dict[str, Profile] = dict(dataset.profiles)
        self._refs = {
            "orders": {c.crm_id: c.shop_no for c in dataset.customers},
            "billing": {c.crm_id: c.billing_account for c in dataset.customers},
            "support": {c.crm_id: c.support_party for c in dataset.customers},
        }

    def profile(self, customer_id: str) -> Profile:
        """The current profile (with updates applied); raises KeyError if unknown."""
        return self._profiles[customer_id]

    def _api_routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get("/api/v2/customers", self._get_customers, name="customers.batch"),
            web.patch(
                "/api/v2/customers/{customerId}", self._update_customer, name="customers.update"
            ),
            web.get("/api/v2/external-refs", self._get_refs, name="external_refs.batch"),
        ]

    def failure_response(self, status: int) -> web.Response:
        return _error(status, "simulated failure")

    def _authorised(self, request: web.Request) -> bool:
        return same_secret(request.headers.get("X-Api-Key"), self._api_key)

    async def _get_customers(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "invalid api key")
        ids = split_ids(request.query.get("ids"))
        if not ids or len(ids) > MAX_BATCH:
            return _error(400, f"ids must list 1 to {MAX_BATCH} customer ids")
        customers = [_render(i, self._profiles[i]) for i in ids if i in self._profiles]
        return web.json_response({"customers": customers})

    async def _update_customer(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "invalid api key")
        customer_id = request.match_info["customerId"]
        if customer_id not in self._profiles:
            return _error(404, "no such customer")
        try:
            body = json.loads(await request.text())
        except ValueError:
            return _error(400, "body must be JSON")
        try:
            profile = apply_patch(self._profiles[customer_id], body)
        except InvalidPatch as exc:
            payload = {"error": "validation", "field": exc.field, "message": exc.message}
            return web.json_response(payload, status=422)
        self._profiles[customer_id] = profile
        return web.json_response(_render(customer_id, profile))

    async def _get_refs(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return _error(401, "invalid api key")
        system = request.query.get("system", "")
        if system not in self._refs:
            return _error(400, f"system must be one of {', '.join(sorted(self._refs))}")
        ids = split_ids(request.query.get("ids"))
        if not ids or len(ids) > MAX_BATCH:
            return _error(400, f"ids must list 1 to {MAX_BATCH} customer ids")
        refs = self._refs[system]
        found = [{"customerId": i, "system": system, "ref": refs[i]} for i in ids if i in refs]
        return web.json_response({"refs": found})


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _render(customer_id: str, profile: Profile) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "name": {"first": profile.first_name, "last": profile.last_name},
        "emails": [{"address": e.address, "primary": e.primary} for e in profile.emails],
        "phones": [{"number": p.number, "type": p.kind} for p in profile.phones],
        "addresses": [
            {
                "kind": a.kind,
                "street": a.street,
                "city": a.city,
                "postcode": a.postcode,
                "country": a.country,
            }
            for a in profile.addresses
        ],
        "preferences": {
            "language": profile.preferences.language,
            "newsletter": profile.preferences.newsletter,
            "contactChannel": profile.preferences.contact_channel,
        },
    }
