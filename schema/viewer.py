"""`viewer`: the signed-in customer, the root of everything they can see."""

from __future__ import annotations

import strawberry

from resolvers import organisation, viewer
from resolvers._types import Info
from schema.actions import ActionItem, resolve_action_items
from schema.directives import Cost, ListSize
from schema.invoices import Invoice, InvoiceStatus
from schema.orders import OrderConnection, resolve_orders
from schema.organisation import Organisation
from schema.profile import Profile
from schema.support import Case, Ticket


@strawberry.type(description="The signed-in customer.")
class Viewer:
    @strawberry.field(description="Master data; null if no system knows the customer.")
    async def profile(self, info: Info) -> Profile | None:
        record = await viewer.profile(info)
        return Profile.of(record) if record else None

    orders: OrderConnection | None = strawberry.field(
        resolver=resolve_orders,
        directives=[ListSize(slicing_arguments=["first"], sized_fields=["edges", "nodes"])],
    )

    @strawberry.field
    async def invoices(
        self, info: Info, status: list[InvoiceStatus] | None = None
    ) -> list[Invoice] | None:
        wanted = [s.record() for s in status] if status else None
        return [Invoice.of(r) for r in await viewer.invoices(info, wanted)]

    @strawberry.field
    async def tickets(self, info: Info) -> list[Ticket] | None:
        return [Ticket.of(r) for r in await viewer.tickets(info)]

    @strawberry.field
    async def cases(self, info: Info) -> list[Case] | None:
        return [Case.of(r) for r in await viewer.cases(info)]

    @strawberry.field(description="Your organisation, if you are a business customer.")
    def organisation(self, info: Info) -> Organisation | None:
        tenant = organisation.tenant(info)
        return Organisation(id=strawberry.ID(tenant)) if tenant else None

    action_items: list[ActionItem | None] = strawberry.field(
        resolver=resolve_action_items,
        description="What the customer must do, soonest due first.",
        # It reads invoices, tickets and cases: three portals.
        directives=[Cost(weight="3")],
    )
