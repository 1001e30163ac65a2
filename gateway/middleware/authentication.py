"""Who is asking, found once per request before any route runs.

    Authorization: Bearer <jwt> or the session cookie
      ─▶ gateway.middleware.authenticator.RequestAuthenticator
      ─▶ request.state.authentication: Authentication(principal, session)
         or request.state.authentication_refusal: why not (InvalidToken, GatewayError)

The middleware never refuses a request itself: a route that needs a principal asks
`authentication_of(request)` and answers `refusal_response(...)` when there is none, in
its own media type and after its own protocol checks (the GraphQL endpoint answers 400,
405, 406 and 415 before 401, as it always has). The browser sign-in routes (`/auth/*`)
and `/health` are not authenticated here: the sign-in routes manage the session cookie
themselves (a callback must not refresh the session it is about to replace, and logout
ends a session even when its token no longer validates), and health needs no one.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.errors import ErrorCode
from gateway.middleware.authenticator import Authentication
from gateway.middleware.media import json_error
from gateway.middleware.runtime_view import MiddlewareRuntime
from resolvers.errors import GatewayError
from sso.errors import InvalidToken

__all__ = [
    "Authenticate",
    "Refusal",
    "authentication_of",
    "authentication_or_none",
    "refusal_response",
]

Refusal = GatewayError | InvalidToken

_AUTHENTICATION = "authentication"
_REFUSAL = "authentication_refusal"


class Authenticate:
    """Puts the request's `Authentication`, or the reason there is none, in its state.

    `anonymous` lists path prefixes that are passed through unauthenticated.
    """

    def __init__(self, app: ASGIApp, *, anonymous: Sequence[str]) -> None:
        self.app = app
        self._anonymous = tuple(anonymous)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self._anonymous):
            await self.app(scope, receive, send)
            return
        state = scope["state"]
        runtime: MiddlewareRuntime = state["runtime"]
        try:
            state[_AUTHENTICATION] = await runtime.authenticator.authenticate(Request(scope))
        except (GatewayError, InvalidToken) as exc:
            if isinstance(exc, InvalidToken):
                trace.get_current_span().set_attribute("portalgate.auth.failure", exc.reason)
            state[_REFUSAL] = exc
        await self.app(scope, receive, send)


def authentication_of(request: Request) -> Authentication | Refusal:
    """The request's authentication, or why it has none; `Authenticate` must have run."""
    state = request.scope.get("state", {})
    if _AUTHENTICATION in state:
        authentication: Authentication = state[_AUTHENTICATION]
        return authentication
    if _REFUSAL in state:
        refusal: Refusal = state[_REFUSAL]
        return refusal
    raise RuntimeError(f"{request.url.path} is not behind the Authenticate middleware")


def authentication_or_none(request: Request) -> Authentication | None:
    """The request's authentication, or None when it has none (or was not authenticated)."""
    authentication = request.scope.get("state", {}).get(_AUTHENTICATION)
    return authentication if isinstance(authentication, Authentication) else None


def refusal_response(refusal: Refusal, media_type: str) -> JSONResponse:
    """The response for a request whose caller could not be authenticated or is refused."""
    if isinstance(refusal, GatewayError):
        status = {ErrorCode.FORBIDDEN: 403, ErrorCode.UNAUTHENTICATED: 401}.get(refusal.code, 400)
        return json_error(status, refusal.message, refusal.code, media_type=media_type)
    if refusal.reason == "identity provider unavailable":
        # Not the client's fault: its token may be fine once keys can be fetched.
        return json_error(
            503,
            "Sign-in is unavailable right now; try again shortly.",
            ErrorCode.UPSTREAM_UNAVAILABLE,
            headers={"Retry-After": "5"},
            media_type=media_type,
        )
    message = "Sign in first." if refusal.is_missing else f"Invalid token: {refusal.reason}."
    return json_error(
        401,
        message,
        ErrorCode.UNAUTHENTICATED,
        headers={"WWW-Authenticate": refusal.www_authenticate()},
        media_type=media_type,
    )
