"""Invalidation events: what changed, for whom, delivered in-process to every subscriber.

    Sources.write ─▶ Invalidation(capability, keys, scope) ─▶ InvalidationHub.publish
                                                             ─▶ each listener, in order

A listener is called synchronously inside `publish`, so by the time a write returns to its
resolver every subscriber (the response cache) has seen it. This is the minimal in-process
hub; webhooks and other replicas' events are published into the same hub.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Invalidation", "InvalidationHub", "Invalidations"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invalidation:
    """Records of `capability` changed: for `keys` (None: any key), in `scope` (a
    principal's `cache_scope`; None: every scope, as for a `scope: public` capability)."""

    capability: str
    keys: tuple[str, ...] | None
    scope: str | None


class Invalidations(Protocol):
    """Where invalidation events can be subscribed to."""

    def subscribe(self, listener: Callable[[Invalidation], None]) -> None: ...


class InvalidationHub:
    """Delivers each published invalidation to every listener, in subscription order."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[Invalidation], None]] = []

    def subscribe(self, listener: Callable[[Invalidation], None]) -> None:
        self._listeners.append(listener)

    def publish(self, invalidation: Invalidation) -> None:
        """Tell every listener; one failing listener neither stops the others nor the write."""
        for listener in self._listeners:
            try:
                listener(invalidation)
            except Exception:
                logger.exception("invalidation listener failed for %s", invalidation.capability)
