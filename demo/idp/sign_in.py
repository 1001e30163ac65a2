"""The dev issuer's browser routes: sign-in and sign-out, with its own session cookie.

    GET  /authorize   the authorization request ─▶ SSO (issuer session cookie) ─▶ 302 code,
                      or the login form; `prompt=none` without a session ─▶ login_required
    POST /login       the form's password check ─▶ new issuer session ─▶ 302 with code
    GET  /logout      end_session (POST too): end the issuer sessions of the cookie and of
                      `id_token_hint`'s `sid`, tell the client (back-channel), redirect to
                      a loopback `post_logout_redirect_uri` only

Tokens are minted elsewhere (demo.idp.mint, demo.idp.token_endpoint); this module only
hands out codes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlencode

import jwt
from aiohttp import web
from multidict import MultiDict

from demo.idp.authorization import (
    AuthorizationRequest,
    RedirectedError,
    UnsafeRequest,
    parse_authorization_request,
)
from demo.idp.clients import ClientRegistration, is_loopback_url
from demo.idp.grants import BrowserSession, GrantStore
from demo.idp.mint import Mint
from demo.idp.pages import error_page, html_response, login_page
from demo.idp.people import Directory

__all__ = ["NO_STORE", "SESSION_COOKIE", "LogOutClient", "SignInEndpoints", "redirect"]

SESSION_COOKIE = "dev_issuer_session"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# Tells the client its sessions ended: the ended issuer sessions, and the (sid, subject)
# an id_token_hint named.
LogOutClient = Callable[[Sequence[BrowserSession], tuple[str, str | None] | None], Awaitable[None]]


def redirect(location: str) -> web.Response:
    """A 302 no cache keeps, so a code or a logout is never replayed from a cache."""
    return web.Response(status=302, headers={"Location": location, **NO_STORE})


class SignInEndpoints:
    """The issuer's browser-facing routes; DevIssuer owns the state they share."""

    def __init__(
        self,
        mint: Mint,
        grants: GrantStore,
        client: ClientRegistration,
        people: Directory,
        log_out_client: LogOutClient,
    ) -> None:
        self._mint = mint
        self._grants = grants
        self._client = client
        self._people = people
        self._log_out_client = log_out_client

    async def authorize(self, request: web.Request) -> web.Response:
        try:
            auth = parse_authorization_request(request.query, self._client, self._mint.issuer)
        except UnsafeRequest as exc:
            return html_response(error_page(exc.message), status=400)
        except RedirectedError as exc:
            return redirect(exc.location)
        session = self._grants.session(request.cookies.get(SESSION_COOKIE))
        if session is not None and "login" not in auth.prompt:
            return self._code_redirect(auth, session)  # single sign-on: no form
        if "none" in auth.prompt:
            return redirect(auth.respond(self._mint.issuer, error="login_required"))
        return html_response(login_page(auth))

    async def login(self, request: web.Request) -> web.Response:
        if request.content_type != "application/x-www-form-urlencoded":
            return html_response(error_page("the form was not sent as a form"), status=400)
        posted = await request.post()
        form = MultiDict((k, v) for k, v in posted.items() if isinstance(v, str))
        try:
            auth = parse_authorization_request(form, self._client, self._mint.issuer)
        except UnsafeRequest as exc:
            return html_response(error_page(exc.message), status=400)
        except RedirectedError as exc:
            return redirect(exc.location)
        username = form.get("username", "")
        subject = self._people.sign_in(username, form.get("password", ""))
        if subject is None:
            page = login_page(auth, error="Unknown user or wrong password.", username=username)
            return html_response(page)
        self._grants.forget_session(request.cookies.get(SESSION_COOKIE))
        cookie, session = self._grants.open_session(subject)
        response = self._code_redirect(auth, session)
        response.set_cookie(SESSION_COOKIE, cookie, path="/", httponly=True, samesite="Lax")
        return response

    def _code_redirect(self, auth: AuthorizationRequest, session: BrowserSession) -> web.Response:
        code = self._grants.issue_code(
            client_id=auth.client_id,
            redirect_uri=auth.redirect_uri,
            code_challenge=auth.code_challenge,
            nonce=auth.nonce,
            scope=auth.scope,
            session=session,
        )
        return redirect(auth.respond(self._mint.issuer, code=code))

    async def end_session(self, request: web.Request) -> web.Response:
        params: MultiDict[str] = MultiDict(request.query)
        if request.method == "POST":
            posted = await request.post()
            params.extend((k, v) for k, v in posted.items() if isinstance(v, str))
        target = params.get("post_logout_redirect_uri")
        # Redirects only to loopback, so the dev issuer is never an open redirect.
        if target is not None and not is_loopback_url(target):
            return web.json_response({"error": "redirect must point to loopback"}, status=400)
        sid = subject = None
        hint = params.get("id_token_hint")
        if hint:
            try:
                # OIDC RP-Initiated Logout §2: an expired id_token is still a fine hint.
                claims = self._mint.verify(hint, audience=None, verify_exp=False)
            except jwt.InvalidTokenError:
                body = {"error": "invalid_request", "error_description": "bad id_token_hint"}
                return web.json_response(body, status=400)
            sid = claims.get("sid") if isinstance(claims.get("sid"), str) else None
            subject = str(claims["sub"])
        ended = self._grants.end_sessions(cookie=request.cookies.get(SESSION_COOKIE), sid=sid)
        await self._log_out_client(ended, (sid, subject) if sid else None)
        if target is None:
            response = web.json_response({"status": "logged out"}, headers=NO_STORE)
        else:
            state = params.get("state")
            separator = "&" if "?" in target else "?"
            location = target + (separator + urlencode({"state": state}) if state else "")
            response = redirect(location)
        response.del_cookie(SESSION_COOKIE, path="/")
        return response
