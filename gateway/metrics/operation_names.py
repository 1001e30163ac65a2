"""Operation names as a bounded label: clients choose them, so they could grow without end."""

from __future__ import annotations

__all__ = ["OperationNames"]

ANONYMOUS = "anonymous"
OTHER = "other"
_MAX_NAME_LENGTH = 64


class OperationNames:
    """The first `limit` distinct names of executed operations keep their own label value;
    every later one, and every name of a refused document, is folded into "other"."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._known: set[str] = set()

    def label(self, name: str | None, *, admit: bool) -> str:
        """The label value for `name`; `admit` lets a name not seen before take a place."""
        if name is None:
            return ANONYMOUS
        if name in self._known:
            return name
        if admit and len(self._known) < self._limit and len(name) <= _MAX_NAME_LENGTH:
            self._known.add(name)
            return name
        return OTHER
