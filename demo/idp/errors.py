"""The error answers of the token endpoint (RFC 6749 §5.2)."""

from __future__ import annotations

from aiohttp import web

__all__ = ["OAuthError", "oauth_error_response"]


class OAuthError(Exception):
    """A refused token request: `error` is the OAuth code, `status` the HTTP status.

    `invalid_client` is 401 (with `WWW-Authenticate`), `access_denied` 403, the rest 400.
    """

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


def oauth_error_response(exc: OAuthError) -> web.Response:
    """`{"error", "error_description"}` with the error's status, never cached."""
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="dev-issuer"'
    body = {"error": exc.error, "error_description": exc.description}
    return web.json_response(body, status=exc.status, headers=headers)
