"""`actionItems`: one list of what the customer must do, from every portal."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry

from connectors.errors import ConnectorError
from resolvers import actions
from resolvers._types import Info
from schema.ids import encode_global_id


@strawberry.enum
class ActionKind(Enum):
    PAY_INVOICE = "pay_invoice"
    UPLOAD_DOCUMENT = "upload_document"
    SIGN_FORM = "sign_form"
    PROVIDE_INFORMATION = "provide_information"
    ANSWER_TICKET = "answer_ticket"


@strawberry.enum(description="Which kind of object an action item comes from.")
class ActionSource(Enum):
    INVOICE = "invoice"
    CASE = "case"
    TICKET = "ticket"


@strawberry.type
class ActionItem:
    kind: ActionKind
    title: str
    due_on: date | None
    overdue: bool
    source: ActionSource
    source_id: strawberry.ID = strawberry.field(
        description="Global id of the invoice, case or ticket; pass it to `node(id:)`."
    )


async def resolve_action_items(info: Info) -> list[ActionItem | None]:
    """Entries are null where a source could not be read; `errors[]` says which and why."""
    out: list[ActionItem | None] = []
    for item in await actions.action_items(info):
        if isinstance(item, ConnectorError):
            # graphql-core turns an exception in a list position into a null entry plus an
            # error at that path, so the other sources' items are still delivered.
            out.append(item)  # type: ignore[arg-type]
            continue
        out.append(
            ActionItem(
                kind=ActionKind(item.kind.value),
                title=item.title,
                due_on=item.due_on,
                overdue=item.overdue,
                source=ActionSource(item.source.value),
                source_id=strawberry.ID(encode_global_id(item.source_type, item.source_id)),
            )
        )
    return out
