"""Whole GraphQL responses, stored as the exact bytes sent, dropped with their records.

    entry    {ns}:resp:v1:{scope}:{variant}   header line (JSON) + b"\\n" + response body
    marks    {ns}:resp:v1:mark:{scope}:{capability}  and  ...:mark:*:{capability}

An entry remembers the capabilities its response was computed from and the invalidation
marks of each (for its scope and for every scope) when it was stored. An invalidation of
(capability, scope) writes a new random mark; an entry whose marks no longer match is a
miss. Marks are tokens, not counters, so no two states can be confused, and in Redis they
are shared by every replica: a write on one replica makes the others miss too. This is
aiocache (memory or Redis, the record cache's choice) plus one extra key read per hit;
an index of entries per capability would need a set per capability and scope kept in step
with TTLs, for the same effect.

A TTL still bounds every entry: the smallest `ttl_s` of its capabilities.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from aiocache import Cache, SimpleMemoryCache
from aiocache.serializers import NullSerializer
from graphql import OperationType, get_operation_ast, parse

from config.registry import CachePolicy
from gateway.data.invalidation import Invalidation
from gateway.response_cache_key import ResponseKey, scope_digest

__all__ = ["CachedResponse", "ResponseCache"]

logger = logging.getLogger(__name__)

_VERSION = "v1"  # in every key: entries of another layout are never read
_EVERY_SCOPE = "*"
_KNOWN_OPERATIONS = 256


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A response ready to send: its body, media type and entity tag."""

    body: bytes
    media_type: str
    etag: str


def entity_tag(body: bytes) -> str:
    """A strong ETag: the same bytes, the same tag, on every replica."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class ResponseCache:
    """Looks up, stores and invalidates whole responses; one per runtime."""

    def __init__(self, backend: Any, policies: Mapping[str, CachePolicy], namespace: str) -> None:
        self._backend = backend
        self._policies = dict(policies)
        self._prefix = f"{namespace}:resp:{_VERSION}"
        self._epoch = 0  # invalidations seen by this process
        self._pending: set[asyncio.Task[None]] = set()
        # Operation types by (sha256 of the document, operation name): no document texts kept.
        self._operation_types: dict[tuple[str, str | None], bool] = {}

    @classmethod
    def memory(cls, policies: Mapping[str, CachePolicy], namespace: str = "pg") -> ResponseCache:
        # timeout=0: a dict cannot hang, and aiocache's default timeout runs every call
        # through asyncio.wait_for (a task per call, the largest cost of a hit).
        backend = SimpleMemoryCache(serializer=NullSerializer(), timeout=0)
        return cls(backend, policies, namespace)

    @classmethod
    def redis(
        cls, url: str, policies: Mapping[str, CachePolicy], namespace: str = "pg"
    ) -> ResponseCache:
        backend = Cache.from_url(url)
        backend.serializer = NullSerializer(encoding=None)  # bytes in, bytes out
        return cls(backend, policies, namespace)

    def cacheable(self, capabilities: Collection[str]) -> bool:
        """True when a response read from `capabilities` may be stored: it read at least
        one, and every one has a cache policy (so an invalidation or a TTL covers it)."""
        return bool(capabilities) and all(c in self._policies for c in capabilities)

    def is_query(self, query: str, operation_name: str | None) -> bool:
        """True when the operation is a query. Only asked after the document executed
        without errors, so it is known to be within the parser's limits."""
        known = (hashlib.sha256(query.encode()).hexdigest(), operation_name)
        answer = self._operation_types.get(known)
        if answer is None:
            operation = get_operation_ast(parse(query), operation_name)
            answer = operation is not None and operation.operation == OperationType.QUERY
            if len(self._operation_types) >= _KNOWN_OPERATIONS:
                del self._operation_types[next(iter(self._operation_types))]  # the oldest
            self._operation_types[known] = answer
        return answer

    @property
    def epoch(self) -> int:
        """Changes with every invalidation: a response computed across one is not stored."""
        return self._epoch

    def _entry_key(self, key: ResponseKey) -> str:
        return f"{self._prefix}:{key.scope}:{key.variant}"

    def _mark_keys(self, scope: str, capabilities: Collection[str]) -> list[str]:
        return [f"{self._prefix}:mark:{s}:{c}" for c in capabilities for s in (scope, _EVERY_SCOPE)]

    async def get(self, key: ResponseKey) -> CachedResponse | None:
        """The stored response, or None if missing, dropped by an invalidation or unreadable."""
        await self.settle()
        raw = await self._backend.get(self._entry_key(key))
        if not isinstance(raw, bytes):
            return None
        header_end = raw.find(b"\n")
        if header_end < 0:
            return None
        try:
            header = json.loads(raw[:header_end])
            capabilities, marks = header["capabilities"], header["marks"]
            response = CachedResponse(raw[header_end + 1 :], header["type"], header["etag"])
        except (ValueError, KeyError, TypeError):
            return None  # not an entry this version wrote: a miss
        if not isinstance(capabilities, list):
            return None
        current = await self._marks(key.scope, capabilities)
        return response if current == marks else None

    async def _marks(self, scope: str, capabilities: Collection[str]) -> list[str]:
        values = await self._backend.multi_get(self._mark_keys(scope, capabilities))
        return [v.decode() if isinstance(v, bytes) else "" for v in values]

    async def put(
        self,
        key: ResponseKey,
        capabilities: Collection[str],
        body: bytes,
        media_type: str,
        *,
        since_epoch: int,
    ) -> CachedResponse | None:
        """Store a response computed from `capabilities`; None when it may not be stored
        (a capability without policy, or an invalidation arrived while it was computed)."""
        if not self.cacheable(capabilities):
            return None
        await self.settle()
        if self._epoch != since_epoch:
            return None
        ordered = sorted(capabilities)
        marks = await self._marks(key.scope, ordered)
        if self._epoch != since_epoch:
            return None
        response = CachedResponse(body, media_type, entity_tag(body))
        header = {
            "capabilities": ordered,
            "marks": marks,
            "type": media_type,
            "etag": response.etag,
        }
        ttl = min(self._policies[c].ttl_s for c in ordered)
        await self._backend.set(
            self._entry_key(key), json.dumps(header).encode() + b"\n" + body, ttl=ttl
        )
        return response

    def invalidate(self, invalidation: Invalidation) -> None:
        """Drop every response of the invalidation's scope (every scope for None) that was
        computed from its capability. Subscribed to the data plane's invalidations; the
        marks are written in the background and `settle()` waits for them."""
        scope = _EVERY_SCOPE if invalidation.scope is None else scope_digest(invalidation.scope)
        self._epoch += 1
        mark = f"{self._prefix}:mark:{scope}:{invalidation.capability}"
        task = asyncio.get_running_loop().create_task(self._write_mark(mark))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write_mark(self, mark: str) -> None:
        try:
            await self._backend.set(mark, secrets.token_hex(8).encode())
        except Exception:
            # Entries then live until their TTL; logged, since reads may be stale until then.
            logger.exception("response cache: invalidation mark not written")

    async def settle(self) -> None:
        """Wait for the invalidations seen so far to be written (before a write's response
        is sent, and before any read), so no later request can be served what they drop."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def aclose(self) -> None:
        await self.settle()
        await self._backend.close()
