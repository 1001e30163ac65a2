"""Per-request DataLoaders, one per capability, so batching never crosses requests or users.

Resolvers call `loaders.load("orders_by_customer", key)` or ask for the viewer's key in
the owner's system with `viewer_key(capability)`; they never learn which portal that is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from connectors.capabilities import Key
from connectors.principal import Principal
from connectors.records import LinkRecord, Record
from gateway.data.connector_calls import FROM_CACHE, ConnectorCalls, outcome_of
from gateway.data.sources import Result, Sources
from gateway.metrics import UpstreamWait

__all__ = ["LoaderSet"]


class LoaderSet:
    """Lazily builds one DataLoader per capability for one request and one principal."""

    def __init__(
        self,
        sources: Sources,
        principal: Principal | None,
        deadline: float,
        wait: UpstreamWait | None = None,
        calls: ConnectorCalls | None = None,
    ) -> None:
        self._sources = sources
        # The request's time spent on the data plane, for the gateway-overhead metric.
        self._wait = wait or UpstreamWait()
        # Each load and write with its owner and outcome, for the request's access line.
        self._calls = calls or ConnectorCalls()
        self._principal = principal
        self._deadline = deadline
        self._loaders: dict[str, DataLoader[Key, Record]] = {}
        # What this request read and whether it wrote, for the response cache.
        self._used: set[str] = set()
        self._wrote = False

    def _loader(self, capability: str) -> DataLoader[Key, Record]:
        loader = self._loaders.get(capability)
        if loader is None:
            if self._sources.registry.capabilities[capability].kind == "write":
                raise ValueError(f"{capability} is a write capability")

            async def load_fn(keys: Sequence[Key], capability: str = capability) -> list[Result]:
                owner = self._sources.registry.owner(capability)
                with self._wait.measuring(), self._calls.timing(owner, capability) as outcome:
                    results = await self._sources.load(
                        capability, keys, self._principal, self._deadline, outcome
                    )
                    if outcome.value != FROM_CACHE:
                        outcome.value = outcome_of(results)
                    return results

            loader = DataLoader(load_fn=load_fn)
            self._loaders[capability] = loader
        return loader

    def serves(self, capability: str) -> bool:
        """True when the registry has an owner for `capability` (optional ones may not)."""
        return capability in self._sources.registry.owners

    async def load(self, capability: str, key: Key) -> Record:
        """The record for `key`; raises the connector's error if it could not be loaded."""
        self._used.add(capability)
        return await self._loader(capability).load(key)

    @property
    def used_capabilities(self) -> frozenset[str]:
        """Every capability this request loaded (identity-link lookups included)."""
        return frozenset(self._used)

    @property
    def wrote(self) -> bool:
        """True once this request has sent a write to an owner."""
        return self._wrote

    def prime(self, capability: str, key: Key, record: Record) -> None:
        """Replace what this request has for `key` (after a write, so reads see the change)."""
        self._loader(capability).prime(key, record, force=True)

    def forget(self, capability: str, key: Key) -> None:
        """Drop what this request loaded for `key`, so the next load asks the owner again."""
        loader = self._loader(capability)
        # DataLoader.clear raises KeyError for a key it never loaded.
        if loader.cache_map.get(key) is not None:
            loader.clear(key)

    async def viewer_key(self, capability: str) -> str | None:
        """The viewer's id in the system that owns `capability`, or None if they have none.

        Ids come from the token's identity links; a link configured as a lookup is loaded
        through its own capability, once per request (the DataLoader remembers it).
        """
        principal = self._principal
        if principal is None:
            return None
        owner = self._sources.registry.owner(capability)
        if owner in principal.links:
            return principal.links[owner]
        link = self._sources.registry.links.get(owner)
        if link is None or link.lookup is None or link.from_ is None:
            return None
        source_key = principal.links.get(link.from_)
        if source_key is None:
            return None
        record = await self.load(link.lookup, source_key)
        assert isinstance(record, LinkRecord)
        return record.value

    async def write(self, capability: str, key: str, payload: Mapping[str, Any]) -> Record:
        """Apply a write through the owner and prime the reads it changes."""
        owner = self._sources.registry.owner(capability)
        self._wrote = True
        with self._wait.measuring(), self._calls.timing(owner, capability):
            record = await self._sources.write(
                capability, key, payload, self._principal, self._deadline
            )
        capabilities = self._sources.registry.capabilities
        for stale in capabilities[capability].invalidates:
            if isinstance(record, capabilities[stale].record):
                self.prime(stale, key, record)
            else:
                self.forget(stale, key)
        return record
