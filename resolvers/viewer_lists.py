"""Lists of the viewer's own objects (invoices, tickets, cases, ...), each declared once.

A `ViewerList` says which capability holds the list, where its items are in the record
and what identifies one item. From that one declaration come the list itself, `node(id:)`
for one item and, when it has a `to_do` rule, the item's action items; no resolver names
the capability a second time.

Ownership holds by construction: one item is looked up in the viewer's own list, never
fetched by id, so someone else's object is simply not in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from connectors.capabilities import Filters
from connectors.errors import ConnectorError
from connectors.records import Capability, Record
from resolvers._types import Info
from resolvers.actions import ActionItem
from resolvers.errors import IdentityLinkInvalid
from resolvers.viewer import viewer_record

__all__ = ["SourceFailure", "SourcedItem", "ViewerList", "action_items"]

_L = TypeVar("_L", bound=Record)
_I = TypeVar("_I")


@dataclass(frozen=True, slots=True, eq=False)
class ViewerList(Generic[_L, _I]):
    """A capability the viewer reads as a list of their own objects.

    `to_do` turns the loaded items into action items (see resolvers/actions.py); a list
    without one contributes nothing to `actionItems`. Compared by identity: each
    declaration is one source.
    """

    capability: Capability[_L]
    items: Callable[[_L], Sequence[_I]]
    item_id: Callable[[_I], str]
    to_do: Callable[[Sequence[_I], date], Sequence[ActionItem]] | None = None

    async def load(self, info: Info, filters: Filters = ()) -> list[_I]:
        """The viewer's items; empty when they have no id in the owner's system.

        `filters` (the capability's filter arguments) are passed to the owner, which may
        apply them; the caller applies them to the items either way.
        """
        record = await viewer_record(info, self.capability.name, self.capability.record, filters)
        return list(self.items(record)) if record is not None else []

    async def find(self, info: Info, raw_id: str) -> _I | None:
        """The viewer's item with `raw_id`, or None if their list has no such item."""
        return next((i for i in await self.load(info) if self.item_id(i) == raw_id), None)


SourcedItem = tuple["ViewerList[Any, Any]", ActionItem]
SourceFailure = ConnectorError | IdentityLinkInvalid
"""Why one source of action items could not be read: its portal, or the token's links."""


async def action_items(
    info: Info, lists: Sequence[ViewerList[Any, Any]], today: date | None = None
) -> list[SourcedItem | SourceFailure]:
    """Every list's action items, each with the list it came from, soonest due first.

    Each list is read through the same per-request loaders as its own field, so a
    dashboard that also asks for the lists makes no extra upstream call. A list that
    fails yields its error (after the items) instead of its items; the others still count.
    """
    today = today or date.today()
    sources = [lst for lst in lists if lst.to_do is not None]
    loaded = await asyncio.gather(*(lst.load(info) for lst in sources), return_exceptions=True)
    items: list[SourcedItem] = []
    failures: list[SourceFailure] = []
    for source, result in zip(sources, loaded, strict=True):
        if isinstance(result, SourceFailure):
            failures.append(result)
        elif isinstance(result, BaseException):
            raise result
        elif source.to_do is not None:
            items += [(source, item) for item in source.to_do(result, today)]
    items.sort(key=lambda s: (s[1].due_on is None, s[1].due_on or today, s[1].title))
    return [*items, *failures]
