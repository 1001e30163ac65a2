"""Cache headers for the routes whose answers depend on who asks.

`/graphql` and `/auth/*` answer with personal data (or a session's CSRF token), chosen by
the bearer token or the session cookie and shaped by Accept. No shared cache, and no
browser cache, may keep such a response or hand it to another request, errors included.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PrivateResponses"]

# The request headers the content of these responses depends on (RFC 9110 §12.5.5).
VARY = "Authorization, Cookie, Accept"


def is_private(path: str) -> bool:
    """True for the routes that answer per principal."""
    return path == "/graphql" or path.startswith("/auth/")


class PrivateResponses:
    """Sets `Cache-Control: no-store` and `Vary` on every response of a private route.

    Outermost but for Starlette's own error middleware, so responses from any middleware
    inside (CORS, rate limits) get them too. `Vary` is merged, never replaced: CORS adds
    `Origin` to it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_private(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Cache-Control"] = "no-store"
                headers.add_vary_header(VARY)
            await send(message)

        await self.app(scope, receive, send_private)
