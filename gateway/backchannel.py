"""POST /auth/backchannel-logout: the identity provider ends sessions, server to server.

    application/x-www-form-urlencoded  logout_token=<JWT>
      ─▶ sso.backchannel.BackchannelLogout ─▶ 200, Cache-Control: no-store
      anything wrong                      ─▶ 400 {"error": "invalid_request", ...}

The answers follow OpenID Connect Back-Channel Logout 1.0 §2.8, not the GraphQL error
shape: the caller is the provider. The route is anonymous (it sits under `/auth/`, which
the authentication middleware passes through) and carries no cookie, so the CSRF check
never applies to it. The form is parsed with the standard library: Starlette's form
parser needs python-multipart, which nothing else here uses.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.errors import ErrorCode
from gateway.middleware.media import json_error
from gateway.runtime import Runtime
from sso.backchannel import LogoutRefused

__all__ = ["backchannel_logout"]

logger = logging.getLogger(__name__)

_NO_STORE = {"Cache-Control": "no-store"}
_FORM = "application/x-www-form-urlencoded"


def _invalid(description: str) -> JSONResponse:
    body = {"error": "invalid_request", "error_description": description}
    return JSONResponse(body, status_code=400, headers=_NO_STORE)


def _logout_token(content_type: str, body: bytes) -> str:
    """The one `logout_token` in a form body; raises LogoutRefused."""
    if content_type.split(";")[0].strip().lower() != _FORM:
        raise LogoutRefused(f"the request must be {_FORM}")
    try:
        form = parse_qs(body.decode("ascii"), strict_parsing=bool(body), max_num_fields=8)
    except (UnicodeDecodeError, ValueError):
        raise LogoutRefused("the form is malformed") from None
    tokens = form.get("logout_token", [])
    if len(tokens) != 1 or not tokens[0]:
        raise LogoutRefused("exactly one logout_token is required")
    return tokens[0]


async def backchannel_logout(request: Request) -> Response:
    runtime: Runtime = request.state.runtime
    if runtime.backchannel is None:
        return json_error(404, "Browser sign-in is not configured.", ErrorCode.NOT_FOUND)
    try:
        token = _logout_token(request.headers.get("content-type", ""), await request.body())
        await runtime.backchannel.log_out(token)
    except LogoutRefused as exc:
        # The provider's mistake (or a forgery), not ours: a warning with the fixed reason.
        logger.warning("back-channel logout refused: %s", exc.reason)
        return _invalid(exc.reason)
    return Response(status_code=200, headers=_NO_STORE)
