"""TokenCache: one identity-provider request per key until shortly before expiry."""

from __future__ import annotations

import asyncio

import pytest

from sso.token_cache import TokenCache
from sso.token_endpoint import TokenEndpointError, TokenGrant


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_concurrent_misses_share_one_request_and_later_calls_hit() -> None:
    clock = Clock()
    cache = TokenCache(margin_s=30, clock=clock)
    calls = 0

    async def fetch() -> TokenGrant:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return TokenGrant(access_token=f"t{calls}", expires_at=clock.now + 300)

    tokens = await asyncio.gather(*(cache.get("k", fetch) for _ in range(20)))
    assert set(tokens) == {"t1"}
    assert await cache.get("k", fetch) == "t1"
    assert calls == 1 == cache.requests


async def test_a_token_is_renewed_a_margin_before_it_expires() -> None:
    clock = Clock()
    cache = TokenCache(margin_s=30, clock=clock)
    issued = 0

    async def fetch() -> TokenGrant:
        nonlocal issued
        issued += 1
        return TokenGrant(access_token=f"t{issued}", expires_at=clock.now + 300)

    assert await cache.get("k", fetch) == "t1"
    clock.now += 269
    assert await cache.get("k", fetch) == "t1"
    clock.now += 2  # 29 s left: inside the margin
    assert await cache.get("k", fetch) == "t2"


async def test_a_short_lived_token_is_kept_for_half_its_life() -> None:
    clock = Clock()
    cache = TokenCache(margin_s=30, clock=clock)

    async def fetch() -> TokenGrant:
        return TokenGrant(access_token="short", expires_at=clock.now + 20)

    await cache.get("k", fetch)
    clock.now += 9
    assert cache.requests == 1 and await cache.get("k", fetch) == "short"
    assert cache.requests == 1
    clock.now += 2
    await cache.get("k", fetch)
    assert cache.requests == 2


async def test_a_failed_request_is_raised_to_every_waiter_and_not_cached() -> None:
    cache = TokenCache()

    async def fail() -> TokenGrant:
        await asyncio.sleep(0.01)
        raise TokenEndpointError("invalid_client", 401)

    results = await asyncio.gather(
        *(cache.get("k", fail) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(r, TokenEndpointError) for r in results)
    with pytest.raises(TokenEndpointError):
        await cache.get("k", fail)
    assert cache.requests == 2


async def test_old_entries_are_evicted_beyond_the_bound() -> None:
    cache = TokenCache(max_entries=2)

    async def fetch() -> TokenGrant:
        return TokenGrant(access_token="t", expires_at=10**12)

    for key in ("a", "b", "c"):
        await cache.get(key, fetch)
    await cache.get("a", fetch)
    assert cache.requests == 4


async def test_a_caller_that_gives_up_does_not_cancel_the_request_others_wait_on() -> None:
    cache = TokenCache()
    release = asyncio.Event()

    async def fetch() -> TokenGrant:
        await release.wait()
        return TokenGrant(access_token="shared", expires_at=10**12)

    first = asyncio.create_task(cache.get("k", fetch))  # its miss starts the request
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.get("k", fetch))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    release.set()
    assert await second == "shared"
    assert await cache.get("k", fetch) == "shared"
    assert cache.requests == 1
