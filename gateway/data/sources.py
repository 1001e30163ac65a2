"""Every connector call goes through here, once: cache, in-flight dedup, breaker, timeout, retry.

    Sources.load(capability, keys, principal, deadline)
      ─▶ record cache (per principal unless `scope: public`)
      ─▶ in-flight dedup (identical keys already being fetched by another request)
      ─▶ breaker (the owner keeps failing? fail fast)
      ─▶ asyncio.timeout(min(connector timeout, time left)) ─▶ owner.fetch(...)
      ─▶ retry UPSTREAM_UNAVAILABLE reads while time is left
      ◀─ records or ConnectorError per key, in key order

Connectors never see any of this; they only translate their own failures.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from opentelemetry.trace import Status, StatusCode, Tracer

from config.registry import Registry
from connectors.base import Connector
from connectors.capabilities import CAPABILITIES, Key
from connectors.errors import ConnectorError, ConnectorTimeout, ConnectorUnavailable
from connectors.principal import Principal
from connectors.records import Record
from connectors.single_flight import SingleFlight
from gateway.data.breaker import Breaker, Transition, log_transition
from gateway.data.connector_history import ConnectorHistories
from gateway.data.invalidation import Invalidation, InvalidationHub
from gateway.data.outcomes import Outcome, Outcomes
from gateway.data.record_cache import RecordCache
from gateway.metrics import Metrics

__all__ = ["Result", "Sources"]

Result = Record | ConnectorError
_T = TypeVar("_T")
_RETRY_BASE_S = 0.05


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
        self._clock = clock
        self._metrics = metrics or Metrics()
        self._history = history or ConnectorHistories(clock=clock)
        self._breakers = {
            name: Breaker(
                spec.breaker.failures,
                spec.breaker.reset_s,
                clock,
                connector=name,
                on_transition=self._transitioned,
            )
            for name, spec in registry.connectors.items()
        }
        # Retry jitter only spreads load; it needs no cryptographic randomness.
        self._jitter = random.Random()  # noqa: S311
        self._outcomes = Outcomes(clock)
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
        return self._breakers[connector]

    def last_outcome(self, connector: str) -> Outcome | None:
        """What the latest customer call to `connector` met (for readiness)."""
        return self._outcomes.latest(connector)

    @property
    def history(self) -> ConnectorHistories:
        """Each connector's recent calls, errors and breaker transitions (status page)."""
        return self._history

    def breaker_states(self) -> dict[str, str]:
        """Each connector's breaker state now (read by the metrics at scrape time)."""
        return {name: breaker.state for name, breaker in self._breakers.items()}

    def _transitioned(self, transition: Transition) -> None:
        """A breaker changed state: one log line, one history entry, one count."""
        log_transition(transition)
        self._history.record_transition(transition)
        self._metrics.breaker_transition(transition.connector, transition.to_state)

    async def load(
        self,
        capability: str,
        keys: Sequence[Key],
        principal: Principal | None,
        deadline: float,
    ) -> list[Result]:
        """Records for `keys` in order; never raises for a connector failure, returns it."""
        owner = self._registry.owner(capability)
        with self._tracer.start_as_current_span("source.load") as span:
            span.set_attribute("portalgate.capability", capability)
            span.set_attribute("portalgate.connector", owner)
            span.set_attribute("portalgate.keys", len(keys))
            cached = await self._cache.get_many(capability, principal, keys)
            hits = sum(r is not None for r in cached)
            self._metrics.capability_load(capability, principal)
            if self._cache.enabled(capability):
                span.set_attribute("portalgate.cache.hit", hits)
                span.set_attribute("portalgate.cache.miss", len(keys) - hits)
                self._metrics.cache_lookup(capability, hits, len(keys) - hits)
            results: list[Result | None] = list(cached)
            missing = [k for k, r in zip(keys, cached, strict=True) if r is None]
            if missing:
                fetched = await self._fetch_deduplicated(
                    capability, owner, missing, principal, deadline
                )
                for index, record in enumerate(results):
                    if record is None:
                        results[index] = fetched[keys[index]]
            return [r for r in results if r is not None]

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
    ) -> dict[Key, Result]:
        scope = self._scope(capability, principal)

        async def fetch(flights: Sequence[tuple[str, str, Key]]) -> list[Result]:
            mine = [key for _, _, key in flights]
            fetched = await self._fetch_guarded(capability, owner, mine, principal, deadline)
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
    ) -> list[Result]:
        connector = self._connectors[owner]

        async def call() -> Sequence[Result]:
            return await connector.fetch(capability, keys, principal)

        try:
            results = await self._guarded(owner, capability, call, len(keys), deadline, retry=True)
        except ConnectorError as exc:
            return [exc] * len(keys)
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

        record = await self._guarded(owner, capability, call, 1, deadline, retry=False)
        for stale in CAPABILITIES[capability].invalidates:
            if self._registry.owners.get(stale) == owner:
                await self._cache.delete(stale, principal, key)
            public = self._scope(stale, principal) == "public"
            scope = None if public or principal is None else principal.cache_scope
            self._invalidations.publish(Invalidation(stale, (key,), scope))
        return record

    async def _guarded(
        self,
        owner: str,
        capability: str,
        call: Callable[[], Awaitable[_T]],
        batch: int,
        deadline: float,
        *,
        retry: bool,
    ) -> _T:
        spec = self._registry.connectors[owner]
        breaker = self._breakers[owner]
        attempts = 1 + (spec.retries if retry else 0)
        for attempt in range(1, attempts + 1):
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise ConnectorTimeout(
                    owner, f"{owner} was not called: the request ran out of time"
                )
            if not breaker.allow():
                raise ConnectorUnavailable(owner, f"{owner} is unavailable (circuit open)")
            with self._tracer.start_as_current_span("connector.fetch") as span:
                span.set_attribute("portalgate.connector", owner)
                span.set_attribute("portalgate.capability", capability)
                span.set_attribute("portalgate.batch_size", batch)
                span.set_attribute("portalgate.attempt", attempt)
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(min(spec.timeout_s, remaining)):
                        result = await call()
                except TimeoutError as exc:
                    error: ConnectorError = ConnectorTimeout(owner)
                    error.__cause__ = exc
                except ConnectorError as exc:
                    error = exc
                else:
                    self._observe(owner, capability, started)
                    breaker.record_success()
                    self._outcomes.record(owner, None)
                    return result
                self._observe(owner, capability, started, error)
                span.set_attribute("portalgate.error.code", str(error.code))
                span.set_status(Status(StatusCode.ERROR, str(error.code)))
            self._outcomes.record(owner, error.code)
            if isinstance(error, ConnectorUnavailable | ConnectorTimeout):
                breaker.record_failure(str(error.code))
            else:
                # The portal answered (bad data, rejection): it is up, whatever it said.
                breaker.record_success()
            if not (isinstance(error, ConnectorUnavailable) and attempt < attempts):
                raise error
            backoff = _RETRY_BASE_S * 2 ** (attempt - 1) * (0.5 + self._jitter.random())
            if self._clock() + backoff >= deadline:
                raise error
            await asyncio.sleep(backoff)
        raise AssertionError("unreachable")

    def _observe(
        self, owner: str, capability: str, started: float, error: ConnectorError | None = None
    ) -> None:
        """One attempt ended: into the metrics and the connector's history."""
        seconds = time.perf_counter() - started
        outcome = "ok" if error is None else str(error.code)
        self._metrics.connector_call(owner, capability, outcome, seconds)
        history = self._history.of(owner)
        history.record_call(outcome, seconds)
        if error is not None:
            history.record_error(capability, error)
