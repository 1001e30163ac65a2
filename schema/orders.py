"""Orders as the customer sees them: a cursor connection, each order with items and timeline."""

from __future__ import annotations

from datetime import datetime

import strawberry

from connectors.records import OrderPageRecord, OrderRecord
from resolvers import viewer
from resolvers._types import Info
from resolvers.nodes import find_order
from schema.common import Money, Node
from schema.declarations import NodeType
from schema.ids import encode_global_id


@strawberry.type
class OrderItem:
    sku: str
    title: str
    quantity: int
    unit_price: Money | None


@strawberry.type(description="One step in an order's life: placed, paid, shipped, ...")
class OrderStatusChange:
    status: str
    at: datetime | None


@strawberry.type
class Order(Node):
    record: strawberry.Private[OrderRecord]

    @classmethod
    def of(cls, record: OrderRecord) -> Order:
        return cls(id=strawberry.ID(encode_global_id("Order", record.order_id)), record=record)

    @strawberry.field(description="The order number printed on the confirmation.")
    def number(self) -> str:
        return self.record.order_id

    @strawberry.field
    def placed_at(self) -> datetime | None:
        return self.record.placed_at

    @strawberry.field
    def status(self) -> str:
        return self.record.status

    @strawberry.field
    def total(self) -> Money | None:
        return Money.of(self.record.total) if self.record.total is not None else None

    @strawberry.field
    def timeline(self) -> list[OrderStatusChange]:
        return [OrderStatusChange(status=c.status, at=c.at) for c in self.record.history]

    @strawberry.field
    async def items(self, info: Info) -> list[OrderItem] | None:
        return [
            OrderItem(
                sku=i.sku,
                title=i.title,
                quantity=i.quantity,
                unit_price=Money.of(i.unit_price) if i.unit_price is not None else None,
            )
            for i in await viewer.order_items(info, self.record.order_id)
        ]


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type(description="A window of the customer's orders, newest first.")
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="How many orders there are in all; null when the shop does not say."
    )

    @strawberry.field
    def nodes(self) -> list[Order]:
        return [edge.node for edge in self.edges]


def has_next_page(page: OrderPageRecord, offset: int, shown: int, first: int) -> bool:
    """Whether orders follow this window, from the best signal the portal gave.

    The connector's `has_more` (a next link, a cursor, one item read past the window)
    comes first, then the total; with neither, a full window may have more after it.
    """
    if page.has_more is not None:
        return page.has_more
    if page.total_count is not None:
        return offset + shown < page.total_count
    return shown == first


def order_connection(page: OrderPageRecord, offset: int, first: int) -> OrderConnection:
    """A connection over one window of orders that starts at `offset`.

    Without a total, a full window is taken to have a next page (Relay allows a guess
    here; the next window may then be empty), and a short one to be the last.
    """
    edges = [
        OrderEdge(cursor=viewer.encode_cursor(offset + i), node=Order.of(record))
        for i, record in enumerate(page.orders[:first])
    ]
    total = page.total_count
    return OrderConnection(
        edges=edges,
        total_count=total,
        page_info=PageInfo(
            has_next_page=has_next_page(page, offset, len(edges), first),
            has_previous_page=offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def resolve_orders(info: Info, first: int = 10, after: str | None = None) -> OrderConnection:
    page, offset = await viewer.orders_page(info, first, after)
    return order_connection(page, offset, first)


ORDER_NODE = NodeType(Order, find_order)
