"""Types shared by several domains: Money and the Node interface."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from connectors.records import Money as MoneyRecord


@strawberry.interface(description="An object that can be fetched again with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="An amount in a currency.")
class Money:
    amount: Decimal
    currency: str | None = strawberry.field(
        description="ISO 4217 code; null when the portal does not say."
    )

    @classmethod
    def of(cls, record: MoneyRecord) -> Money:
        return cls(amount=record.amount, currency=record.currency)
