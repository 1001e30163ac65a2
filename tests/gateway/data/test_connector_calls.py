"""A request's connector calls: outcome per batch, codes of errors, a bounded list."""

from __future__ import annotations

import asyncio

import pytest

from connectors.errors import ConnectorTimeout, ConnectorUnavailable, RecordNotFound
from connectors.records import LinkRecord
from gateway.data.connector_calls import MAX_CALLS, ConnectorCalls, outcome_of
from resolvers.errors import DeadlineExceeded


class Clock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


def test_the_outcome_is_ok_or_the_first_error_code() -> None:
    record = LinkRecord(value="x")
    assert outcome_of([record, record]) == "ok"
    assert outcome_of([]) == "ok"
    assert outcome_of([record, RecordNotFound("crm"), ConnectorTimeout("crm")]) == "NOT_FOUND"


def test_timing_notes_the_duration_and_what_the_block_says() -> None:
    clock = Clock()
    calls = ConnectorCalls(clock)
    with calls.timing("orders", "orders_by_customer") as outcome:
        clock.now += 0.0421
        outcome.value = "UPSTREAM_BAD_RESPONSE"

    [call] = calls.calls
    assert call.as_dict() == {
        "connector": "orders",
        "capability": "orders_by_customer",
        "outcome": "UPSTREAM_BAD_RESPONSE",
        "duration_ms": 42.1,
    }


@pytest.mark.parametrize(
    ("raised", "outcome"),
    [
        (ConnectorUnavailable("crm"), "UPSTREAM_UNAVAILABLE"),
        (DeadlineExceeded("out of time"), "DEADLINE_EXCEEDED"),
        (RuntimeError("bug"), "error"),
        (asyncio.CancelledError(), "cancelled"),
    ],
)
def test_a_raised_error_is_noted_by_its_code_and_still_raised(
    raised: BaseException, outcome: str
) -> None:
    calls = ConnectorCalls()
    with pytest.raises(type(raised)), calls.timing("crm", "update_profile"):
        raise raised
    assert [call.outcome for call in calls.calls] == [outcome]


def test_calls_past_the_bound_are_only_counted() -> None:
    calls = ConnectorCalls()
    for _ in range(MAX_CALLS + 3):
        calls.add("crm", "profile", "ok", 0.001)
    assert len(calls.calls) == MAX_CALLS
    assert calls.dropped == 3
