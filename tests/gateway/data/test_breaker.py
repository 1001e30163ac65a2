"""Breaker: closed, open after N consecutive failures, half-open with one trial call."""

from __future__ import annotations

import logging

import pytest

from gateway.data.breaker import (
    CALL_ANSWERED,
    PROBE_ANSWERED,
    RESET_ELAPSED,
    Breaker,
    Transition,
    log_transition,
)


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


class Listener:
    def __init__(self) -> None:
        self.seen: list[Transition] = []

    def __call__(self, transition: Transition) -> None:
        self.seen.append(transition)

    def steps(self) -> list[tuple[str, str, str, float]]:
        return [(t.from_state, t.to_state, t.reason, t.at) for t in self.seen]


def watched(clock: Clock, listener: Listener, failures: int = 2) -> Breaker:
    return Breaker(failures, 10.0, clock, connector="crm", on_transition=listener)


def test_each_transition_is_reported_once_with_its_reason() -> None:
    clock, listener = Clock(), Listener()
    breaker = watched(clock, listener)
    breaker.record_failure("UPSTREAM_TIMEOUT")
    breaker.record_success()  # closed -> closed: nothing to report
    breaker.record_failure("UPSTREAM_TIMEOUT")
    breaker.record_failure("UPSTREAM_UNAVAILABLE")  # opens
    breaker.record_failure("UPSTREAM_UNAVAILABLE")  # a late failure: still open
    clock.now += 10
    assert breaker.allow()  # the trial, once half-open
    breaker.record_success()

    assert listener.steps() == [
        ("closed", "open", "UPSTREAM_UNAVAILABLE", 100.0),
        ("open", "half_open", RESET_ELAPSED, 110.0),
        ("half_open", "closed", CALL_ANSWERED, 110.0),
    ]
    assert {t.connector for t in listener.seen} == {"crm"}


def test_a_half_open_reached_by_time_is_reported_when_seen_with_the_time_it_happened() -> None:
    clock, listener = Clock(), Listener()
    breaker = watched(clock, listener)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 25  # nobody looked for 25 s; it turned half-open 10 s after opening

    assert listener.steps() == [("closed", "open", "UPSTREAM_UNAVAILABLE", 100.0)]
    assert breaker.state == "half_open"
    assert breaker.state == "half_open"  # seen twice, reported once
    assert listener.steps()[1:] == [("open", "half_open", RESET_ELAPSED, 110.0)]


def test_a_failure_after_an_unseen_half_open_reports_both_steps() -> None:
    clock, listener = Clock(), Listener()
    breaker = watched(clock, listener)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 12
    breaker.record_failure("UPSTREAM_TIMEOUT")  # a trial nobody saw start (state unread)

    assert listener.steps()[1:] == [
        ("open", "half_open", RESET_ELAPSED, 110.0),
        ("half_open", "open", "UPSTREAM_TIMEOUT", 112.0),
    ]


def test_a_probe_that_finds_the_portal_back_reports_the_close() -> None:
    clock, listener = Clock(), Listener()
    breaker = watched(clock, listener)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 1
    breaker.recovered()
    breaker.recovered()  # already closed: nothing more

    assert listener.steps()[1:] == [("open", "closed", PROBE_ANSWERED, 101.0)]
    breaker.record_failure("UPSTREAM_TIMEOUT")  # on probation: one failure reopens
    assert listener.steps()[2:] == [("closed", "open", "UPSTREAM_TIMEOUT", 101.0)]


def test_one_log_line_per_transition_with_its_fields(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    breaker = Breaker(1, 10.0, clock, connector="crm", on_transition=log_transition)
    with caplog.at_level(logging.INFO, logger="portalgate.breaker"):
        breaker.record_failure("UPSTREAM_TIMEOUT")
        breaker.record_failure("UPSTREAM_TIMEOUT")  # still open: no line
        assert not breaker.allow()
        breaker.recovered()

    lines = [
        (r.name, r.levelno, r.getMessage(), r.connector, getattr(r, "from"), r.to, r.reason)
        for r in caplog.records
    ]
    assert lines == [
        (
            "portalgate.breaker",
            logging.WARNING,
            "breaker crm: closed -> open",
            "crm",
            "closed",
            "open",
            "UPSTREAM_TIMEOUT",
        ),
        (
            "portalgate.breaker",
            logging.INFO,
            "breaker crm: open -> closed",
            "crm",
            "open",
            "closed",
            PROBE_ANSWERED,
        ),
    ]
