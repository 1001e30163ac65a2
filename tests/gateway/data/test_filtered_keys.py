"""Filtered list keys in the record cache: each set of pushed filters is its own entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from config.registry import CachePolicy
from connectors.capabilities import ListKey, filters_of
from connectors.principal import Principal
from connectors.records import InvoiceListRecord, InvoiceRecord, InvoiceStatus, Money
from gateway.data.record_cache import RecordCache

ALICE = Principal(subject="alice", issuer="https://idp.test")
PAID = InvoiceListRecord(
    invoices=(
        InvoiceRecord(
            invoice_id="IN-1",
            issued_on=date(2026, 10, 1),
            due_on=date(2026, 10, 31),
            amount=Money(amount=Decimal("10.00"), currency="EUR"),
            status=InvoiceStatus.PAID,
        ),
    )
)


async def test_an_answer_for_one_filter_is_never_served_for_another() -> None:
    cache = RecordCache.memory({"invoices": CachePolicy(ttl_s=60)})
    paid = ListKey("ACC-1", filters_of(status=["paid"]))
    overdue = ListKey("ACC-1", filters_of(status=["overdue"]))
    try:
        await cache.set_many("invoices", ALICE, [(paid, PAID)])

        assert await cache.get_many("invoices", ALICE, [paid, overdue, "ACC-1"]) == [
            PAID,
            None,
            None,
        ]
        # The same filters asked in another order are the same key.
        assert ListKey("ACC-1", filters_of(status=["paid", "overdue"])) == ListKey(
            "ACC-1", filters_of(status=["overdue", "paid", "paid"])
        )
    finally:
        await cache.aclose()
