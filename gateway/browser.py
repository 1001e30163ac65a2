"""Browser sign-in routes (backend-for-frontend): the browser gets a cookie, never a token.

    GET  /auth/login?return_to=/path   ─▶ 302 to the issuer (code flow, PKCE, state, nonce)
                                          + a pre-login cookie binding the login to
                                          this browser
    GET  /auth/callback?code&state&iss ─▶ pre-login cookie and `iss` checked ─▶ the
                                          browser's old session ended, a new one
                                          created, cookie set ─▶ 302 to return_to
    GET  /auth/session                 ─▶ who is signed in, and the CSRF token for POSTs
    POST /auth/logout                  ─▶ session ended here; {"endSessionUrl"} to end it
                                          at the issuer too

The cookies are HttpOnly, Secure and SameSite, on Path=/ with no Domain (what the default
`__Host-` names require); their values are random ids only. The pre-login cookie is always
SameSite=Lax: it must come back on the issuer's top-level redirect to the callback.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from config.settings import Settings
from connectors.errors import ErrorCode
from gateway.middleware.authenticator import csrf_failure
from gateway.middleware.media import json_error
from gateway.runtime import Runtime
from sso.browser_login import LoginFailed
from sso.errors import InvalidToken

__all__ = ["callback", "login", "logout", "session_info"]

_NO_STORE = {"Cache-Control": "no-store"}
logger = logging.getLogger(__name__)


def _oauth_error(value: str | None) -> str:
    """The authorization response's `error` if it is an OAuth code (anyone can open the
    callback with any text, so nothing else is echoed)."""
    if value and len(value) <= 64 and value.isidentifier():
        return value
    return "unrecognised error"


def _printable(value: str | None) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in (value or "")[:300])


def _not_configured() -> JSONResponse:
    return json_error(404, "Browser sign-in is not configured.", ErrorCode.NOT_FOUND)


def safe_return_to(value: str | None, runtime: Runtime) -> str | None:
    """`value` if it points at our own site or a configured UI origin, else None.

    Anything else would make /auth/login an open redirect.
    """
    if not value:
        return "/auth/session"
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    parts = urlsplit(value)
    if f"{parts.scheme}://{parts.netloc}" in runtime.allowed_origins():
        return value
    return None


def _set_login_cookie(response: Response, settings: Settings, value: str, ttl_s: float) -> None:
    response.set_cookie(
        settings.login_cookie_name,
        value,
        max_age=int(ttl_s),
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def _clear_login_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        settings.login_cookie_name,
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


async def login(request: Request) -> Response:
    runtime: Runtime = request.state.runtime  # rate limited per address by the middleware
    flow = runtime.browser_login
    if flow is None:
        return _not_configured()
    return_to = safe_return_to(request.query_params.get("return_to"), runtime)
    if return_to is None:
        return json_error(400, "`return_to` must be a path on this site.", ErrorCode.BAD_USER_INPUT)
    start = await flow.begin(return_to)
    response = RedirectResponse(start.authorize_url, status_code=302, headers=_NO_STORE)
    _set_login_cookie(response, runtime.settings, start.browser_binding, flow.login_ttl_s)
    return response


async def callback(request: Request) -> Response:
    runtime: Runtime = request.state.runtime
    flow = runtime.browser_login
    if flow is None:
        return _not_configured()
    settings = runtime.settings
    params = request.query_params
    # A refused callback leaves every cookie alone: a link opened by a victim must not
    # end the victim's own session or the login they are in the middle of.
    if "error" in params:
        error = _oauth_error(params.get("error"))
        logger.info(
            "login refused at the identity provider: %s: %s",
            error,
            _printable(params.get("error_description")) or "no error_description",
        )
        return json_error(
            400,
            f"Sign-in was cancelled or refused at the identity provider ({error}).",
            ErrorCode.UNAUTHENTICATED,
            headers=_NO_STORE,
        )
    code, state = params.get("code"), params.get("state")
    if not code or not state:
        return json_error(400, "`code` and `state` are required.", ErrorCode.BAD_USER_INPUT)
    try:
        session, return_to = await flow.complete(
            code,
            state,
            browser_binding=request.cookies.get(settings.login_cookie_name),
            iss=params.get("iss"),
            previous_session_id=request.cookies.get(settings.cookie_name),
        )
    except LoginFailed as exc:
        return json_error(
            400, f"Sign-in failed: {exc.reason}.", ErrorCode.UNAUTHENTICATED, headers=_NO_STORE
        )
    response = RedirectResponse(return_to, status_code=302, headers=_NO_STORE)
    _clear_login_cookie(response, settings)
    response.set_cookie(
        settings.cookie_name,
        session.id,
        max_age=int(flow.session_ttl_s),
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite=settings.cookie_samesite,
    )
    return response


async def session_info(request: Request) -> Response:
    runtime: Runtime = request.state.runtime
    if runtime.browser_login is None:
        return _not_configured()
    session = await runtime.authenticator.session(request)
    if session is None:
        return JSONResponse({"authenticated": False}, status_code=401, headers=_NO_STORE)
    try:
        authentication = await runtime.authenticator.authenticate(request)
    except InvalidToken:
        return JSONResponse({"authenticated": False}, status_code=401, headers=_NO_STORE)
    principal = authentication.principal
    body = {
        "authenticated": True,
        "subject": principal.subject,
        "tenant": principal.tenant,
        "roles": sorted(principal.roles),
        "actor": principal.actor.subject if principal.actor else None,
        "csrfToken": session.csrf_token,
        "expiresAt": datetime.fromtimestamp(session.expires_at, UTC).isoformat(),
    }
    return JSONResponse(body, headers=_NO_STORE)


async def logout(request: Request) -> Response:
    runtime: Runtime = request.state.runtime
    flow = runtime.browser_login
    if flow is None:
        return _not_configured()
    settings = runtime.settings
    session = await runtime.authenticator.session(request)
    end_session_url = None
    if session is not None:
        refused = csrf_failure(request, session, runtime.allowed_origins())
        if refused is not None:
            return json_error(403, f"Refused: {refused}.", ErrorCode.FORBIDDEN)
        end_session_url = await flow.end(session.id, settings.post_logout_url)
    response = JSONResponse({"endSessionUrl": end_session_url}, headers=_NO_STORE)
    response.delete_cookie(
        settings.cookie_name,
        path="/",
        httponly=True,
        secure=settings.cookie_secure,
        samesite=settings.cookie_samesite,
    )
    return response
