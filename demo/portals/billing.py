"""Billing: invoices over JSON REST, one billing account (ACC-123456) per request.

    GET /billing/accounts/{account}/invoices[?state=PAID|OPEN|OVERDUE]   invoices.by_account

Every /billing route needs HTTP Basic auth; errors are `{"fault": ...}`. There is no
batch endpoint.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from aiohttp import web

from demo.data import DemoDataset
from demo.portals.base import DemoPortal, Knobs, same_secret

__all__ = ["BillingPortal"]

_STATES = ("PAID", "OPEN", "OVERDUE")


class BillingPortal(DemoPortal):
    """Simulated billing system (read-only)."""

    def __init__(
        self,
        dataset: DemoDataset,
        *,
        username: str,
        password: str,
        knobs: Knobs | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(dataset, knobs=knobs, seed=seed)
        self._username = username
        self._password = password

    def _api_routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get(
                "/billing/accounts/{account}/invoices", self._invoices, name="invoices.by_account"
            )
        ]

    def failure_response(self, status: int) -> web.Response:
        return web.json_response({"fault": "simulated failure"}, status=status)

    def _authorised(self, request: web.Request) -> bool:
        credentials = _basic_credentials(request.headers.get("Authorization", ""))
        if credentials is None:
            return False
        # Both comparisons always run, so timing does not reveal which part was wrong.
        user_ok = same_secret(credentials[0], self._username)
        password_ok = same_secret(credentials[1], self._password)
        return user_ok and password_ok

    async def _invoices(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response(
                {"fault": "auth"},
                status=401,
                headers={"WWW-Authenticate": 'Basic realm="billing"'},
            )
        state = request.query.get("state")
        if state is not None and state not in _STATES:
            return web.json_response(
                {"fault": f"state must be one of {', '.join(_STATES)}"}, status=400
            )
        account = request.match_info["account"]
        invoices = self.dataset.invoices.get(account)
        if invoices is None:
            return web.json_response({"fault": "no such account"}, status=404)
        rendered = [
            {
                "invoiceId": i.invoice_id,
                "issued": i.issued.isoformat(),
                "due": i.due.isoformat(),
                "amountCents": i.amount_cents,
                "currency": i.currency,
                "state": i.state,
            }
            for i in invoices
            if state is None or i.state == state
        ]
        return web.json_response({"account": account, "invoices": rendered})


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # binascii.Error and UnicodeDecodeError are both ValueErrors
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None
