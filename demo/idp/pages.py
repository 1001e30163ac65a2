"""The issuer's two HTML pages: the login form and the error page. Every value is escaped.

The form posts to `/login` with the authorization request in hidden fields and
`username`, `password`; test code (or a browser) fills in `#username`, `#password` and
presses `#login`. A failed attempt shows `#error`.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from demo.idp.authorization import AuthorizationRequest

__all__ = ["error_page", "html_response", "login_page"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}"
    "label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3rem 0}"
    "input,button{padding:.5rem;font-size:1rem}#error{color:#a00}.hint{color:#666}"
)
_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def login_page(
    request: AuthorizationRequest, *, error: str | None = None, username: str = ""
) -> str:
    """The sign-in form for `request`, with `error` shown above it if given."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in request.form_fields().items()
    )
    message = f'<p id="error" role="alert">{escape(error)}</p>' if error else ""
    body = (
        "<h1>Sign in</h1>"
        f'<p class="hint">to continue to <strong>{escape(request.client_id)}</strong></p>'
        f"{message}"
        '<form id="login-form" method="post" action="/login">'
        f"{hidden}"
        '<label for="username">User (cust-001, emp-001 or an e-mail address)</label>'
        f'<input id="username" name="username" autocomplete="username" required autofocus'
        f' value="{escape(username)}">'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password"'
        ' autocomplete="current-password" required>'
        '<button id="login" type="submit">Sign in</button>'
        "</form>"
        '<p class="hint">Development identity provider: every password is "demo".</p>'
    )
    return _document("Sign in - portalgate dev issuer", body)


def error_page(message: str) -> str:
    """A page for a request that cannot be sent back to its client."""
    body = f'<h1>Sign-in failed</h1><p id="error" role="alert">{escape(message)}</p>'
    return _document("Sign-in failed - portalgate dev issuer", body)


def html_response(page: str, *, status: int = 200) -> web.Response:
    return web.Response(
        text=page, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS
    )
