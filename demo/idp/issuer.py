"""DevIssuer: the development OpenID Connect provider as an aiohttp server.

    GET  /.well-known/openid-configuration   discovery: see demo.idp.discovery
    GET  /jwks.json                          jwks (every key ever used, newest last)
    GET  /authorize                          authorize: code flow + PKCE; login form or SSO
    POST /login                              login: the form's password check ─▶ 302 with code
    POST /token                              token: see demo.idp.token_endpoint
    GET  /logout                             end_session (POST too); back-channel logout
                                             to the client's backchannel_logout_uri
    GET  /dev/token?customer=|employee=      dev_token: a token without a password

This module holds the issuer's state (keys, people, grants, the client) and mints tokens
directly for tests; the browser's routes (authorize, login, end_session) are in
demo.idp.sign_in.

For development and tests only: keys are generated at start and never stored, every
password is "demo", and redirects only ever go to loopback addresses.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web

from demo.data import DemoCustomer, DemoEmployee, demo_employees
from demo.idp.backchannel import send_logout_tokens
from demo.idp.client_assertion import ClientAssertions, PublicKey
from demo.idp.clients import ClientRegistration, is_loopback_url
from demo.idp.discovery import discovery_document
from demo.idp.grants import BrowserSession, GrantStore
from demo.idp.keys import KeyAlgorithm, KeyRing
from demo.idp.mint import Mint
from demo.idp.people import Directory
from demo.idp.sign_in import NO_STORE, SignInEndpoints
from demo.idp.token_endpoint import TokenEndpoint
from demo.server import DemoServer

__all__ = ["DevIssuer"]


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
        self._sign_in = SignInEndpoints(
            self._mint, self._grants, self._client, self._people, self._log_out_client
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
            web.get("/authorize", self._sign_in.authorize, name="authorize"),
            web.post("/login", self._sign_in.login, name="login"),
            web.post("/token", self._token_endpoint.handle, name="token"),
            web.get("/logout", self._sign_in.end_session, name="end_session"),
            web.post("/logout", self._sign_in.end_session, name="end_session"),
            web.get("/dev/token", self._dev_token, name="dev_token"),
        ]

    async def _discovery(self, request: web.Request) -> web.Response:
        document = discovery_document(issuer=self.issuer, base=self.url)
        return web.json_response(document, headers={"Access-Control-Allow-Origin": "*"})

    async def _jwks(self, request: web.Request) -> web.Response:
        return web.json_response(self.jwks(), headers={"Access-Control-Allow-Origin": "*"})

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
        return web.json_response(body, headers=NO_STORE)
