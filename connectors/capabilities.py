"""The catalogue of capabilities, by name: what the schema needs, named for the customer.

Each built-in capability is declared once, next to its record, in `connectors.records`;
this module indexes that list and holds the key types. Reads are batched by key; writes
take one key and a payload. Which connector serves a capability (its owner) is the
registry's decision, never the catalogue's.

A gateway's own catalogue is `catalogue(extra)`: the built-ins plus the capabilities
installed packages add (entry points, gateway/extensions.py) and those the registry
declares (`data:`, config/extensions.py). The registry holds it (`Registry.capabilities`);
connector configs that need a capability's record read it from pydantic's validation
context under `CATALOGUE_CONTEXT`, so nothing here changes after import.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from connectors.records import CATALOGUE, Capability, Record

__all__ = [
    "CAPABILITIES",
    "CATALOGUE_CONTEXT",
    "Capability",
    "Filters",
    "Key",
    "ListKey",
    "PageKey",
    "catalogue",
    "filters_of",
]


class PageKey(NamedTuple):
    """Key of a paged capability: the owner's id for the customer and a window."""

    id: str
    offset: int
    limit: int


# Filter arguments: each filter's name and the record values asked for, both sorted, so
# that equal filters make one key (and one cache entry).
Filters = tuple[tuple[str, tuple[str, ...]], ...]


def filters_of(**asked: Iterable[str] | None) -> Filters:
    """The filters asked for, normalised; a filter given as None or empty is not asked."""
    return tuple(
        (name, tuple(sorted({str(v) for v in values})))
        for name, values in sorted(asked.items())
        if values
    )


class ListKey(NamedTuple):
    """Key of a list capability read with filter arguments (its `filters` in the catalogue).

    A connector may apply the filters itself (the REST kind's `arguments`) or ignore
    them: the gateway applies them to what it gets back either way. It must never answer
    with less than the filters ask for. Without filters the key is the plain id.
    """

    id: str
    filters: Filters


Key = str | PageKey | ListKey

CAPABILITIES: Mapping[str, Capability[Record]] = MappingProxyType({c.name: c for c in CATALOGUE})
"""The built-in capabilities (read-only)."""

CATALOGUE_CONTEXT = "portalgate.capabilities"
"""The key of the catalogue in the validation context a connector's `Config` receives."""


def catalogue(extra: Iterable[Capability[Record]] = ()) -> Mapping[str, Capability[Record]]:
    """The built-ins and `extra`, by name; ValueError names a capability declared twice."""
    found = dict(CAPABILITIES)
    for capability in extra:
        if capability.name in found:
            raise ValueError(f"capability {capability.name!r} is declared twice")
        found[capability.name] = capability
    return MappingProxyType(found)
