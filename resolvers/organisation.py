"""B2B reads: an organisation's orders and invoices, keyed by the viewer's tenant.

Who may read them is declared on the schema fields (schema/permissions.py); these
functions assume the check has passed and only load.
"""

from __future__ import annotations

from connectors.capabilities import ListKey, PageKey, filters_of
from connectors.records import InvoiceListRecord, InvoiceRecord, InvoiceStatus, OrderPageRecord
from resolvers._types import Info
from resolvers.errors import NotFound
from resolvers.viewer import page_offset, require_principal, with_status

__all__ = ["organisation_invoices", "organisation_orders", "tenant"]


def tenant(info: Info) -> str | None:
    """The viewer's organisation, or None for a consumer."""
    return require_principal(info).tenant


def _require(info: Info) -> str:
    org = tenant(info)
    if org is None:
        raise NotFound("The viewer belongs to no organisation.")
    return org


async def organisation_orders(
    info: Info, first: int, after: str | None
) -> tuple[OrderPageRecord, int]:
    """One window of the organisation's orders; empty where no system owns them."""
    offset = page_offset(first, after)
    org = _require(info)
    if not info.context.loaders.serves("orders_by_organisation"):
        return OrderPageRecord(orders=(), total_count=0), offset
    record = await info.context.loaders.load("orders_by_organisation", PageKey(org, offset, first))
    assert isinstance(record, OrderPageRecord)
    return record, offset


async def organisation_invoices(
    info: Info, status: list[InvoiceStatus] | None = None
) -> list[InvoiceRecord]:
    """The organisation's invoices; empty where no system owns them."""
    org = _require(info)
    if not info.context.loaders.serves("invoices_by_organisation"):
        return []
    filters = filters_of(status=status)
    key = ListKey(org, filters) if filters else org
    record = await info.context.loaders.load("invoices_by_organisation", key)
    assert isinstance(record, InvoiceListRecord)
    return with_status(record.invoices, status)
