"""The orders connection's page info: from the portal's signals, never a made-up total."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from connectors.records import Money, OrderPageRecord, OrderRecord
from schema.orders import order_connection


def orders(count: int) -> tuple[OrderRecord, ...]:
    return tuple(
        OrderRecord(
            order_id=f"SO-{n}",
            customer_id="K-1",
            placed_at=datetime(2026, 11, 1, tzinfo=UTC),
            status="shipped",
            total=Money(amount=Decimal("1.00"), currency="EUR"),
        )
        for n in range(count)
    )


@pytest.mark.parametrize(
    ("page", "has_next"),
    [
        pytest.param(
            OrderPageRecord(orders=orders(5), has_more=False), False, id="portal: no more"
        ),
        pytest.param(OrderPageRecord(orders=orders(5), has_more=True), True, id="portal: more"),
        pytest.param(OrderPageRecord(orders=orders(5), total_count=15), False, id="total: last"),
        pytest.param(OrderPageRecord(orders=orders(5), total_count=16), True, id="total: more"),
        pytest.param(OrderPageRecord(orders=orders(5)), True, id="no signal, full window"),
        pytest.param(OrderPageRecord(orders=orders(3)), False, id="no signal, short window"),
    ],
)
def test_has_next_page_follows_the_best_signal(page: OrderPageRecord, has_next: bool) -> None:
    connection = order_connection(page, offset=10, first=5)

    assert connection.page_info.has_next_page is has_next
    assert connection.total_count == page.total_count  # null stays null
