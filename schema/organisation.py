"""A B2B customer's organisation: its orders and invoices, for the organisation's admins."""

from __future__ import annotations

import strawberry

from resolvers import organisation
from resolvers._types import Info
from schema.directives import ListSize
from schema.invoices import Invoice, InvoiceStatus
from schema.orders import OrderConnection, order_connection
from schema.permissions import IsOrganisationAdmin


@strawberry.type(description="The organisation a business customer belongs to.")
class Organisation:
    id: strawberry.ID

    @strawberry.field(
        permission_classes=[IsOrganisationAdmin],
        description="All members' orders, newest first (organisation admins only).",
        directives=[ListSize(slicing_arguments=["first"], sized_fields=["edges", "nodes"])],
    )
    async def orders(
        self, info: Info, first: int = 10, after: str | None = None
    ) -> OrderConnection | None:
        page, offset = await organisation.organisation_orders(info, first, after)
        return order_connection(page, offset, first)

    @strawberry.field(
        permission_classes=[IsOrganisationAdmin],
        description="The organisation's invoices (organisation admins only).",
    )
    async def invoices(
        self, info: Info, status: list[InvoiceStatus] | None = None
    ) -> list[Invoice] | None:
        wanted = [s.record() for s in status] if status else None
        return [Invoice.of(r) for r in await organisation.organisation_invoices(info, wanted)]
