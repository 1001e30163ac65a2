"""The time one request spends waiting on the data plane, concurrent waits counted once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["UpstreamWait"]


class UpstreamWait:
    """Adds up the wall time during which at least one load of the request is outstanding.

    A dashboard loads several capabilities at once; summing their durations would count
    the same wait several times and make the gateway's own overhead negative.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._outstanding = 0
        self._since = 0.0
        self._total_s = 0.0

    @contextmanager
    def measuring(self) -> Iterator[None]:
        if self._outstanding == 0:
            self._since = self._clock()
        self._outstanding += 1
        try:
            yield
        finally:
            self._outstanding -= 1
            if self._outstanding == 0:
                self._total_s += self._clock() - self._since

    @property
    def total_s(self) -> float:
        """Waiting time so far, including a wait still under way."""
        if self._outstanding:
            return self._total_s + self._clock() - self._since
        return self._total_s
