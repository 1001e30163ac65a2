"""Upstream access tokens kept until shortly before they expire; one request per miss.

Concurrent callers that miss the same key share the one in-flight token request
(`connectors.single_flight`), so a burst of requests never becomes a burst at the identity
provider, and a caller that gives up does not cancel the request the others wait on.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from connectors.single_flight import SingleFlight
from sso.token_endpoint import TokenGrant

__all__ = ["TokenCache"]


class TokenCache:
    """Maps a key (connector, and the user's token where it matters) to a live token."""

    def __init__(
        self,
        *,
        margin_s: float = 30.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._margin_s = margin_s
        self._max_entries = max_entries
        self._clock = clock
        # key ▶ (grant, when to renew it)
        self._tokens: OrderedDict[str, tuple[TokenGrant, float]] = OrderedDict()
        self._flights: SingleFlight[str, TokenGrant] = SingleFlight("portalgate.token_cache")
        self.requests = 0

    async def get(self, key: str, fetch: Callable[[], Awaitable[TokenGrant]]) -> str:
        """A token for `key`, from the cache or from one call of `fetch`."""
        cached = self._tokens.get(key)
        if cached is not None and self._clock() < cached[1]:
            self._tokens.move_to_end(key)
            return cached[0].access_token

        async def request() -> TokenGrant:
            self.requests += 1
            grant = await fetch()
            self._store(key, grant)
            return grant

        return (await self._flights.run(key, request)).access_token

    def _store(self, key: str, grant: TokenGrant) -> None:
        # Renew a margin before expiry, but never earlier than half the token's life, or
        # a short-lived token would be renewed on every call.
        life = grant.expires_at - self._clock()
        self._tokens[key] = (grant, grant.expires_at - min(self._margin_s, life / 2))
        self._tokens.move_to_end(key)
        while len(self._tokens) > self._max_entries:
            self._tokens.popitem(last=False)

    def forget(self, key: str, access_token: str | None = None) -> None:
        """Drop `key`'s token, so the next `get` fetches a new one (a portal refused it).

        With `access_token`, only while that is still the cached one: after concurrent
        calls were all refused the same token, the first forgets it, and the fresh token
        another call has fetched since is kept.
        """
        cached = self._tokens.get(key)
        if cached is not None and access_token in (None, cached[0].access_token):
            del self._tokens[key]
