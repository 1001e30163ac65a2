"""`GET /health`: is the gateway up, and how is each portal doing (for SREs and owners)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.runtime import Runtime

__all__ = ["health_endpoint"]


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
