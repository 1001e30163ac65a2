"""Billing: invoices over JSON REST, one billing account (ACC-123456) per request.

    GET /billing/accounts/{account}/invoices[?state=PAID|OPEN|OVERDUE]   invoices.by_account
    GET /billing/organisations/{org}/invoices[?state=...]                invoices.by_organisation

Every /billing route needs HTTP Basic auth (billing trusts its one caller, the gateway,
to ask only for what the user may see); errors are `{"fault": ...}`. There is no batch
endpoint. An organisation's invoices are those of all its members' accounts.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence

from aiohttp import web

from demo.data import DemoDataset, Invoice
from demo.portals.base import DemoPortal, Knobs, same_secret

__all__ = ["BillingPortal"]

_STATES = ("PAID", "OPEN", "OVERDUE")


class BillingPortal(DemoPortal):
    """Simulated billing system (read-only).

    `states_asked` holds the `state` filter of every invoice request (None when it had
    none), in arrival order, so tests can tell a pushed filter from one the gateway
    applied; cleared by `reset_counts()`.
    """

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
        self.states_asked: list[str | None] = []
        accounts: dict[str, list[str]] = {}
        for customer in dataset.customers:
            if customer.tenant is not None:
                accounts.setdefault(customer.tenant, []).append(customer.billing_account)
        self._by_org = {
            org: tuple(
                sorted(
                    (i for account in members for i in dataset.invoices.get(account, ())),
                    key=lambda i: (i.issued, i.invoice_id),
                    reverse=True,
                )
            )
            for org, members in accounts.items()
        }

    def _api_routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get(
                "/billing/accounts/{account}/invoices", self._invoices, name="invoices.by_account"
            ),
            web.get(
                "/billing/organisations/{org}/invoices",
                self._organisation_invoices,
                name="invoices.by_organisation",
            ),
        ]

    def failure_response(self, status: int) -> web.Response:
        return web.json_response({"fault": "simulated failure"}, status=status)

    def reset_counts(self) -> None:
        super().reset_counts()
        self.states_asked.clear()

    def _authorised(self, request: web.Request) -> bool:
        credentials = _basic_credentials(request.headers.get("Authorization", ""))
        if credentials is None:
            return False
        # Both comparisons always run, so timing does not reveal which part was wrong.
        user_ok = same_secret(credentials[0], self._username)
        password_ok = same_secret(credentials[1], self._password)
        return user_ok and password_ok

    async def _invoices(self, request: web.Request) -> web.Response:
        account = request.match_info["account"]
        return self._answer(request, account, self.dataset.invoices.get(account), "account")

    async def _organisation_invoices(self, request: web.Request) -> web.Response:
        organisation = request.match_info["org"]
        return self._answer(request, organisation, self._by_org.get(organisation), "organisation")

    def _answer(
        self, request: web.Request, name: str, invoices: Sequence[Invoice] | None, what: str
    ) -> web.Response:
        if not self._authorised(request):
            return web.json_response(
                {"fault": "auth"},
                status=401,
                headers={"WWW-Authenticate": 'Basic realm="billing"'},
            )
        state = request.query.get("state")
        self.states_asked.append(state)
        if state is not None and state not in _STATES:
            return web.json_response(
                {"fault": f"state must be one of {', '.join(_STATES)}"}, status=400
            )
        if invoices is None:
            return web.json_response({"fault": f"no such {what}"}, status=404)
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
        return web.json_response({"account": name, "invoices": rendered})


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
