"""POST /token: the grants of the dev issuer (RFC 6749, RFC 7636, RFC 8693).

    authorization_code   code + redirect_uri + code_verifier ─▶ access, id and refresh token
    refresh_token        rotation: a new refresh token each time; reuse revokes the family
    client_credentials   the client's own token; `audience` (or `resource`) sets `aud`
    token-exchange       subject_token ─▶ same subject for `audience`, or (with
                         `requested_subject`) a customer's token with `act` = the employee
    password             username + password, client authentication optional

Every grant but `password` needs client authentication (client_secret_basic,
client_secret_post or private_key_jwt; `auth_methods` counts which were used). Answers
are JSON and never cached; errors are `{"error", "error_description"}` (400, 401
invalid_client, 403 access_denied).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from aiohttp import web

from demo.idp.authorization import pkce_matches
from demo.idp.client_assertion import ClientAssertions
from demo.idp.clients import ClientRegistration, authenticate_client
from demo.idp.errors import OAuthError, oauth_error_response
from demo.idp.grants import GrantStore
from demo.idp.mint import Mint
from demo.idp.people import Directory

__all__ = ["ACCESS_TOKEN_TYPE", "GRANT_TYPES", "TOKEN_EXCHANGE", "TokenEndpoint"]

# RFC 8693 identifiers (URNs, not secrets).
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
GRANT_TYPES = (
    "authorization_code",
    "refresh_token",
    "client_credentials",
    TOKEN_EXCHANGE,
    "password",
)
IMPERSONATOR_ROLE = "customer_service"
_FRESH_CLAIMS = ("iss", "aud", "iat", "nbf", "exp", "client_id", "jti", "azp")

_Grant = Callable[[Mapping[str, str], str | None], dict[str, Any]]


class TokenEndpoint:
    """Handles POST /token for the issuer's one client."""

    def __init__(
        self,
        mint: Mint,
        grants: GrantStore,
        client: ClientRegistration,
        people: Directory,
        assertions: ClientAssertions,
    ) -> None:
        self._mint = mint
        self._grants = grants
        self._client = client
        self._people = people
        self._assertions = assertions
        self.auth_methods: Counter[str] = Counter()
        self._handlers: dict[str, _Grant] = {
            "authorization_code": self._authorization_code,
            "refresh_token": self._refresh_token,
            "client_credentials": self._client_credentials,
            TOKEN_EXCHANGE: self._token_exchange,
            "password": self._password,
        }

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one token request (the route handler)."""
        try:
            form = await _form(request)
            grant_type = _required(form, "grant_type")
            handler = self._handlers.get(grant_type)
            if handler is None:
                raise OAuthError("unsupported_grant_type", f"supported: {', '.join(GRANT_TYPES)}")
            # RFC 7523 §3: `aud` names the token endpoint (or, commonly, the issuer).
            endpoint = f"{self._mint.issuer}/token"
            authenticated = authenticate_client(
                self._client,
                request.headers.get("Authorization"),
                form,
                assertions=self._assertions,
                audiences=(endpoint, self._mint.issuer),
            )
            if authenticated is None and grant_type != "password":
                raise OAuthError("invalid_client", "client authentication is required", status=401)
            client_id = None
            if authenticated is not None:
                client_id, method = authenticated
                self.auth_methods[method] += 1
            body = handler(form, client_id)
        except OAuthError as exc:
            return oauth_error_response(exc)
        return web.json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _password(self, form: Mapping[str, str], client_id: str | None) -> dict[str, Any]:
        subject = self._people.sign_in(form.get("username", ""), form.get("password", ""))
        if subject is None:
            raise OAuthError("invalid_grant", "unknown user or wrong password")
        token = self._mint.sign(self._mint.access_claims(subject))
        return {"access_token": token, "token_type": "Bearer", "expires_in": self._mint.token_ttl_s}

    def _authorization_code(self, form: Mapping[str, str], client_id: str | None) -> dict[str, Any]:
        assert client_id is not None
        code = _required(form, "code")
        redirect_uri = _required(form, "redirect_uri")
        verifier = _required(form, "code_verifier")
        grant, family = self._grants.redeem_code(code)
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization request")
        if not pkce_matches(verifier, grant.code_challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        claims = self._mint.access_claims(grant.subject, scope=grant.scope)
        access_token = self._mint.sign({**claims, "client_id": client_id})
        id_token = self._mint.id_token(
            grant.subject,
            client_id=client_id,
            nonce=grant.nonce,
            sid=grant.sid,
            auth_time=grant.auth_time,
            access_token=access_token,
        )
        refresh_token = self._grants.issue_refresh(
            family=family, client_id=client_id, subject=grant.subject, scope=grant.scope,
            sid=grant.sid,
        )  # fmt: skip
        return {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": self._mint.token_ttl_s,
            "id_token": id_token,
            "refresh_token": refresh_token,
            "scope": grant.scope,
        }

    def _refresh_token(self, form: Mapping[str, str], client_id: str | None) -> dict[str, Any]:
        assert client_id is not None
        grant = self._grants.spend_refresh(_required(form, "refresh_token"), client_id)
        # RFC 6749 §6: a narrower scope may be asked for; the new refresh token keeps the
        # original one.
        scope = _narrowed(form.get("scope"), grant.scope)
        claims = self._mint.access_claims(grant.subject, scope=scope)
        refresh_token = self._grants.issue_refresh(
            family=grant.family, client_id=client_id, subject=grant.subject, scope=grant.scope,
            sid=grant.sid,
        )  # fmt: skip
        return {
            "access_token": self._mint.sign({**claims, "client_id": client_id}),
            "token_type": "Bearer",
            "expires_in": self._mint.token_ttl_s,
            "refresh_token": refresh_token,
            "scope": scope,
        }

    def _client_credentials(self, form: Mapping[str, str], client_id: str | None) -> dict[str, Any]:
        assert client_id is not None
        audience = form.get("audience") or form.get("resource")
        scope = form.get("scope") or None
        claims = self._mint.client_claims(client_id, audience=audience, scope=scope)
        body: dict[str, Any] = {
            "access_token": self._mint.sign(claims),
            "token_type": "Bearer",
            "expires_in": self._mint.token_ttl_s,
        }
        if scope:
            body["scope"] = scope
        return body

    def _token_exchange(self, form: Mapping[str, str], client_id: str | None) -> dict[str, Any]:
        assert client_id is not None
        subject_token = _required(form, "subject_token")
        if form.get("subject_token_type") != ACCESS_TOKEN_TYPE:
            raise OAuthError("invalid_request", f"subject_token_type must be {ACCESS_TOKEN_TYPE}")
        if form.get("requested_token_type", ACCESS_TOKEN_TYPE) != ACCESS_TOKEN_TYPE:
            raise OAuthError("invalid_request", f"requested_token_type must be {ACCESS_TOKEN_TYPE}")
        if "actor_token" in form:
            raise OAuthError("invalid_request", "actor_token is not supported")
        try:
            subject = dict(self._mint.verify(subject_token, audience=self._mint.audience))
        except jwt.InvalidTokenError:
            # RFC 8693 §2.2.2: an unacceptable subject_token is an invalid_request.
            raise OAuthError(
                "invalid_request", "subject_token is not a valid access token of this issuer"
            ) from None
        audience = form.get("audience") or form.get("resource")
        requested_subject = form.get("requested_subject")
        if not audience and not requested_subject:
            raise OAuthError("invalid_request", "give audience or requested_subject")
        scope = _narrowed(form.get("scope"), str(subject.get("scope", "")))
        now = int(time.time())
        # The new token never outlives the one it was exchanged for.
        ttl = max(0, min(self._mint.token_ttl_s, int(subject["exp"]) - now))
        if requested_subject:
            claims = self._impersonation(subject, requested_subject, audience, scope, ttl)
        else:
            claims = {k: v for k, v in subject.items() if k not in _FRESH_CLAIMS}
            claims.update(
                iss=self._mint.issuer, aud=audience, iat=now, nbf=now, exp=now + ttl, scope=scope
            )
        claims["client_id"] = client_id
        return {
            "access_token": self._mint.sign(claims),
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": scope,
        }

    def _impersonation(
        self,
        subject: Mapping[str, Any],
        customer: str,
        audience: str | None,
        scope: str,
        ttl: int,
    ) -> dict[str, Any]:
        roles = subject.get("roles")
        if not isinstance(roles, list) or IMPERSONATOR_ROLE not in roles:
            raise OAuthError(
                "access_denied", f"only {IMPERSONATOR_ROLE} may act for a customer", status=403
            )
        if self._people.customer(customer) is None:
            raise OAuthError("invalid_request", "requested_subject is not a known customer")
        claims = self._mint.access_claims(customer, audience=audience, scope=scope, ttl_s=ttl)
        # RFC 8693 §4.1: the acting party; its roles let the gateway apply its policy.
        claims["act"] = {"sub": subject["sub"], "roles": list(roles)}
        return claims


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_type != "application/x-www-form-urlencoded":
        raise OAuthError("invalid_request", "send application/x-www-form-urlencoded")
    posted = await request.post()
    form: dict[str, str] = {}
    for name in posted:
        values = posted.getall(name)
        # RFC 6749 §3.2: parameters must not be included more than once.
        if len(values) > 1:
            raise OAuthError("invalid_request", f"{name} is repeated")
        if isinstance(values[0], str):
            form[name] = values[0]
    return form


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError("invalid_request", f"{name} is required")
    return value


def _narrowed(requested: str | None, granted: str) -> str:
    if not requested:
        return granted
    if not set(requested.split()) <= set(granted.split()):
        raise OAuthError("invalid_scope", "the requested scope exceeds the granted scope")
    return " ".join(dict.fromkeys(requested.split()))
