"""Rate limits per principal, counted by the `limits` library in memory or in Redis.

    /graphql     key: the principal (an employee acting for a customer: the employee),
                      or the client address when authentication failed
                 limits: `rate_limit` on every request, plus `rate_limit_per_operation`
                         for each root field the document selects (`openTicket`, ...)
    /auth/login  key: the client address; limit: `login_rate_limit`

A refused request is a 429 with `Retry-After` (seconds until the window lets one more
through) and `extensions.code` RATE_LIMITED. With the Redis backend every replica counts
in the same windows. Counting uses the sliding window counter: two counters per key,
no burst of twice the limit at a window edge. Keys are SHA-256 digests, so Redis never
holds a subject or an address. If the store fails, requests are let through and a
warning is logged: an outage of the limiter must not become an outage of the gateway.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool
from starlette.requests import Request
from starlette.responses import JSONResponse

from config.settings import Settings
from connectors.errors import ErrorCode
from connectors.principal import Principal
from gateway.middleware.root_fields import root_fields

__all__ = ["RateLimitPolicy", "RateLimits"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    """The limits in force; an empty tuple means no limit."""

    every_request: tuple[RateLimitItem, ...] = ()
    per_root_field: Mapping[str, tuple[RateLimitItem, ...]] = field(default_factory=dict)
    login: tuple[RateLimitItem, ...] = ()
    max_tokens: int = 2000

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimitPolicy:
        return cls(
            every_request=_items(settings.rate_limit),
            per_root_field={
                name: _items(limit) for name, limit in settings.rate_limit_per_operation.items()
            },
            login=_items(settings.login_rate_limit),
            max_tokens=settings.max_tokens,
        )


def _items(notation: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(notation)) if notation else ()


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _principal_key(principal: Principal) -> str:
    """Employees acting for customers are counted as themselves, not as each customer."""
    subject = principal.actor.subject if principal.actor is not None else principal.subject
    return "sub:" + _digest(principal.issuer, subject)


def _address_key(request: Request) -> str:
    # uvicorn already puts X-Forwarded-For's client here when the peer is a trusted proxy
    # (its `forwarded_allow_ips`); nothing else rewrites it.
    host = request.client.host if request.client else "unknown"
    return "addr:" + _digest(host)


class RateLimits:
    """Decides whether a request may proceed; built once per process in the runtime.

    The `check_*` methods (called by `gateway.middleware.rate_limit` and, for root
    fields, by the GraphQL endpoint) return the 429 response to send, or None to carry on. They
    never raise for a failing store (see the module docstring).
    """

    def __init__(
        self, storage: Storage, policy: RateLimitPolicy, pool: ConnectionPool | None = None
    ) -> None:
        self._storage = storage
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._policy = policy
        self._pool = pool

    @classmethod
    def memory(cls, policy: RateLimitPolicy) -> RateLimits:
        return cls(MemoryStorage(), policy)

    @classmethod
    def redis(cls, url: str, policy: RateLimitPolicy, *, prefix: str = "pg") -> RateLimits:
        """Counters in Redis (keys `<prefix>:rate:...`), through the redis-py client."""
        pool = ConnectionPool.from_url(url)
        # Our own pool, so that aclose() can release its connections (the storage has no
        # close); `limits` documents `connection_pool` but types its options as scalars.
        client_options: dict[str, Any] = {"connection_pool": pool}
        storage = RedisStorage(
            "async+" + url,
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix=f"{prefix}:rate",
            **client_options,
        )
        return cls(storage, policy, pool)

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        policy = RateLimitPolicy.from_settings(settings)
        if settings.rate_limit_backend == "redis":
            url = settings.redis_url.get_secret_value()
            return cls.redis(url, policy, prefix=settings.redis_prefix)
        return cls.memory(policy)

    async def check_request(
        self, request: Request, principal: Principal | None, media_type: str
    ) -> JSONResponse | None:
        """Count one GraphQL request: by principal, or by address when `principal` is None."""
        key = _address_key(request) if principal is None else _principal_key(principal)
        return await self._check("graphql", key, self._policy.every_request, media_type)

    async def check_root_fields(
        self, principal: Principal, document: str, operation_name: str | None, media_type: str
    ) -> JSONResponse | None:
        """Count the root fields `document` selects against their own limits, if any."""
        policy = self._policy
        if not policy.per_root_field:
            return None
        key = _principal_key(principal)
        selected = root_fields(document, operation_name, max_tokens=policy.max_tokens)
        for name in sorted(selected & policy.per_root_field.keys()):
            refused = await self._check(
                f"field:{name}", key, policy.per_root_field[name], media_type
            )
            if refused is not None:
                return refused
        return None

    async def check_login(self, request: Request) -> JSONResponse | None:
        """Count one browser sign-in start by client address."""
        return await self._check(
            "login", _address_key(request), self._policy.login, "application/json"
        )

    async def _check(
        self,
        scope: str,
        key: str,
        items: Sequence[RateLimitItem],
        media_type: str,
    ) -> JSONResponse | None:
        for item in items:
            try:
                if await self._limiter.hit(item, scope, key):
                    continue
                stats = await self._limiter.get_window_stats(item, scope, key)
            except StorageError as exc:
                failure = type(exc.storage_error).__name__
                logger.warning("rate limit store unavailable (%s); request let through", failure)
                return None
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            return _too_many_requests(retry_after, media_type)
        return None

    async def aclose(self) -> None:
        timer = getattr(self._storage, "timer", None)  # MemoryStorage's expiry task
        if timer is not None and not timer.done():
            timer.cancel()
        if self._pool is not None:
            await self._pool.aclose()


def _too_many_requests(retry_after: int, media_type: str) -> JSONResponse:
    message = f"Too many requests; retry after {retry_after} s."
    body = {"errors": [{"message": message, "extensions": {"code": str(ErrorCode.RATE_LIMITED)}}]}
    return JSONResponse(
        body,
        status_code=429,
        headers={"Retry-After": str(retry_after)},
        media_type=media_type,
    )
