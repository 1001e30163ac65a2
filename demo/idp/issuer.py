"""DevIssuer: the development OpenID Connect provider as an aiohttp server.

    GET  /.well-known/openid-configuration   discovery
    GET  /jwks.json                          jwks (every key ever used, newest last)
    GET  /authorize                          authorize: code flow + PKCE; login form or SSO
    POST /login                              login: the form's password check ─▶ 302 with code
    POST /token                              token: see demo.idp.token_endpoint
    GET  /logout                             end_session (POST too); back-channel logout
                                             to the client's backchannel_logout_uri
    GET  /dev/token?customer=|employee=      dev_token: a token without a password

For development and tests only: keys are generated at start and never stored, every
password is "demo", and redirects only ever go to loopback addresses.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from multidict import MultiDict

from demo.data import DemoCustomer, DemoEmployee, demo_employees
from demo.idp.authorization import (
    SCOPES,
    AuthorizationRequest,
    RedirectedError,
    UnsafeRequest,
    parse_authorization_request,
)
from demo.idp.backchannel import send_logout_tokens
from demo.idp.client_assertion import ASSERTION_ALGORITHMS, ClientAssertions, PublicKey
from demo.idp.clients import ClientRegistration, is_loopback_url
from demo.idp.grants import BrowserSession, GrantStore
from demo.idp.keys import KeyAlgorithm, KeyRing
from demo.idp.mint import Mint
from demo.idp.pages import error_page, html_response, login_page
from demo.idp.people import Directory
from demo.idp.token_endpoint import GRANT_TYPES, TokenEndpoint
from demo.server import DemoServer

__all__ = ["SESSION_COOKIE", "DevIssuer"]

SESSION_COOKIE = "dev_issuer_session"
_CLAIMS = (
    "sub", "name", "email", "tenant", "roles", "links", "act", "client_id", "sid", "auth_time",
    "nonce", "at_hash",
)  # fmt: skip
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class DevIssuer(DemoServer):
    """Development identity provider for `customers` and `employees` (default
    `demo_employees()`); the issuer is its own URL.

    One confidential client is registered: `client_id` with `client_secret` (generated
    when None; read it back from the attribute), and for private_key_jwt the public keys
    given to `register_client_key()`. Access tokens live `token_ttl_s`,
    authorization codes `code_ttl_s`, refresh tokens and browser sessions `refresh_ttl_s`.
    Call `issue_token()` (after `start()`) to mint tokens directly in tests and tools.
    With `backchannel_logout_uri` set (a loopback URL, as a client would register it),
    ending a session at /logout posts a logout token there for each ended session.
    """

    def __init__(
        self,
        customers: Sequence[DemoCustomer],
        *,
        employees: Sequence[DemoEmployee] | None = None,
        audience: str = "portalgate",
        token_ttl_s: int = 900,
        client_id: str = "portalgate",
        client_secret: str | None = None,
        code_ttl_s: float = 60.0,
        refresh_ttl_s: float = 8 * 3600.0,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_urlsafe(32)
        self._people = Directory(customers, demo_employees() if employees is None else employees)
        self._keys = KeyRing()
        self._mint = Mint(
            self._keys,
            self._people,
            issuer=lambda: self.url,
            audience=audience,
            token_ttl_s=token_ttl_s,
        )
        self._grants = GrantStore(
            code_ttl_s=code_ttl_s, refresh_ttl_s=refresh_ttl_s, session_ttl_s=refresh_ttl_s
        )
        self._client = ClientRegistration(client_id, self.client_secret)
        self._assertions = ClientAssertions(client_id)
        self._token_endpoint = TokenEndpoint(
            self._mint, self._grants, self._client, self._people, self._assertions
        )
        self._backchannel_logout_uri: str | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(client_id={self.client_id!r})"  # never the secret

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Generate the first signing key (once) and listen."""
        await self._keys.ensure_key()
        await super().start(host, port)

    @property
    def audience(self) -> str:
        """`aud` of access tokens unless a grant asks for another."""
        return self._mint.audience

    @audience.setter
    def audience(self, value: str) -> None:
        self._mint.audience = value

    @property
    def token_ttl_s(self) -> int:
        """Lifetime of access and id tokens, in seconds."""
        return self._mint.token_ttl_s

    @token_ttl_s.setter
    def token_ttl_s(self, value: int) -> None:
        self._mint.token_ttl_s = value

    @property
    def employees(self) -> list[DemoEmployee]:
        return self._people.employees

    @property
    def issuer(self) -> str:
        """The `iss` of every token: this server's URL."""
        return self.url

    @property
    def kid(self) -> str:
        """The id of the key that signs new tokens; RuntimeError before the first key."""
        return self._keys.current.kid

    def register_client_key(self, key: PublicKey) -> None:
        """Accept private_key_jwt assertions of the client signed by `key`'s private half."""
        self._assertions.register(key)

    @property
    def client_auth_methods(self) -> dict[str, int]:
        """How many token requests authenticated the client with each method."""
        return dict(self._token_endpoint.auth_methods)

    def rotate_key(self, algorithm: KeyAlgorithm = "RS256") -> str:
        """Sign new tokens with a fresh key (RS256 or ES256), keep publishing the old ones;
        returns the kid."""
        return self._keys.rotate(algorithm)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public key set, as served at /jwks.json."""
        return self._keys.jwks()

    @property
    def backchannel_logout_uri(self) -> str | None:
        """The client's registered back-channel logout endpoint, if any."""
        return self._backchannel_logout_uri

    @backchannel_logout_uri.setter
    def backchannel_logout_uri(self, value: str | None) -> None:
        if value is not None and not is_loopback_url(value):
            raise ValueError("the dev issuer only calls back-channel logout URIs on loopback")
        self._backchannel_logout_uri = value

    def issue_logout_token(
        self, subject: str | None = None, sid: str | None = None, **overrides: Any
    ) -> str:
        """A signed logout token for the client, as end_session sends it; `overrides`
        replace or add claims (None removes one)."""
        claims = self._mint.logout_claims(client_id=self.client_id, subject=subject, sid=sid)
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return self._mint.sign_logout(claims)

    def issue_token(self, subject: str, **overrides: Any) -> str:
        """A signed access token for the demo customer or employee `subject`.

        `overrides` replace or add claims; a value of None removes the claim. Raises
        KeyError for an unknown subject and RuntimeError before `start()`.
        """
        claims = self._mint.access_claims(subject)
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return self._mint.sign(claims)

    def _routes(self) -> Iterable[web.RouteDef]:
        return [
            web.get("/.well-known/openid-configuration", self._discovery, name="discovery"),
            web.get("/jwks.json", self._jwks, name="jwks"),
            web.get("/authorize", self._authorize, name="authorize"),
            web.post("/login", self._login, name="login"),
            web.post("/token", self._token_endpoint.handle, name="token"),
            web.get("/logout", self._end_session, name="end_session"),
            web.post("/logout", self._end_session, name="end_session"),
            web.get("/dev/token", self._dev_token, name="dev_token"),
        ]

    async def _discovery(self, request: web.Request) -> web.Response:
        base = self.url
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks.json",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": list(GRANT_TYPES),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
            "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(SCOPES),
            "prompt_values_supported": ["none", "login", "consent", "select_account"],
            "claims_supported": list(_CLAIMS),
            "authorization_response_iss_parameter_supported": True,
            "backchannel_logout_supported": True,
            "backchannel_logout_session_supported": True,
        }
        return web.json_response(document, headers={"Access-Control-Allow-Origin": "*"})

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks(), headers={"Access-Control-Allow-Origin": "*"})

    async def _authorize(self, request: web.Request) -> web.Response:
        try:
            auth = parse_authorization_request(request.query, self._client, self.issuer)
        except UnsafeRequest as exc:
            return html_response(error_page(exc.message), status=400)
        except RedirectedError as exc:
            return _redirect(exc.location)
        session = self._grants.session(request.cookies.get(SESSION_COOKIE))
        if session is not None and "login" not in auth.prompt:
            return self._code_redirect(auth, session)  # single sign-on: no form
        if "none" in auth.prompt:
            return _redirect(auth.respond(self.issuer, error="login_required"))
        return html_response(login_page(auth))

    async def _login(self, request: web.Request) -> web.Response:
        if request.content_type != "application/x-www-form-urlencoded":
            return html_response(error_page("the form was not sent as a form"), status=400)
        posted = await request.post()
        form = MultiDict((k, v) for k, v in posted.items() if isinstance(v, str))
        try:
            auth = parse_authorization_request(form, self._client, self.issuer)
        except UnsafeRequest as exc:
            return html_response(error_page(exc.message), status=400)
        except RedirectedError as exc:
            return _redirect(exc.location)
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
        return _redirect(auth.respond(self.issuer, code=code))

    async def _end_session(self, request: web.Request) -> web.Response:
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
        await self._log_out_client(ended, hinted=(sid, subject) if sid else None)
        if target is None:
            response = web.json_response({"status": "logged out"}, headers=_NO_STORE)
        else:
            state = params.get("state")
            separator = "&" if "?" in target else "?"
            location = target + (separator + urlencode({"state": state}) if state else "")
            response = _redirect(location)
        response.del_cookie(SESSION_COOKIE, path="/")
        return response

    async def _log_out_client(
        self, ended: Sequence[BrowserSession], hinted: tuple[str, str | None] | None
    ) -> None:
        uri = self._backchannel_logout_uri
        if uri is None:
            return
        # One logout token per provider session: the ones that ended, and the hinted one
        # (its browser session may be gone already, the client's may not).
        sessions: dict[str, str | None] = {s.sid: s.subject for s in ended}
        if hinted is not None:
            sessions.setdefault(hinted[0], hinted[1])
        tokens = [self.issue_logout_token(sub, sid) for sid, sub in sessions.items()]
        await send_logout_tokens(uri, tokens)

    async def _dev_token(self, request: web.Request) -> web.Response:
        customer = request.query.get("customer", "")
        employee = request.query.get("employee", "")
        if bool(customer) == bool(employee):
            return web.json_response({"error": "give customer or employee"}, status=400)
        known = self._people.customer(customer) if customer else self._people.employee(employee)
        if known is None:
            return web.json_response(
                {"error": f"unknown {'customer' if customer else 'employee'}"}, status=404
            )
        body = {
            "access_token": self.issue_token(customer or employee),
            "token_type": "Bearer",
            "expires_in": self.token_ttl_s,
        }
        return web.json_response(body, headers=_NO_STORE)


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location, **_NO_STORE})
