"""Every connector call goes through here, once: cache, in-flight dedup, breaker, timeout, retry.

    Sources.load(capability, keys, principal, deadline)
      ─▶ record cache (per principal unless `scope: public`)
      ─▶ in-flight dedup (identical keys already being fetched by another request)
      ─▶ OwnerGuard (gateway/data/guard.py): breaker, timeout, retry ─▶ owner.fetch(...)
      ◀─ records or ConnectorError per key, in key order

Connectors never see any of this; they only translate their own failures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry.trace import Span, Tracer

from config.registry import Registry
from connectors.base import Connector
from connectors.capabilities import Key
from connectors.errors import ConnectorError, ConnectorUnavailable
from connectors.principal import Principal
from connectors.records import Record
from connectors.single_flight import SingleFlight
from gateway.data.breaker import Breaker
from gateway.data.connector_calls import FROM_CACHE, CallOutcome
from gateway.data.connector_history import ConnectorHistories
from gateway.data.guard import OwnerGuard
from gateway.data.invalidation import Invalidation, InvalidationHub
from gateway.data.load_span import (
    BREAKER_STATE,
    RETRIES,
    cache_outcome,
    describe_load,
    load_attributes,
    write_span,
)
from gateway.data.outcomes import Outcome
from gateway.data.record_cache import RecordCache
from gateway.metrics import Metrics

__all__ = ["Result", "Sources"]

Result = Record | ConnectorError


class Sources:
    """The guarded way to a capability's owner; one instance per runtime, shared by requests."""

    def __init__(
        self,
        registry: Registry,
        connectors: Mapping[str, Connector],
        cache: RecordCache,
        tracer: Tracer,
        clock: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
        history: ConnectorHistories | None = None,
        invalidations: InvalidationHub | None = None,
    ) -> None:
        self._registry = registry
        self._invalidations = invalidations or InvalidationHub()
        self._connectors = connectors
        self._cache = cache
        self._tracer = tracer
        self._metrics = metrics or Metrics()
        self._guard = OwnerGuard(registry, clock, self._metrics, history)
        self._in_flight: SingleFlight[tuple[str, str, Key], Result] = SingleFlight(
            "portalgate.source.fetch"
        )

    @property
    def registry(self) -> Registry:
        return self._registry

    @property
    def invalidations(self) -> InvalidationHub:
        """Every write's invalidations, for the caches in front of the data plane."""
        return self._invalidations

    def breaker(self, connector: str) -> Breaker:
        return self._guard.breaker(connector)

    def last_outcome(self, connector: str) -> Outcome | None:
        """What the latest customer call to `connector` met (for readiness)."""
        return self._guard.last_outcome(connector)

    @property
    def history(self) -> ConnectorHistories:
        """Each connector's recent calls, errors and breaker transitions (status page)."""
        return self._guard.history

    def breaker_states(self) -> dict[str, str]:
        """Each connector's breaker state now (read by the metrics at scrape time)."""
        return self._guard.breaker_states()

    async def load(
        self,
        capability: str,
        keys: Sequence[Key],
        principal: Principal | None,
        deadline: float,
        outcome: CallOutcome | None = None,
    ) -> list[Result]:
        """Records for `keys` in order; never raises for a connector failure, returns it.
        `outcome`, given, is set to "cache" when every key came from the record cache."""
        owner = self._registry.owner(capability)
        attributes = load_attributes(capability, owner, len(keys))
        with self._tracer.start_as_current_span("source.load", attributes=attributes) as span:
            cached = await self._cache.get_many(capability, principal, keys)
            hits = sum(r is not None for r in cached)
            self._metrics.capability_load(capability, principal)
            cache_on = self._cache.enabled(capability)
            if cache_on:
                self._metrics.cache_lookup(capability, hits, len(keys) - hits)
            if outcome is not None and keys and hits == len(keys):
                outcome.value = FROM_CACHE
            results: list[Result | None] = list(cached)
            missing = [k for k, r in zip(keys, cached, strict=True) if r is None]
            if missing:
                fetched = await self._fetch_deduplicated(
                    capability, owner, missing, principal, deadline, span
                )
                for index, record in enumerate(results):
                    if record is None:
                        results[index] = fetched[keys[index]]
            loaded = [r for r in results if r is not None]
            if span.is_recording():
                describe_load(span, cache_outcome(cache_on, hits, len(keys)), loaded)
            return loaded

    def _scope(self, capability: str, principal: Principal | None) -> str:
        policy = self._registry.cache.get(capability)
        if policy is not None and policy.scope == "public":
            return "public"
        return principal.cache_scope if principal is not None else "anonymous"

    async def _fetch_deduplicated(
        self,
        capability: str,
        owner: str,
        keys: Sequence[Key],
        principal: Principal | None,
        deadline: float,
        span: Span,
    ) -> dict[Key, Result]:
        scope = self._scope(capability, principal)

        async def fetch(flights: Sequence[tuple[str, str, Key]]) -> list[Result]:
            mine = [key for _, _, key in flights]
            fetched = await self._fetch_guarded(capability, owner, mine, principal, deadline, span)
            fresh = [(k, r) for k, r in zip(mine, fetched, strict=True) if isinstance(r, Record)]
            await self._cache.set_many(capability, principal, fresh)
            return fetched

        shared = await self._in_flight.run_many(((capability, scope, k) for k in keys), fetch)
        return {key: result for (_, _, key), result in shared.items()}

    async def _fetch_guarded(
        self,
        capability: str,
        owner: str,
        keys: Sequence[Key],
        principal: Principal | None,
        deadline: float,
        span: Span,
    ) -> list[Result]:
        """The owner's answer for `keys`; notes on the load's `span` the breaker state the
        first call met and the retries (the calls `_guarded` made, less one)."""
        connector = self._connectors[owner]
        breaker = self._guard.breaker(owner)
        calls = 0

        async def call() -> Sequence[Result]:
            nonlocal calls
            if calls == 0 and span.is_recording():
                span.set_attribute(BREAKER_STATE, breaker.state)
            calls += 1
            return await connector.fetch(capability, keys, principal)

        try:
            results = await self._guard.call(owner, capability, call, deadline, retry=True)
        except ConnectorError as exc:
            return [exc] * len(keys)
        finally:
            if span.is_recording():
                if calls == 0:  # refused by the breaker, or out of time
                    span.set_attribute(BREAKER_STATE, breaker.state)
                span.set_attribute(RETRIES, max(0, calls - 1))
        if len(results) != len(keys):
            return [ConnectorUnavailable(owner, f"{owner} answered for the wrong keys")] * len(keys)
        return list(results)

    async def write(
        self,
        capability: str,
        key: str,
        payload: Mapping[str, Any],
        principal: Principal | None,
        deadline: float,
    ) -> Record:
        """Apply a write on the owner (never retried) and drop the reads it makes stale."""
        owner = self._registry.owner(capability)
        connector = self._connectors[owner]

        async def call() -> Record:
            return await connector.write(capability, key, payload, principal)

        with write_span(self._tracer, capability, owner):
            record = await self._guard.call(owner, capability, call, deadline, retry=False)
        for stale in self._registry.capabilities[capability].invalidates:
            if self._registry.owners.get(stale) == owner:
                await self._cache.delete(stale, principal, key)
            public = self._scope(stale, principal) == "public"
            scope = None if public or principal is None else principal.cache_scope
            self._invalidations.publish(Invalidation(stale, (key,), scope))
        return record
