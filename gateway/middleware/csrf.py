"""Cookie-authenticated requests must come from our UI: CSRF token and Origin, as
`gateway.middleware.authenticator.csrf_failure` checks them; 403 (FORBIDDEN) otherwise.

Every method is checked, GET included: a cookie-authenticated GET reads personal data
too. Bearer-token requests are not checked (a cross-site page cannot attach a token).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from connectors.errors import ErrorCode
from gateway.middleware.authentication import authentication_or_none
from gateway.middleware.authenticator import csrf_failure
from gateway.middleware.media import error_media_type, json_error
from gateway.middleware.runtime_view import MiddlewareRuntime

__all__ = ["CsrfCheck"]


class CsrfCheck:
    """Refuses a request authenticated by session cookie that fails the CSRF checks.

    Sits inside `Authenticate`, whose result it reads; `/auth/logout` makes the same
    check itself, since it is not authenticated there (see `Authenticate`).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        authentication = authentication_or_none(request)
        if authentication is not None and authentication.session is not None:
            runtime: MiddlewareRuntime = scope["state"]["runtime"]
            refused = csrf_failure(request, authentication.session, runtime.allowed_origins())
            if refused is not None:
                response = json_error(
                    403,
                    f"Refused: {refused}.",
                    ErrorCode.FORBIDDEN,
                    media_type=error_media_type(request.headers),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
