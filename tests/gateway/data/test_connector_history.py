"""gateway/data/connector_history: percentiles and error rates over the window, bounded
memory, wall-clock times of transitions, and reasons that carry no portal text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.errors import (
    BadUpstreamData,
    ConnectorTimeout,
    ConnectorUnavailable,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from gateway.data.breaker import Transition
from gateway.data.connector_history import ConnectorHistories, safe_reason

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


class Clocks:
    """A monotonic clock and a wall clock that move together."""

    def __init__(self) -> None:
        self.mono = 1000.0

    def monotonic(self) -> float:
        return self.mono

    def wall(self) -> datetime:
        return START + timedelta(seconds=self.mono - 1000.0)


def histories(clocks: Clocks, **bounds: int) -> ConnectorHistories:
    return ConnectorHistories(window_s=60.0, clock=clocks.monotonic, now=clocks.wall, **bounds)


def test_percentiles_and_error_rate_by_code_over_the_calls_in_the_window() -> None:
    clocks = Clocks()
    crm = histories(clocks).of("crm")
    for ms in range(1, 101):  # 1 ms .. 100 ms
        crm.record_call("ok", ms / 1000)
    for _ in range(20):
        crm.record_call("UPSTREAM_TIMEOUT", 2.0)
    for _ in range(5):
        crm.record_call("UPSTREAM_UNAVAILABLE", 0.001)

    summary = crm.summary()

    assert summary.calls == 125
    assert summary.outcomes == {"UPSTREAM_TIMEOUT": 20, "UPSTREAM_UNAVAILABLE": 5, "ok": 100}
    assert summary.error_rate == 0.2
    assert summary.p50_ms == 58.0  # the 63rd of 125 sorted durations
    assert summary.p95_ms == 2000.0


def test_calls_older_than_the_window_no_longer_count() -> None:
    clocks = Clocks()
    crm = histories(clocks).of("crm")
    crm.record_call("UPSTREAM_TIMEOUT", 2.0)
    clocks.mono += 61
    crm.record_call("ok", 0.010)

    summary = crm.summary()
    assert (summary.calls, summary.outcomes, summary.error_rate) == (1, {"ok": 1}, 0.0)
    assert summary.p50_ms == summary.p95_ms == 10.0

    clocks.mono += 61
    empty = crm.summary()
    assert (empty.calls, empty.p50_ms, empty.p95_ms, empty.error_rate) == (0, None, None, None)


def test_memory_is_bounded_by_count_whatever_the_traffic() -> None:
    clocks = Clocks()
    crm = histories(clocks, max_calls=50, max_transitions=3, max_errors=2).of("crm")
    for n in range(10_000):
        crm.record_call("ok", 0.001)
        crm.record_error("profile", ConnectorUnavailable("crm", f"crm failed (HTTP {500 + n % 4})"))
        crm.record_transition(Transition("crm", "closed", "open", str(n), clocks.mono))

    summary = crm.summary()
    assert summary.calls == 50
    assert [t.reason for t in summary.transitions] == ["9999", "9998", "9997"]
    assert [e.reason for e in summary.errors] == [
        "ConnectorUnavailable, HTTP 503",
        "ConnectorUnavailable, HTTP 502",
    ]


def test_a_transition_is_kept_at_the_wall_clock_time_it_happened() -> None:
    clocks = Clocks()
    history = histories(clocks)
    clocks.mono += 30  # reported 20 s after it happened (a half-open nobody looked at)
    history.record_transition(Transition("crm", "open", "half_open", "reset_s elapsed", 1010.0))

    (entry,) = history.summary("crm").transitions
    assert entry.at == START + timedelta(seconds=10)
    assert (entry.from_state, entry.to_state, entry.reason) == (
        "open",
        "half_open",
        "reset_s elapsed",
    )
    assert history.summary("orders").transitions == ()  # per connector


def test_an_error_keeps_its_code_and_capability_but_never_its_message() -> None:
    clocks = Clocks()
    crm = histories(clocks).of("crm")
    cause = ConnectionRefusedError("connect to 10.1.2.3 refused")
    unavailable = ConnectorUnavailable("crm", "crm said: customer 4711 Jane Doe is locked")
    unavailable.__cause__ = cause
    crm.record_error("profile", unavailable)
    clocks.mono += 1
    crm.record_error("update_profile", UpstreamValidationFailed("crm", "email jane@x.test taken"))

    newest, oldest = crm.summary().errors
    assert (oldest.capability, oldest.code) == ("profile", "UPSTREAM_UNAVAILABLE")
    assert oldest.reason == "ConnectorUnavailable, from ConnectionRefusedError"
    assert oldest.at == START
    assert (newest.capability, newest.code) == ("update_profile", "BAD_USER_INPUT")
    assert newest.reason == "UpstreamValidationFailed, HTTP 422"
    assert newest.at == START + timedelta(seconds=1)


def test_safe_reasons_of_each_kind_of_failure() -> None:
    assert safe_reason(ConnectorTimeout("crm")) == "ConnectorTimeout"
    assert safe_reason(BadUpstreamData("crm")) == "BadUpstreamData"
    assert safe_reason(UpstreamRejected("crm", 401)) == "UpstreamRejected, HTTP 401"
    assert safe_reason(ConnectorUnavailable("crm", "crm failed (HTTP 503)")) == (
        "ConnectorUnavailable, HTTP 503"
    )
