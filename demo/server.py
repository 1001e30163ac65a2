"""The lifecycle every demo server shares: a real aiohttp server on loopback.

    server = CrmPortal(...)          no I/O in the constructor
    await server.start()             listen on 127.0.0.1:<free port>; `server.url` is now set
    await server.refuse_connections()   stop listening and drop open connections
    await server.accept_connections()   listen again on the same port
    await server.aclose()            idempotent; `async with server:` starts (if needed) and closes

Requests are counted per route name in `requests`, including requests that fail auth or
match no route ("unmatched").
"""

from __future__ import annotations

import abc
import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from types import TracebackType
from typing import Self

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

__all__ = ["CleanupContext", "DemoServer"]

CleanupContext = Callable[[web.Application], AsyncIterator[None]]

# Open requests get this long to finish when the server closes; hanging ones are dropped.
_SHUTDOWN_TIMEOUT_S = 1.0


class DemoServer(abc.ABC):
    """Base of the demo portals and the dev identity provider.

    Subclasses implement `_routes()`, and may add middlewares with `_middlewares()`,
    resources that live as long as the application with `_cleanup_contexts()`, and name
    requests differently with `route_name()`.
    """

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    @abc.abstractmethod
    def _routes(self) -> Iterable[web.RouteDef]:
        """The routes, each with a `name` that `requests` counts under."""

    def _middlewares(self) -> Iterable[Middleware]:
        return ()

    def _cleanup_contexts(self) -> Iterable[CleanupContext]:
        """aiohttp cleanup contexts: code before `yield` runs at start-up, after it at close."""
        return ()

    def route_name(self, request: web.Request) -> str:
        """The name `requests` counts this request under (the matched route's name)."""
        return request.match_info.route.name or "unmatched"

    def build_app(self) -> web.Application:
        """A fresh aiohttp application serving this server's routes and state.

        `start()` uses it; it is public so a test harness such as
        `aiohttp.test_utils.TestServer` can serve the same portal.
        """
        app = web.Application(middlewares=[self._count, *self._middlewares()])
        app.add_routes(list(self._routes()))
        app.cleanup_ctx.extend(self._cleanup_contexts())
        return app

    @web.middleware
    async def _count(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        self.requests[self.route_name(request)] += 1
        return await handler(request)

    @property
    def requests_total(self) -> int:
        """All requests counted since start or the last `reset_counts()`."""
        return self.requests.total()

    def reset_counts(self) -> None:
        """Forget all counted requests."""
        self.requests.clear()

    @property
    def url(self) -> str:
        """Base URL without a trailing slash; raises RuntimeError before `start()`."""
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on `host:port` (port 0 picks a free one). Raises RuntimeError if running."""
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already started")
        # handler_cancellation: a request whose client went away is cancelled, so a
        # hanging or slow handler never outlives its client.
        runner = web.AppRunner(
            self.build_app(),
            handler_cancellation=True,
            shutdown_timeout=_SHUTDOWN_TIMEOUT_S,
            access_log=None,
        )
        await runner.setup()
        self._runner, self._host = runner, host
        try:
            await self._listen(port)
        except BaseException:
            await self.aclose()
            raise

    async def _listen(self, port: int) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self._host, port)
        await site.start()
        self._site = site
        self._port = self._runner.addresses[0][1]

    async def refuse_connections(self) -> None:
        """Stop listening and drop open connections; new connections are refused."""
        if self._runner is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        if self._site is not None:
            site, self._site = self._site, None
            await site.stop()
        self._drop_connections(self._runner)
        await self._settle(self._runner)

    async def accept_connections(self) -> None:
        """Listen again on the port used before `refuse_connections()`."""
        if self._runner is None or self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        if self._site is None:
            await self._listen(self._port)

    @staticmethod
    def _drop_connections(runner: web.AppRunner) -> None:
        if runner.server is not None:
            for connection in runner.server.connections:
                connection.force_close()

    @staticmethod
    async def _settle(runner: web.AppRunner) -> None:
        # Closed transports shut their sockets on a later loop turn. Yield until the
        # server has let go of every connection and once more for the peer to read the
        # EOF, so a client in this process sees a dropped keep-alive connection as gone
        # instead of sending its next request into it. Bounded: never waits on a clock.
        for _ in range(100):
            await asyncio.sleep(0)
            if runner.server is None or not runner.server.connections:
                break
        await asyncio.sleep(0)

    async def aclose(self) -> None:
        """Stop the server and drop its connections. Safe to call twice or before start."""
        runner, self._runner, self._site, self._port = self._runner, None, None, None
        if runner is None:
            return
        self._drop_connections(runner)
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
