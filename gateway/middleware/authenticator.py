"""Who is asking: a bearer token (API clients) or a session cookie (browsers, the BFF way).

    Authorization: Bearer <jwt>  ─▶ sso.tokens.Authenticator ─▶ Principal
    Cookie: <session id>         ─▶ BrowserLogin.current (refreshed) ─▶ access token ─▶ Principal

Either way the access token is validated the same, strict way. The token's identity links
are read under the registry's link names (sso.claims.ClaimMapping), so everything after
this sees `principal.links[<connector>]`. Cookie-authenticated requests, reads as well as writes,
must prove they come from our UI (`csrf_failure`). A refused act-as exchange says what
the provider did (and logs its `error` and `error_description`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
from dataclasses import dataclass

from starlette.requests import Request

from connectors.principal import Actor, Principal
from resolvers.errors import BadUserInput, Forbidden
from sso.acting import ActingPolicy
from sso.browser_login import BrowserLogin
from sso.errors import InvalidToken
from sso.sessions import Session
from sso.token_cache import TokenCache
from sso.token_endpoint import TokenEndpointClient, TokenEndpointError
from sso.tokens import Authenticator

__all__ = ["Authentication", "BearerAuthenticator", "RequestAuthenticator", "csrf_failure"]

CSRF_HEADER = "X-CSRF-Token"
ACT_AS_HEADER = "X-Act-As"
logger = logging.getLogger(__name__)


class BearerAuthenticator:
    """Turns an Authorization header into a Principal, or raises InvalidToken.

    `authenticator` reads the claims with the registry's claim mapping, so the links
    already carry connector names.
    """

    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator

    async def authenticate(self, authorization: str | None) -> Principal:
        return await self._authenticator.authenticate(authorization)


@dataclass(frozen=True, slots=True)
class Authentication:
    """The principal, and the browser session when a cookie (not a bearer token) was used."""

    principal: Principal
    session: Session | None = None


class RequestAuthenticator:
    """Authenticates one HTTP request by bearer token or, for browsers, session cookie.

    With `X-Act-As: <customer>` an employee's principal is swapped for the customer's
    (RFC 8693 exchange with `requested_subject` at the identity provider); the result
    carries the employee as `actor`. Raises InvalidToken (401) or a GatewayError.
    """

    def __init__(
        self,
        bearer: BearerAuthenticator,
        login: BrowserLogin | None,
        cookie_name: str,
        *,
        acting: ActingPolicy,
        token_client: TokenEndpointClient | None = None,
    ) -> None:
        self._bearer = bearer
        self._login = login
        self._cookie_name = cookie_name
        self._acting = acting
        self._client = token_client
        self._acting_tokens = TokenCache()

    async def authenticate(self, request: Request) -> Authentication:
        header = request.headers.get("authorization")
        session: Session | None = None
        if header is not None or self._login is None:
            principal = await self._bearer.authenticate(header)
        else:
            session = await self.session(request)
            if session is None:
                raise InvalidToken("token is missing")
            principal = await self._bearer.authenticate(f"Bearer {session.access_token}")
            if principal.subject != session.subject:
                # A refresh handed this session someone else's token: the person signed in
                # changed, which only a new login (and a new session id) may do.
                assert self._login is not None
                await self._login.end(session.id, None)
                raise InvalidToken("token is missing")
        act_as = request.headers.get(ACT_AS_HEADER)
        if act_as is not None:
            principal = await self._act_as(principal, act_as)
        if not self._acting.actor_allowed(principal):
            raise Forbidden("This token acts for a customer without the role to do so.")
        return Authentication(principal, session)

    async def _act_as(self, employee: Principal, customer: str) -> Principal:
        if not customer or len(customer) > 128 or not customer.isprintable():
            raise BadUserInput(f"`{ACT_AS_HEADER}` must name a customer.")
        if employee.actor is not None or not self._acting.may_act(employee):
            raise Forbidden("Your role may not act for customers.")
        client, token = self._client, employee.token
        if client is None or token is None:
            raise Forbidden("Acting for customers is not configured.")
        key = f"act|{hashlib.sha256(token.encode()).hexdigest()}|{customer}"
        try:
            customer_token = await self._acting_tokens.get(
                key, lambda: client.exchange(token, requested_subject=customer)
            )
        except TokenEndpointError as exc:
            raise _exchange_refused(exc) from None
        acting = await self._bearer.authenticate(f"Bearer {customer_token}")
        if acting.actor is None or acting.actor.subject != employee.subject:
            logger.warning("act-as: the exchanged token does not name the employee as its actor")
            raise Forbidden("The identity provider's token does not name you as the one acting.")
        # The employee's role was checked on their own token before the exchange: it holds
        # even when the provider's `act` claim carries no roles.
        actor = Actor(acting.actor.subject, acting.actor.roles | employee.roles)
        return dataclasses.replace(acting, actor=actor)

    async def session(self, request: Request) -> Session | None:
        """The request's live browser session, if it carries one."""
        session_id = request.cookies.get(self._cookie_name)
        if self._login is None or not session_id:
            return None
        return await self._login.current(session_id)


def _exchange_refused(exc: TokenEndpointError) -> Exception:
    """The true reason an act-as exchange failed, logged with the provider's description."""
    logger.warning(
        "act-as: the identity provider refused the token exchange: %s (HTTP %s): %s",
        exc.error,
        exc.status,
        exc.description or "no error_description",
    )
    if exc.status is None or exc.status >= 500:
        return InvalidToken("identity provider unavailable")
    if exc.error == "unsupported_grant_type":
        return Forbidden(
            "The identity provider does not support token exchange (unsupported_grant_type); "
            "acting for customers is unavailable."
        )
    return Forbidden(f"The identity provider refused to let you act for them ({exc.error}).")


def csrf_failure(request: Request, session: Session, allowed_origins: frozenset[str]) -> str | None:
    """Why a cookie-authenticated request is refused, or None if it comes from our UI.

    Two independent checks (OWASP): the session's CSRF token in a header a cross-site form
    cannot set, and, when the browser sends one, an Origin we serve.
    """
    origin = request.headers.get("origin")
    if origin is not None and origin not in allowed_origins:
        return "requests from this origin are not accepted"
    given = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(given.encode(), session.csrf_token.encode()):
        return f"the {CSRF_HEADER} header is missing or wrong"
    return None
