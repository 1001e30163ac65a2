"""The connector kinds a start-up may use, with their problems reported as `ConfigError`."""

from __future__ import annotations

from config.errors import ConfigError
from connectors.base import Connector
from connectors.kinds import KindError, discover_kinds

__all__ = ["load_kinds"]


def load_kinds() -> dict[str, type[Connector]]:
    """Every registered connector kind; an unusable entry point is a `ConfigError`."""
    try:
        return discover_kinds()
    except KindError as exc:
        raise ConfigError(None, f"entry point {exc.entry_point}", exc.problem) from None
