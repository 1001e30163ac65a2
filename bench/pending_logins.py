"""How long storing one pending login takes as pending logins pile up.

    python -m bench.pending_logins [--sizes 1000,30000] [--samples 500] [--redis URL]

Every anonymous `GET /auth/login` stores a pending login (state ▶ PKCE verifier, nonce,
return path, browser binding) until the browser comes back or it expires. The bench fills
a session store to each size, then times `--samples` more inserts and prints their p50
and p95. The cost of one insert should not grow with the number already pending.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time
from collections.abc import Sequence
from statistics import median, quantiles

from sso.memory_sessions import MemorySessionStore
from sso.redis_sessions import RedisSessionStore
from sso.sessions import LoginAttempt, SessionStore

_TTL_S = 600.0


def _attempt() -> LoginAttempt:
    return LoginAttempt(
        verifier=secrets.token_urlsafe(48),
        nonce=secrets.token_urlsafe(24),
        return_to="/auth/session",
        browser_hash=secrets.token_hex(32),
        issuer="https://issuer.example",
    )


async def _insert_ms(store: SessionStore, size: int, samples: int) -> list[float]:
    for _ in range(size):
        await store.put_login(secrets.token_urlsafe(24), _attempt(), _TTL_S)
    times = []
    for _ in range(samples):
        state, attempt = secrets.token_urlsafe(24), _attempt()
        started = time.perf_counter()
        await store.put_login(state, attempt, _TTL_S)
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _run(sizes: Sequence[int], samples: int, redis_url: str | None) -> None:
    print(f"bench.pending_logins  samples={samples}  backend={'redis' if redis_url else 'memory'}")
    for size in sizes:
        store: SessionStore
        if redis_url:
            store = RedisSessionStore.from_url(redis_url)
        else:
            store = MemorySessionStore(max_pending_logins=size + samples)
        try:
            times = await _insert_ms(store, size, samples)
        finally:
            await store.aclose()
        p95 = quantiles(times, n=20)[-1]
        print(f"  {size:>7} pending   insert p50 {median(times):8.3f} ms   p95 {p95:8.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000,30000")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--redis", default=None, help="a Redis URL whose database may be used")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    asyncio.run(_run(sizes, args.samples, args.redis))


if __name__ == "__main__":
    main()
