"""Who is asking: a bearer token (API clients) or a session cookie (browsers, the BFF way).

    Authorization: Bearer <jwt>  ─▶ sso.tokens.Authenticator ─▶ Principal
    Cookie: <session id>         ─▶ BrowserLogin.current (refreshed) ─▶ access token ─▶ Principal

Either way the access token is validated the same, strict way. The token's identity links
are renamed to the registry's link names here, once, so everything after this sees
`principal.links[<connector>]`. Cookie-authenticated requests that change state must
prove they come from our UI (`check_csrf`).
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from starlette.requests import Request

from config.registry import LinkSpec
from sso.browser_login import BrowserLogin
from sso.errors import InvalidToken
from sso.principal import Principal
from sso.sessions import Session
from sso.tokens import Authenticator

__all__ = ["Authentication", "BearerAuthenticator", "RequestAuthenticator", "csrf_failure"]

CSRF_HEADER = "X-CSRF-Token"


class BearerAuthenticator:
    """Turns an Authorization header into a Principal, or raises InvalidToken."""

    def __init__(self, authenticator: Authenticator, links: Mapping[str, LinkSpec]) -> None:
        self._authenticator = authenticator
        self._links = links

    async def authenticate(self, authorization: str | None) -> Principal:
        principal = await self._authenticator.authenticate(authorization)
        token_links = principal.links
        links = {
            name: token_links[spec.claim]
            for name, spec in self._links.items()
            if spec.claim is not None and spec.claim in token_links
        }
        return dataclasses.replace(principal, links=MappingProxyType(links))


@dataclass(frozen=True, slots=True)
class Authentication:
    """The principal, and the browser session when a cookie (not a bearer token) was used."""

    principal: Principal
    session: Session | None = None


class RequestAuthenticator:
    """Authenticates one HTTP request by bearer token or, for browsers, session cookie."""

    def __init__(
        self, bearer: BearerAuthenticator, login: BrowserLogin | None, cookie_name: str
    ) -> None:
        self._bearer = bearer
        self._login = login
        self._cookie_name = cookie_name

    async def authenticate(self, request: Request) -> Authentication:
        header = request.headers.get("authorization")
        if header is not None or self._login is None:
            return Authentication(await self._bearer.authenticate(header))
        session = await self.session(request)
        if session is None:
            raise InvalidToken("token is missing")
        principal = await self._bearer.authenticate(f"Bearer {session.access_token}")
        return Authentication(principal, session)

    async def session(self, request: Request) -> Session | None:
        """The request's live browser session, if it carries one."""
        session_id = request.cookies.get(self._cookie_name)
        if self._login is None or not session_id:
            return None
        return await self._login.current(session_id)


def csrf_failure(request: Request, session: Session, allowed_origins: frozenset[str]) -> str | None:
    """Why a cookie-authenticated, state-changing request is refused, or None if it is ours.

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
