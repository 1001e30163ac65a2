"""The shared record cache: aiocache (memory or Redis), scoped to the principal by default.

In memory, an entry is the record itself: records are frozen pydantic models (tuples, no
mutable fields), so sharing one across requests is safe, and a hit costs no decoding and
no second validation; the only guard needed is that the value is exactly the
capability's record type (anything else is a miss). In Redis, an entry comes from outside
this process (another replica, another version): it is the record's JSON, validated back
into the record type, so it can never smuggle in another type, and its key carries the
layout version (`v2`), so entries of an older layout are never read.
Keys carry a hash of the principal's scope: one customer's entry is unreachable for
another, and no customer id is written into Redis in clear.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from aiocache import Cache, SimpleMemoryCache
from aiocache.serializers import NullSerializer, StringSerializer
from pydantic import ValidationError

from config.registry import CachePolicy
from connectors.capabilities import CAPABILITIES, Key
from connectors.principal import Principal
from connectors.records import Capability, Record

__all__ = ["RecordCache"]

_LAYOUT = "v2"  # of Redis entries; change it when the stored form changes


class RecordCache:
    """Get and set records per (capability, scope, key) with the capability's policy."""

    def __init__(
        self,
        backend: Any,
        policies: dict[str, CachePolicy],
        namespace: str,
        capabilities: Mapping[str, Capability[Record]] = CAPABILITIES,
        *,
        holds_records: bool = False,
    ) -> None:
        self._backend = backend
        self._policies = policies
        self._namespace = namespace
        # Where an entry's record type comes from: the registry's catalogue, so that
        # capabilities added by extensions or `data:` are cached like the built-ins.
        self._capabilities = capabilities
        # True: the backend keeps the record objects (in-process); False: their JSON.
        self._holds_records = holds_records

    @classmethod
    def memory(
        cls,
        policies: dict[str, CachePolicy],
        namespace: str = "pg",
        capabilities: Mapping[str, Capability[Record]] = CAPABILITIES,
    ) -> RecordCache:
        # timeout=0: a dict cannot hang; aiocache's default runs each call in wait_for.
        backend = SimpleMemoryCache(serializer=NullSerializer(), timeout=0)
        return cls(backend, policies, namespace, capabilities, holds_records=True)

    @classmethod
    def redis(
        cls,
        url: str,
        policies: dict[str, CachePolicy],
        namespace: str = "pg",
        capabilities: Mapping[str, Capability[Record]] = CAPABILITIES,
    ) -> RecordCache:
        backend = Cache.from_url(url)
        backend.serializer = StringSerializer()
        return cls(backend, policies, namespace, capabilities)

    def enabled(self, capability: str) -> bool:
        return capability in self._policies

    def _key(self, capability: str, principal: Principal | None, key: Key) -> str:
        policy = self._policies[capability]
        if policy.scope == "public":
            scope = "public"
        elif principal is None:
            raise ValueError("a principal-scoped cache entry needs a principal")
        else:
            scope = hashlib.sha256(principal.cache_scope.encode()).hexdigest()[:32]
        raw_key = "/".join(str(part) for part in key) if isinstance(key, tuple) else key
        digest = hashlib.sha256(raw_key.encode()).hexdigest()[:32]
        return f"{self._namespace}:{capability}:{_LAYOUT}:{scope}:{digest}"

    async def get_many(
        self, capability: str, principal: Principal | None, keys: Sequence[Key]
    ) -> list[Record | None]:
        """Cached records in key order (None where missing or unreadable)."""
        if not self.enabled(capability) or not keys:
            return [None] * len(keys)
        raw = await self._backend.multi_get([self._key(capability, principal, k) for k in keys])
        record_type = self._capabilities[capability].record
        if self._holds_records:
            return [value if type(value) is record_type else None for value in raw]
        out: list[Record | None] = []
        for value in raw:
            try:
                out.append(record_type.model_validate_json(value) if value else None)
            except ValidationError:
                out.append(None)  # written by an older version: treat as a miss
        return out

    async def set_many(
        self, capability: str, principal: Principal | None, pairs: Sequence[tuple[Key, Record]]
    ) -> None:
        if not self.enabled(capability) or not pairs:
            return
        ttl = self._policies[capability].ttl_s
        items = [
            (self._key(capability, principal, k), r if self._holds_records else r.model_dump_json())
            for k, r in pairs
        ]
        await self._backend.multi_set(items, ttl=ttl)

    async def delete(self, capability: str, principal: Principal | None, key: Key) -> None:
        if self.enabled(capability):
            await self._backend.delete(self._key(capability, principal, key))

    async def aclose(self) -> None:
        await self._backend.close()
