"""The catalogue of capabilities, by name: what the schema needs, named for the customer.

Each capability is declared once, next to its record, in `connectors.records`; this
module indexes that list and holds the key types. Reads are batched by key; writes take
one key and a payload. Which connector serves a capability (its owner) is the registry's
decision, never the catalogue's.
"""

from __future__ import annotations

from typing import NamedTuple

from connectors.records import CATALOGUE, Capability, Record

__all__ = ["CAPABILITIES", "Capability", "Key", "PageKey"]


class PageKey(NamedTuple):
    """Key of a paged capability: the owner's id for the customer and a window."""

    id: str
    offset: int
    limit: int


Key = str | PageKey

CAPABILITIES: dict[str, Capability[Record]] = {c.name: c for c in CATALOGUE}
