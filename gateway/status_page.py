"""GET /status: each connector as SREs and portal owners want to see it, on one page.

    runtime.readiness.report()      state, reason, since, breaker, probe latency
    runtime.sources.history         calls in the window: p50/p95, outcomes by code, error
                                    rate; breaker history; last errors
      ─▶ status_snapshot(runtime)   one plain dict, the JSON answer
      ─▶ render_status(snapshot)    the same dict as HTML (gateway/status_html.py)

HTML by default (a browser), JSON for `Accept: application/json` without `text/html`,
and always at /status.json (scripts). Unauthenticated like /readyz: it shows connector
names, figures and error codes, never customer data or portal text. Switched off with
PORTALGATE_STATUS_PAGE_ENABLED=false (the routes are then 404s).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from gateway.data.connector_history import Summary
from gateway.data.readiness import ConnectorReadiness
from gateway.runtime import Runtime
from gateway.status_html import render_status

__all__ = ["status_endpoint", "status_json_endpoint", "status_snapshot"]

_NO_STORE = {"Cache-Control": "no-store"}


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _connector(readiness: ConnectorReadiness, summary: Summary) -> dict[str, Any]:
    return {
        "status": readiness.state,
        "reason": readiness.reason,
        "since": _iso(readiness.since),
        "breaker": readiness.breaker,
        "probeLatencyMs": readiness.probe_latency_ms,
        "calls": summary.calls,
        "p50Ms": summary.p50_ms,
        "p95Ms": summary.p95_ms,
        "errorRate": summary.error_rate,
        "outcomes": summary.outcomes,
        "breakerHistory": [
            {"at": _iso(t.at), "from": t.from_state, "to": t.to_state, "reason": t.reason}
            for t in summary.transitions
        ],
        "lastErrors": [
            {"at": _iso(e.at), "capability": e.capability, "code": e.code, "reason": e.reason}
            for e in summary.errors
        ],
    }


def status_snapshot(runtime: Runtime) -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (no I/O: all of it is already known)."""
    report = runtime.readiness.report()
    history = runtime.sources.history
    connectors = {name: _connector(r, history.summary(name)) for name, r in report.items()}
    states = {r.state for r in report.values()}
    worst = "down" if "down" in states else "degraded" if "degraded" in states else "up"
    return {
        "status": worst,
        "generatedAt": _iso(datetime.now(UTC)),
        "windowS": history.window_s,
        "maxCalls": history.max_calls,
        "connectors": connectors,
    }


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "").lower()
    return "application/json" in accept and "text/html" not in accept


async def status_endpoint(request: Request) -> Response:
    """The status page: HTML, or JSON when the client asks for JSON and not HTML."""
    snapshot = status_snapshot(request.state.runtime)
    if _wants_json(request):
        return JSONResponse(snapshot, headers=_NO_STORE)
    return HTMLResponse(render_status(snapshot), headers=_NO_STORE)


async def status_json_endpoint(request: Request) -> Response:
    """The status page's data as JSON, whatever the Accept header says."""
    return JSONResponse(status_snapshot(request.state.runtime), headers=_NO_STORE)
