"""`actionItems`: one list of what the customer must do, from every declared source.

The sources are the viewer's lists whose `ViewerList` has a `to_do` rule; the field is
built from the declarations (see schema/build.py), and its cost is one per source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import strawberry
from strawberry.types.field import StrawberryField

from resolvers import actions, viewer_lists
from resolvers._types import Info
from resolvers.viewer_lists import SourceFailure, ViewerList
from schema.declarations import ListField, type_name
from schema.directives import Cost
from schema.ids import encode_global_id

__all__ = ["ActionItem", "ActionKind", "ActionSource", "action_items_field"]

# The resolvers' enums are the schema's: a new kind or source is written once, next to
# the rule that makes it.
ActionKind = strawberry.enum(actions.ActionKind, name="ActionKind")
ActionSource = strawberry.enum(
    actions.ActionSource,
    name="ActionSource",
    description="Which kind of object an action item comes from.",
)


@strawberry.type
class ActionItem:
    kind: actions.ActionKind
    title: str
    due_on: date | None
    overdue: bool
    source: actions.ActionSource
    source_id: strawberry.ID = strawberry.field(
        description="Global id of the invoice, case or ticket; pass it to `node(id:)`."
    )


def action_items_field(lists: Sequence[ListField[Any]]) -> StrawberryField:
    """`viewer.actionItems` over every list in `lists` that has a `to_do` rule."""
    node_types: dict[ViewerList[Any, Any], str] = {
        lst.source: type_name(lst.view) for lst in lists if lst.source.to_do is not None
    }
    sources = list(node_types)

    async def action_items(info: Info) -> list[ActionItem | None]:
        """Entries are null where a source could not be read; `errors[]` says which and why."""
        out: list[ActionItem | None] = []
        for entry in await viewer_lists.action_items(info, sources):
            if isinstance(entry, SourceFailure):
                # graphql-core turns an exception in a list position into a null entry
                # plus an error at that path, so the other sources' items are delivered.
                out.append(entry)  # type: ignore[arg-type]
                continue
            source, item = entry
            out.append(
                ActionItem(
                    kind=item.kind,
                    title=item.title,
                    due_on=item.due_on,
                    overdue=item.overdue,
                    source=item.source,
                    source_id=strawberry.ID(encode_global_id(node_types[source], item.source_id)),
                )
            )
        return out

    made = strawberry.field(
        resolver=action_items,
        description="What the customer must do, soonest due first.",
        # Each source is a capability read, possibly from its own portal.
        directives=[Cost(weight=str(len(sources)))],
    )
    assert isinstance(made, StrawberryField)
    return made
