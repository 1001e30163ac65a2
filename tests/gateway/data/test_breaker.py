"""Breaker: closed, open after N consecutive failures, half-open with one trial call."""

from __future__ import annotations

from gateway.data.breaker import Breaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def opened(clock: Clock, failures: int = 2, reset_s: float = 10.0) -> Breaker:
    breaker = Breaker(failures, reset_s, clock)
    for _ in range(failures):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "open"
    return breaker


def test_only_consecutive_failures_open_it() -> None:
    breaker = Breaker(2, 10.0, Clock())
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed" and breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()


def test_after_reset_s_it_is_half_open_and_lets_one_trial_through() -> None:
    clock = Clock()
    breaker = opened(clock)
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state == "half_open"
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # no second call while the trial runs
    assert not breaker.allow()


def test_a_successful_trial_closes_it() -> None:
    clock = Clock()
    breaker = opened(clock)
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed"
    assert breaker.allow() and breaker.allow()


def test_a_failed_trial_opens_it_again_for_a_full_reset_period() -> None:
    clock = Clock()
    breaker = opened(clock)
    clock.now += 10
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.state == "half_open" and breaker.allow()


def test_a_trial_that_never_reports_back_does_not_hold_it_half_open_forever() -> None:
    clock = Clock()
    breaker = opened(clock)
    clock.now += 10
    assert breaker.allow()  # this trial's call is cancelled: no success, no failure
    clock.now += 9.9
    assert not breaker.allow()
    clock.now += 0.1
    assert breaker.allow()  # a new trial
    breaker.record_success()
    assert breaker.state == "closed"


def test_a_probe_that_finds_the_portal_back_closes_it_on_probation() -> None:
    breaker = opened(Clock(), failures=3)
    breaker.recovered()
    assert breaker.state == "closed" and breaker.allow()
    breaker.record_failure()  # the API still fails: open again at once
    assert breaker.state == "open"
    breaker.recovered()
    breaker.record_success()  # a customer's call worked: probation is over
    breaker.record_failure()
    assert breaker.state == "closed"
