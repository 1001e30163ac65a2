"""Concurrent callers asking for the same key share one run of the work.

    run_many(keys, work)
      key already in flight ─▶ wait for that flight's result
      the others            ─▶ one task runs work(those keys) for everyone who asks meanwhile
      done                  ─▶ every waiter gets the value or the exception; keys forgotten

The work runs in its own task and every waiter awaits it through `asyncio.shield`, so a
caller that is cancelled (its request gave up) never cancels what the others wait on.
Neither asyncio nor our dependencies offer this (aiocache's stampede lock re-reads a cache
and shares no exceptions), so it is written once here, at the lowest layer that needs it:
the data plane's in-flight dedup, the upstream token cache and the JWKS refresh use it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from functools import partial
from typing import Generic, TypeVar

__all__ = ["SingleFlight"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """In-flight work by key; one instance per thing deduplicated, owned by its user."""

    def __init__(self, name: str = "portalgate.single_flight") -> None:
        self._name = name
        self._flights: dict[K, asyncio.Future[V]] = {}
        self._tasks: set[asyncio.Task[Sequence[V]]] = set()

    def in_flight(self, key: K) -> bool:
        """True while work for `key` runs."""
        return key in self._flights

    async def run(self, key: K, work: Callable[[], Awaitable[V]]) -> V:
        """The value of `work()`, run once for all concurrent callers with `key`."""

        async def one(_keys: Sequence[K]) -> Sequence[V]:
            return [await work()]

        return (await self.run_many([key], one))[key]

    async def run_many(
        self, keys: Iterable[K], work: Callable[[Sequence[K]], Awaitable[Sequence[V]]]
    ) -> dict[K, V]:
        """A value per distinct key; keys nobody is fetching go to one call of `work`.

        `work(keys)` returns one value per key, in order. An exception it raises reaches
        every caller waiting on one of its keys.
        """
        waiting: dict[K, asyncio.Future[V]] = {}
        mine: list[K] = []
        for key in dict.fromkeys(keys):
            flight = self._flights.get(key)
            if flight is None:
                mine.append(key)
            else:
                waiting[key] = flight
        if mine:
            loop = asyncio.get_running_loop()
            futures = [loop.create_future() for _ in mine]
            for key, future in zip(mine, futures, strict=True):
                self._flights[key] = waiting[key] = future
            task = asyncio.create_task(self._settle(mine, futures, work), name=self._name)
            self._tasks.add(task)
            task.add_done_callback(partial(self._finished, mine, futures))
        return {key: await asyncio.shield(future) for key, future in waiting.items()}

    async def _settle(
        self,
        keys: list[K],
        futures: list[asyncio.Future[V]],
        work: Callable[[Sequence[K]], Awaitable[Sequence[V]]],
    ) -> Sequence[V]:
        try:
            values = await work(keys)
            if len(values) != len(keys):
                raise ValueError(f"work returned {len(values)} values for {len(keys)} keys")
        except BaseException as exc:
            for future in futures:
                if isinstance(exc, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(exc)
                    future.exception()  # retrieved here, so no waiter-less warning
            raise
        else:
            for future, value in zip(futures, values, strict=True):
                future.set_result(value)
            return values
        finally:
            self._forget(keys, futures)

    def _finished(
        self, keys: list[K], futures: list[asyncio.Future[V]], task: asyncio.Task[Sequence[V]]
    ) -> None:
        # A task cancelled before its first step never ran `_settle`: settle for it.
        self._tasks.discard(task)
        for future in futures:
            if not future.done():
                future.cancel()
        self._forget(keys, futures)
        if not task.cancelled():
            task.exception()  # every waiter has it; do not log it as never retrieved

    def _forget(self, keys: list[K], futures: list[asyncio.Future[V]]) -> None:
        for key, future in zip(keys, futures, strict=True):
            if self._flights.get(key) is future:
                del self._flights[key]

    async def aclose(self) -> None:
        """Cancel work still running (at shutdown); waiters see CancelledError. Idempotent."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
