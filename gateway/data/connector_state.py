"""Judging one connector's readiness from what we know; pure, no I/O.

breaker open                          ─▶ down      "circuit open (last call: CODE)"
last probe down (refused, no answer)  ─▶ down      the probe's reason
not probed yet                        ─▶ degraded  "not probed yet"
breaker half-open                     ─▶ degraded  "circuit half-open"
last probe degraded (garbage body)    ─▶ degraded  the probe's reason
probe slower than half the timeout    ─▶ degraded  "slow: health answered in N ms"
a recent customer call failed         ─▶ degraded  "answering garbage" / "slow" / ...
otherwise                             ─▶ up
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from connectors.base import Health
from connectors.errors import ErrorCode
from gateway.data.outcomes import Outcome

__all__ = ["Evidence", "State", "judge"]

State = Literal["up", "degraded", "down"]

# What a failed customer call says about the portal; rejections and not-found are answers.
_FAILED_CALLS = {
    ErrorCode.UPSTREAM_BAD_RESPONSE: "answering garbage (UPSTREAM_BAD_RESPONSE)",
    ErrorCode.UPSTREAM_TIMEOUT: "slow: calls time out (UPSTREAM_TIMEOUT)",
    ErrorCode.UPSTREAM_UNAVAILABLE: "calls fail (UPSTREAM_UNAVAILABLE)",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything readiness knows about one connector at one instant (monotonic `now`)."""

    breaker: Literal["closed", "open", "half_open"]
    probe: Health | None
    outcome: Outcome | None
    timeout_s: float
    window_s: float
    now: float


def judge(evidence: Evidence) -> tuple[State, str | None]:
    """The connector's state and, unless up, why (never upstream text)."""
    probe, outcome = evidence.probe, evidence.outcome
    if evidence.breaker == "open":
        last = f" (last call: {outcome.code})" if outcome and outcome.code else ""
        return "down", f"circuit open{last}"
    if probe is not None and probe.status == "down":
        return "down", probe.reason
    if probe is None:
        return "degraded", "not probed yet"
    if evidence.breaker == "half_open":
        return "degraded", "circuit half-open"
    if probe.status == "degraded":
        return "degraded", probe.reason
    # Half the timeout: a portal this slow leaves a request little room for a retry.
    if probe.latency_ms > evidence.timeout_s * 500:
        return "degraded", f"slow: health answered in {probe.latency_ms:.0f} ms"
    recent = outcome is not None and evidence.now - outcome.at <= evidence.window_s
    if recent and outcome is not None and outcome.code in _FAILED_CALLS:
        return "degraded", _FAILED_CALLS[outcome.code]
    return "up", None
