"""The shared connector session: credentials per call, and one retry after a renewable 401.

Driven through the support XML kind against the real simulated support portal, which
answers 401 to a wrong key and serves the right one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest

from connectors.base import UpstreamAuth
from connectors.errors import UpstreamRejected
from connectors.principal import Principal
from connectors.records import TicketListRecord
from connectors.support_xml import SupportXmlConnector
from demo.data import DemoDataset, build_dataset, demo_customers
from demo.portals.support import SupportPortal

API_KEY = "support-test-key"


class RenewingKey:
    """A CredentialProvider whose first key is stale; after a refusal it has the live one,
    as an issuer's token cache has after forgetting a refused token."""

    def __init__(self, stale: str, live: str, *, renews: bool = True) -> None:
        self.current = stale
        self.live = live
        self.renews = renews
        self.refusals = 0

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        async def rejected() -> bool:
            self.refusals += 1
            self.current = self.live
            return True

        return UpstreamAuth(
            headers={"X-Support-Key": self.current}, rejected=rejected if self.renews else None
        )


@pytest.fixture
def dataset() -> DemoDataset:
    return build_dataset(demo_customers(), date(2026, 11, 15))


@pytest.fixture
async def portal(dataset: DemoDataset) -> AsyncIterator[SupportPortal]:
    portal = SupportPortal(dataset, api_key=API_KEY)
    await portal.start()
    try:
        yield portal
    finally:
        await portal.aclose()


def connector(portal: SupportPortal, credentials: RenewingKey) -> SupportXmlConnector:
    config = SupportXmlConnector.Config.model_validate({"base_url": portal.url})
    return SupportXmlConnector("support", config, credentials)


async def test_a_refused_credential_that_renews_is_sent_again_with_the_fresh_one(
    portal: SupportPortal, dataset: DemoDataset
) -> None:
    credentials = RenewingKey("revoked-key", API_KEY)
    party = dataset.customers[0].support_party

    async with connector(portal, credentials) as support:
        [tickets] = await support.fetch("tickets", [party], None)

    assert isinstance(tickets, TicketListRecord)
    assert tickets.tickets
    assert credentials.refusals == 1
    assert portal.requests["soap.GetTickets"] == 2


async def test_a_credential_refused_again_after_renewal_is_not_sent_a_third_time(
    portal: SupportPortal, dataset: DemoDataset
) -> None:
    credentials = RenewingKey("revoked-key", "also-wrong")

    async with connector(portal, credentials) as support:
        with pytest.raises(UpstreamRejected) as caught:
            await support.fetch("tickets", [dataset.customers[0].support_party], None)

    assert caught.value.status == 401
    assert credentials.refusals == 1
    assert portal.requests["soap.GetTickets"] == 2


async def test_a_credential_that_cannot_renew_is_sent_once(
    portal: SupportPortal, dataset: DemoDataset
) -> None:
    credentials = RenewingKey("revoked-key", API_KEY, renews=False)

    async with connector(portal, credentials) as support:
        with pytest.raises(UpstreamRejected):
            await support.fetch("tickets", [dataset.customers[0].support_party], None)

    assert portal.requests["soap.GetTickets"] == 1
