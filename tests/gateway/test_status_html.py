"""gateway/status_html: every value escaped, nothing fetched from elsewhere, empty parts said."""

from __future__ import annotations

import re
from typing import Any

from gateway.status_html import REFRESH_S, render_status

HOSTILE = '<script>alert("x")</script>'


def snapshot(**connector: Any) -> dict[str, Any]:
    entry = {
        "status": "degraded",
        "reason": None,
        "since": "2026-01-02T03:04:05.000+00:00",
        "breaker": "closed",
        "probeLatencyMs": 3.25,
        "calls": 0,
        "p50Ms": None,
        "p95Ms": None,
        "errorRate": None,
        "outcomes": {},
        "breakerHistory": [],
        "lastErrors": [],
    } | connector
    return {
        "status": "degraded",
        "generatedAt": "2026-01-02T03:04:06.000+00:00",
        "windowS": 300.0,
        "maxCalls": 1000,
        "connectors": {"crm": entry},
    }


def test_every_value_is_escaped() -> None:
    hostile = snapshot(
        reason=HOSTILE,
        outcomes={HOSTILE: 1},
        breakerHistory=[{"at": HOSTILE, "from": "closed", "to": "open", "reason": HOSTILE}],
        lastErrors=[{"at": "t", "capability": HOSTILE, "code": HOSTILE, "reason": HOSTILE}],
    )["connectors"]["crm"]
    page = render_status(snapshot() | {"connectors": {HOSTILE: hostile}})

    assert "<script" not in page
    # Name (overview, id, heading) 3, reason 1, outcome 1, transition (at, reason) 2,
    # error 3.
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 10


def test_figures_and_history_are_shown_and_nothing_is_fetched() -> None:
    page = render_status(
        snapshot(
            calls=4,
            p50Ms=12.0,
            p95Ms=80.5,
            errorRate=0.25,
            outcomes={"UPSTREAM_TIMEOUT": 1, "ok": 3},
            breakerHistory=[
                {"at": "2026-01-02T03:04:00", "from": "closed", "to": "open", "reason": "X_CODE"}
            ],
            lastErrors=[
                {"at": "t1", "capability": "profile", "code": "UPSTREAM_TIMEOUT", "reason": "R1"}
            ],
        )
    )

    assert "12.0 ms / 80.5 ms" in page and "25.0 %" in page and "3.2 ms" in page
    assert "<td>UPSTREAM_TIMEOUT</td><td>1</td>" in page
    assert "X_CODE" in page and "<td>profile</td>" in page and "R1" in page
    assert f'<meta http-equiv="refresh" content="{REFRESH_S}">' in page
    assert re.search(r"\b(src|href)\s*=", page) is None and "://" not in page


def test_a_quiet_connector_says_so() -> None:
    page = render_status(snapshot())

    assert "no calls in the window" in page
    assert "no transitions yet" in page
    assert "no errors yet" in page
    assert "no connectors" in render_status(snapshot() | {"connectors": {}})
