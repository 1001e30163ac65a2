"""Connector kinds come from the entry-point group `portalgate.connectors`.

Our own kinds (`rest`, `demo.support_xml`) are registered the same way in pyproject.toml,
so a portal owner's package is found exactly like ours. Config never names a class.
A kind that cannot be used raises `KindError`; `config.kinds` turns it into the
start-up's `ConfigError`, so the contract does not depend on the configuration.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from connectors.base import Connector

__all__ = ["ENTRY_POINT_GROUP", "KindError", "discover_kinds"]

ENTRY_POINT_GROUP = "portalgate.connectors"


class KindError(Exception):
    """An entry point of the group cannot serve as a connector kind."""

    def __init__(self, entry_point: str, problem: str) -> None:
        self.entry_point = entry_point
        self.problem = problem
        super().__init__(f"entry point {entry_point}: {problem}")


def discover_kinds() -> dict[str, type[Connector]]:
    """Load every registered connector kind; raises `KindError` for a name registered twice
    or an entry point that is not a `Connector` subclass."""
    kinds: dict[str, type[Connector]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        where = f"{ENTRY_POINT_GROUP}:{ep.name}"
        if ep.name in kinds:
            raise KindError(where, f"registered twice ({ep.value})")
        loaded = ep.load()
        if not (isinstance(loaded, type) and issubclass(loaded, Connector)):
            raise KindError(where, "is not a Connector subclass")
        kinds[ep.name] = loaded
    return kinds
