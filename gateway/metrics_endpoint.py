"""GET /metrics: the runtime's metrics in Prometheus text exposition format.

Unauthenticated, as Prometheus scrapes it; it carries no personal data (no principal ids,
no document text), but operation names and traffic figures are for operators only, so
keep it off the public listener (see README, PORTALGATE_METRICS_ENABLED).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from gateway.runtime import Runtime

__all__ = ["metrics_endpoint"]


async def metrics_endpoint(request: Request) -> Response:
    runtime: Runtime = request.state.runtime
    return Response(
        runtime.metrics.exposition(),
        headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"},
    )
