"""What the four simulated portals share: the dataset, knobs and `GET /health`.

Every request passes three middlewares, in this order:

    count (route name)  ─▶  record its `traceparent`
                        ─▶  knobs: latency ─▶ hang ─▶ fail_status ─▶ error_rate
                             ─▶ handler (auth, then the route) ─▶ malformed (garble the body)

so a request that fails auth or is answered by a knob is still counted and its
`traceparent` (W3C trace context, sent by the gateway's client spans) still recorded.
"""

from __future__ import annotations

import abc
import asyncio
import hmac
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from demo.data import DemoDataset
from demo.server import DemoServer

__all__ = ["MAX_BATCH", "DemoPortal", "Knobs", "format_instant", "same_secret", "split_ids"]

MAX_BATCH = 100  # ids per batch request; more is a 400


@dataclass
class Knobs:
    """Failure modes a test can switch on and off while the portal runs.

    `latency_s` delays every request before its handler; `error_rate` answers that
    fraction of requests with 500 (drawn from the portal's seeded RNG); `fail_status`
    answers every request with that status; `hang` never answers, until the client goes
    away or the portal closes; `malformed` answers 200 with a truncated body of the
    portal's usual content type.
    """

    latency_s: float = 0.0
    error_rate: float = 0.0
    fail_status: int | None = None
    hang: bool = False
    malformed: bool = False


class DemoPortal(DemoServer):
    """Base of the simulated legacy portals.

    Subclasses implement `_api_routes()` and may override `failure_response()` to answer
    knob failures in their own error shape. `dataset` is read-only; a portal that accepts
    writes keeps its own copy of what may change. `traceparents` holds the `traceparent`
    header of every request that had one, in arrival order (cleared by `reset_counts()`).
    """

    content_type: ClassVar[str] = "application/json"

    def __init__(self, dataset: DemoDataset, *, knobs: Knobs | None = None, seed: int = 0) -> None:
        super().__init__()
        self.dataset = dataset
        self.knobs = knobs if knobs is not None else Knobs()
        self._rng = random.Random(seed)
        self.traceparents: list[str] = []

    @abc.abstractmethod
    def _api_routes(self) -> Iterable[web.RouteDef]:
        """The portal's own routes, each named for `requests`."""

    def _routes(self) -> Iterable[web.RouteDef]:
        return [web.get("/health", self._health, name="health"), *self._api_routes()]

    def _middlewares(self) -> Iterable[Middleware]:
        return (self._record_traceparent, self._apply_knobs)

    def trace_ids(self) -> set[str]:
        """The trace ids (32 hex digits) of the recorded `traceparent` headers."""
        return {value.split("-")[1] for value in self.traceparents if value.count("-") == 3}

    def reset_counts(self) -> None:
        super().reset_counts()
        self.traceparents.clear()

    @web.middleware
    async def _record_traceparent(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        traceparent = request.headers.get("traceparent")
        # Health probes (the gateway's readiness watch) are traces of their own; only the
        # API calls a customer's request makes are recorded, like the request counts.
        if traceparent is not None and request.path != "/health":
            self.traceparents.append(traceparent)
        return await handler(request)

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    def failure_response(self, status: int) -> web.Response:
        """The answer to a request failed by `fail_status` or `error_rate`."""
        return web.json_response({"error": "simulated failure"}, status=status)

    @web.middleware
    async def _apply_knobs(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        knobs = self.knobs
        if knobs.latency_s > 0:
            await asyncio.sleep(knobs.latency_s)
        if knobs.hang:
            # Cancelled when the client disconnects or the portal closes (the runner
            # cancels handlers of dropped connections).
            await asyncio.Event().wait()
        if knobs.fail_status is not None:
            return self.failure_response(knobs.fail_status)
        if knobs.error_rate > 0 and self._rng.random() < knobs.error_rate:
            return self.failure_response(500)
        if not knobs.malformed:
            return await handler(request)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            text = exc.text or ""
        else:
            text = (response.text or "") if isinstance(response, web.Response) else ""
        return self._garble(text)

    def _garble(self, text: str) -> web.Response:
        # Any proper prefix of a JSON object or an XML document fails to parse; cutting
        # characters (not bytes) keeps the body valid UTF-8, so only parsing fails.
        truncated = text[: max(1, len(text) // 2)]
        return web.Response(text=truncated, content_type=self.content_type, charset="utf-8")


def split_ids(value: str | None) -> list[str]:
    """Comma-separated ids from a query parameter, stripped, without blanks or repeats."""
    ids: dict[str, None] = {}
    for part in (value or "").split(","):
        if part.strip():
            ids[part.strip()] = None
    return list(ids)


def format_instant(value: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a `Z`, to the second."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def same_secret(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a presented credential with the expected one."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())
