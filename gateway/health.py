"""Health routes for SREs, load balancers and portal owners.

GET /healthz  alive: the process answers; no portal is asked
GET /readyz   ready: each connector's state from the background watch (no I/O, instant)
GET /health   compatibility: probes every portal while the caller waits
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.runtime import Runtime

__all__ = ["health_endpoint", "liveness_endpoint", "readiness_endpoint"]


async def liveness_endpoint(request: Request) -> JSONResponse:
    """200 while the event loop runs; says nothing about the portals."""
    return JSONResponse({"status": "up"})


async def readiness_endpoint(request: Request) -> JSONResponse:
    """Every connector's state, reason and since when; 503 only when all are down, since a
    failed portal costs only its own fields."""
    runtime: Runtime = request.state.runtime
    report = runtime.readiness.report()
    connectors = {
        name: {
            "status": r.state,
            "reason": r.reason,
            "since": r.since.isoformat(timespec="milliseconds"),
            "breaker": r.breaker,
            "latencyMs": r.probe_latency_ms,
        }
        for name, r in report.items()
    }
    states = {r.state for r in report.values()}
    worst = "down" if "down" in states else "degraded" if "degraded" in states else "up"
    serving = not report or states != {"down"}
    body = {"status": worst, "connectors": connectors}
    return JSONResponse(body, status_code=200 if serving else 503)


async def health_endpoint(request: Request) -> JSONResponse:
    """Probes every connector concurrently; 200 when all are up, else 503 with details."""
    runtime: Runtime = request.state.runtime
    names = list(runtime.connectors)
    results = await asyncio.gather(*(runtime.connectors[n].health() for n in names))
    connectors = {
        name: {
            "status": h.status,
            "latencyMs": round(h.latency_ms, 1),
            "reason": h.reason,
            "breaker": runtime.sources.breaker(name).state,
        }
        for name, h in zip(names, results, strict=True)
    }
    healthy = all(h.status == "up" for h in results)
    body = {"status": "up" if healthy else "degraded", "connectors": connectors}
    return JSONResponse(body, status_code=200 if healthy else 503)
