"""Rate limits at the edge, by `gateway.middleware.rate_limiter.RateLimits`:

    /graphql     every request, by principal (or by address when authentication failed)
    /auth/login  every sign-in start, by address

The limits per root field need the parsed document, so the GraphQL endpoint counts those
itself once it has read the request. A refusal is a 429 in the client's media type.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.middleware.authentication import authentication_or_none
from gateway.middleware.media import error_media_type
from gateway.middleware.runtime_view import MiddlewareRuntime

__all__ = ["RateLimit"]


class RateLimit:
    """Counts requests to `graphql_path` per principal and to `login_path` per address.

    Sits inside `Authenticate`, whose principal it counts by.
    """

    def __init__(self, app: ASGIApp, *, graphql_path: str, login_path: str) -> None:
        self.app = app
        self._graphql_path = graphql_path
        self._login_path = login_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path")
        if scope["type"] != "http" or path not in (self._graphql_path, self._login_path):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        runtime: MiddlewareRuntime = scope["state"]["runtime"]
        if path == self._login_path:
            refused = await runtime.rate_limits.check_login(request)
        else:
            authentication = authentication_or_none(request)
            principal = authentication.principal if authentication is not None else None
            refused = await runtime.rate_limits.check_request(
                request, principal, error_media_type(request.headers)
            )
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)
