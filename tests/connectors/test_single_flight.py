"""SingleFlight: one run per key for concurrent callers, correct under cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from connectors.single_flight import SingleFlight


class Work:
    """Counts its runs and waits for `release` so callers can pile up on one flight."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, ...]] = []
        self.release = asyncio.Event()
        self.fail_with: BaseException | None = None

    async def one(self) -> str:
        values = await self.many(["k"])
        return values[0]

    async def many(self, keys: Sequence[str]) -> list[str]:
        self.runs.append(tuple(keys))
        run = len(self.runs)
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return [f"{key}#{run}" for key in keys]


async def started() -> None:
    """Let every task reach its first await."""
    for _ in range(3):
        await asyncio.sleep(0)


async def test_concurrent_callers_share_one_run() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    callers = [asyncio.create_task(flights.run("k", work.one)) for _ in range(10)]
    await started()
    work.release.set()
    assert set(await asyncio.gather(*callers)) == {"k#1"}
    assert work.runs == [("k",)]


async def test_a_cancelled_caller_does_not_cancel_the_work_others_wait_on() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    first = asyncio.create_task(flights.run("k", work.one))  # starts the work
    second = asyncio.create_task(flights.run("k", work.one))
    await started()
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    work.release.set()
    assert await second == "k#1"
    assert first.cancelled() and work.runs == [("k",)]


async def test_an_exception_reaches_every_waiter_and_the_key_is_forgotten() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    work.fail_with = LookupError("portal said no")
    callers = [asyncio.create_task(flights.run("k", work.one)) for _ in range(3)]
    await started()
    work.release.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results)
    assert not flights.in_flight("k")
    work.fail_with = None
    assert await flights.run("k", work.one) == "k#2"  # asked again, not the old failure


async def test_the_key_is_forgotten_once_the_work_is_done() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    work.release.set()
    assert await flights.run("k", work.one) == "k#1"
    assert not flights.in_flight("k")
    assert await flights.run("k", work.one) == "k#2"


async def test_keys_in_flight_are_joined_and_the_rest_fetched_in_one_call() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    early = asyncio.create_task(flights.run_many(["a", "b"], work.many))
    await started()
    late = asyncio.create_task(flights.run_many(["b", "c", "d", "c"], work.many))
    await started()
    work.release.set()
    assert await early == {"a": "a#1", "b": "b#1"}
    assert await late == {"b": "b#1", "c": "c#2", "d": "d#2"}
    assert work.runs == [("a", "b"), ("c", "d")]


async def test_aclose_cancels_running_work_for_its_waiters() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    caller = asyncio.create_task(flights.run("k", work.one))
    await started()
    await flights.aclose()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert not flights.in_flight("k")
    await flights.aclose()  # idempotent


async def test_work_cancelled_before_it_starts_releases_its_waiters() -> None:
    flights: SingleFlight[str, str] = SingleFlight()
    work = Work()
    caller = asyncio.create_task(flights.run("k", work.one))
    await asyncio.sleep(0)  # the caller has started the flight; the work has not run
    await flights.aclose()
    with pytest.raises(asyncio.CancelledError):
        await caller
    assert not flights.in_flight("k") and work.runs == []
