"""A stand-in portal on 127.0.0.1 that replays recorded answers, and fails on demand.

A live portal cannot be made to time out or refuse with 429 when a check wants it to;
this server can. It answers a request with the recorded exchange of the same method,
path and query (404 with a JSON body when there is none), `GET /health` with 200, and
obeys `StandInKnobs`: `hang` never answers, `fail_status` answers every request with
that status (with `Retry-After: retry_after_s` when set), `malformed` truncates the body.
It satisfies `connectors.contract_suite.SimulatedPortal`, so the contract suite can run
a kind against recorded answers too.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web

from connectors.recorded_answers import Exchange

__all__ = ["RecordedPortal", "StandInKnobs"]

ANSWERS = "recorded"  # the route name every replayed request is counted under


@dataclass
class StandInKnobs:
    """Failure modes, switched while the server runs (see the module docstring)."""

    hang: bool = False
    fail_status: int | None = None
    retry_after_s: int | None = None
    malformed: bool = False


class RecordedPortal:
    """The stand-in server; `async with RecordedPortal(exchanges) as portal: portal.url`."""

    def __init__(self, exchanges: Sequence[Exchange] = ()) -> None:
        self.exchanges = list(exchanges)
        self.knobs = StandInKnobs()
        self._counts: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def requests(self) -> Mapping[str, int]:
        return self._counts

    @property
    def requests_total(self) -> int:
        return sum(self._counts.values())

    def reset_counts(self) -> None:
        self._counts.clear()

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        # handler_cancellation: a hanging answer ends when its client goes away.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=0.1, access_log=None
        )
        await self._runner.setup()
        await self.accept_connections()

    async def accept_connections(self) -> None:
        assert self._runner is not None, "start() first"
        self._site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await self._site.start()
        self._port = self._runner.addresses[0][1]

    async def refuse_connections(self) -> None:
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()
        server = self._runner.server if self._runner is not None else None
        for connection in server.connections if server is not None else ():
            connection.force_close()
        await asyncio.sleep(0)  # let the closed transports go before a client reconnects

    async def aclose(self) -> None:
        await self.refuse_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        if request.path == "/health" and request.method == "GET":
            return web.json_response({"status": "up"})
        self._counts[ANSWERS] += 1
        knobs = self.knobs
        if knobs.hang:
            await asyncio.Event().wait()  # until the client goes away or the server closes
        if knobs.fail_status is not None:
            headers = {}
            if knobs.retry_after_s is not None:
                headers["Retry-After"] = str(knobs.retry_after_s)
            return web.json_response(
                {"error": "simulated failure"}, status=knobs.fail_status, headers=headers
            )
        exchange = self._recorded(
            request.method,
            request.path,
            list(request.query.items()),
            hashlib.sha256(await request.read()).hexdigest(),
        )
        if exchange is not None:
            body = exchange.body
            if knobs.malformed:
                body = body[: max(1, len(body) // 2)]
            return web.Response(
                status=exchange.status,
                body=body.encode("utf-8"),
                headers={"Content-Type": exchange.content_type or "application/json"},
            )
        return web.json_response({"error": "no recorded answer for this request"}, status=404)

    def _recorded(
        self, method: str, path: str, query: list[tuple[str, str]], digest: str
    ) -> Exchange | None:
        """The exchange for this request: same URL and same body; a body that cannot
        repeat (a nonce, a timestamp) still finds its answer when it is the only one
        recorded for that URL."""
        same = [e for e in self.exchanges if e.same_request(method, path, query)]
        exact = [e for e in same if e.request_digest == digest]
        if exact:
            return exact[0]
        return same[0] if len(same) == 1 else None
