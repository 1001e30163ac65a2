"""The readiness watch's probe: it closes an open breaker only with news newer than the opening."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from connectors.base import Health
from gateway.data.breaker import Breaker
from gateway.data.readiness import Readiness


class _SlowHealth:
    """A connector whose health probe answers "up" when the test lets it."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.answer = asyncio.Event()

    async def health(self) -> Health:
        self.asked.set()
        await self.answer.wait()
        return Health("up", 5.0)


class _Sources:
    """What Readiness reads of Sources: one breaker, no customer outcome, the timeout."""

    def __init__(self, breaker: Breaker) -> None:
        self._breaker = breaker
        self.registry = SimpleNamespace(connectors={"crm": SimpleNamespace(timeout_s=2.0)})

    def breaker(self, name: str) -> Breaker:
        return self._breaker

    def last_outcome(self, name: str) -> None:
        return None


def _readiness(connector: _SlowHealth, breaker: Breaker) -> Readiness:
    sources: Any = _Sources(breaker)
    return Readiness(
        {"crm": connector},  # type: ignore[dict-item]
        sources,
        interval_s=1.0,
        recovery_interval_s=0.1,
        window_s=10.0,
    )


async def test_a_probe_sent_before_the_breaker_opened_does_not_close_it() -> None:
    breaker = Breaker(failures=1, reset_s=30.0)
    connector = _SlowHealth()
    probe = asyncio.create_task(_readiness(connector, breaker)._probe("crm"))
    await connector.asked.wait()

    breaker.record_failure("UPSTREAM_TIMEOUT")  # customers' calls fail while it is asked
    connector.answer.set()
    await probe

    assert breaker.state == "open"


async def test_a_probe_sent_while_open_closes_it() -> None:
    breaker = Breaker(failures=1, reset_s=30.0)
    breaker.record_failure("UPSTREAM_TIMEOUT")
    connector = _SlowHealth()
    connector.answer.set()

    await _readiness(connector, breaker)._probe("crm")

    assert breaker.state == "closed"
