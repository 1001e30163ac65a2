"""Connector kinds come from the entry-point group `portalgate.connectors`.

Our own kinds (`rest`, `demo.support_xml`) are registered the same way in pyproject.toml,
so a portal owner's package is found exactly like ours. Config never names a class.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from config.errors import ConfigError
from connectors.base import Connector

__all__ = ["ENTRY_POINT_GROUP", "discover_kinds"]

ENTRY_POINT_GROUP = "portalgate.connectors"


def discover_kinds() -> dict[str, type[Connector]]:
    """Load every registered connector kind; a name registered twice is a start-up error."""
    kinds: dict[str, type[Connector]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in kinds:
            raise ConfigError(
                None, f"entry point {ENTRY_POINT_GROUP}:{ep.name}", f"registered twice ({ep.value})"
            )
        loaded = ep.load()
        if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
            raise ConfigError(
                None, f"entry point {ENTRY_POINT_GROUP}:{ep.name}", "is not a Connector subclass"
            )
        kinds[ep.name] = loaded
    return kinds
