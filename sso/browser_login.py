"""The backend-for-frontend login: authorization code flow with PKCE, state and nonce.

    begin(return_to)      ─▶ remember (state ▶ verifier, nonce, return_to, SHA-256 of a
                             browser binding, issuer) ─▶ authorize URL + the binding,
                             which the browser keeps in a pre-login cookie
    complete(code, state, ─▶ binding and `iss` checked ─▶ code + verifier at the token
             binding, iss)   endpoint ─▶ id_token checked (signature, iss, aud = our
                             client, nonce) ─▶ access token checked as every request
                             will check it ─▶ new Session; the browser's previous one ends
    current(session_id)   ─▶ the session, its access token refreshed shortly before expiry
                             (sso/session_refresh.py)
    end(session_id)       ─▶ session deleted ─▶ the issuer's end-session URL

The browser never sees a token: only the session id, in an HttpOnly cookie. The binding
stops login CSRF (a callback URL opened in another browser signs nobody in); the `iss`
check is the mix-up defence of RFC 9207. What to ask the provider for (scopes, `resource`,
extra parameters) is the `LoginRequest`. A login whose access token the gateway would
refuse on the next request is refused at once, with the reason and the setting to change;
every refused login, refused refresh and session ended for want of a refresh token is
logged with the provider's `error` and `error_description` (never a token or a code).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sso.discovery import OidcMetadata
from sso.errors import InvalidToken
from sso.login_request import LoginRequest
from sso.session_refresh import SessionRefresher, remaining_s
from sso.sessions import LoginAttempt, Session, SessionStore, new_session_id
from sso.token_endpoint import TokenEndpointClient, TokenEndpointError
from sso.tokens import Authenticator, TokenValidator
from sso.unusable_tokens import unusable_access_token

__all__ = ["BrowserLogin", "LoginFailed", "LoginStart"]

logger = logging.getLogger(__name__)


class LoginFailed(Exception):
    """The login could not be completed; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LoginStart:
    """Where to send the browser, and the binding it must bring back (a cookie value)."""

    authorize_url: str
    browser_binding: str = field(repr=False)


def _refused(reason: str, level: int = logging.INFO) -> LoginFailed:
    """The LoginFailed for `reason`, logged: WARNING where the provider or the settings are
    at fault, INFO where the browser is (a stale or foreign callback)."""
    logger.log(level, "login refused: %s", reason)
    return LoginFailed(reason)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class BrowserLogin:
    """Runs the OIDC code flow for browsers and keeps their sessions fresh."""

    def __init__(
        self,
        metadata: OidcMetadata,
        client: TokenEndpointClient,
        id_tokens: TokenValidator,
        store: SessionStore,
        *,
        access_tokens: Authenticator,
        redirect_uri: str,
        request: LoginRequest | None = None,
        session_ttl_s: float = 8 * 3600,
        refresh_margin_s: float = 60.0,
        login_ttl_s: float = 600.0,
    ) -> None:
        self._metadata = metadata
        self._client = client
        self._id_tokens = id_tokens
        self._access_tokens = access_tokens
        self._store = store
        self._redirect_uri = redirect_uri
        self._request = request or LoginRequest()
        self._session_ttl_s = session_ttl_s
        self._refresher = SessionRefresher(client, store, self._request, refresh_margin_s)
        self._login_ttl_s = login_ttl_s

    @property
    def session_ttl_s(self) -> float:
        return self._session_ttl_s

    @property
    def login_ttl_s(self) -> float:
        """How long a started login may take; the pre-login cookie lives as long."""
        return self._login_ttl_s

    async def begin(self, return_to: str) -> LoginStart:
        """The issuer's authorize URL for a new login attempt, and its browser binding."""
        verifier, challenge = _pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        binding = secrets.token_urlsafe(32)
        attempt = LoginAttempt(
            verifier, nonce, return_to, browser_hash=_digest(binding), issuer=self._metadata.issuer
        )
        await self._store.put_login(state, attempt, self._login_ttl_s)
        query = urlencode(
            [
                ("response_type", "code"),
                ("client_id", self._client.client_id),
                ("redirect_uri", self._redirect_uri),
                ("state", state),
                ("nonce", nonce),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
                *self._request.authorization_params(),
            ]
        )
        return LoginStart(f"{self._metadata.authorization_endpoint}?{query}", binding)

    def _check_response(self, attempt: LoginAttempt, binding: str | None, iss: str | None) -> None:
        if binding is None or not hmac.compare_digest(_digest(binding), attempt.browser_hash):
            raise _refused("this sign-in was started in another browser; start again")
        if iss is None:
            # RFC 9207 §2.4: a provider that advertises `iss` must always send it.
            if self._metadata.authorization_response_iss_parameter_supported:
                raise _refused("the identity provider's response has no `iss`")
        elif not hmac.compare_digest(iss.encode(), attempt.issuer.encode()):
            raise _refused("the response comes from another identity provider")

    async def complete(
        self,
        code: str,
        state: str,
        *,
        browser_binding: str | None,
        iss: str | None,
        previous_session_id: str | None = None,
    ) -> tuple[Session, str]:
        """A new session and the path to send the browser to; raises LoginFailed.

        `browser_binding` is the pre-login cookie, `iss` the authorization response's
        parameter. On success the browser's previous session (if any) is deleted: a login
        always ends what the browser had before, so an id known before it is worth nothing.
        """
        attempt = await self._store.pop_login(state)  # single use, even when refused below
        if attempt is None:
            raise _refused("the login attempt is unknown or expired; start again")
        self._check_response(attempt, browser_binding, iss)
        try:
            grant = await self._client.authorization_code(
                code,
                self._redirect_uri,
                attempt.verifier,
                resource=self._request.token_resource,
            )
        except TokenEndpointError as exc:
            logger.warning(
                "login refused: the identity provider's token endpoint answered %s (HTTP %s): %s",
                exc.error,
                exc.status,
                exc.description or "no error_description",
            )
            raise LoginFailed(
                f"the identity provider did not accept the login ({exc.error})"
            ) from None
        if grant.id_token is None:
            raise _refused("the identity provider sent no id_token", logging.WARNING)
        try:
            claims = await self._id_tokens.validate(grant.id_token)
        except InvalidToken as exc:
            raise _refused(f"the id_token was refused: {exc.reason}", logging.WARNING) from None
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, attempt.nonce):
            raise _refused("the id_token does not belong to this login attempt")
        await self._check_access_token(grant.access_token, str(claims["sub"]))
        if grant.refresh_token is None:
            logger.info(
                "login: the identity provider issued no refresh token (scope asked: %s); "
                "the session ends when its access token expires",
                self._request.scope,
            )
        now = time.time()
        session = Session(
            id=new_session_id(),
            subject=str(claims["sub"]),
            access_token=grant.access_token,
            access_expires_at=now + remaining_s(grant),
            refresh_token=grant.refresh_token,
            id_token=grant.id_token,
            csrf_token=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + self._session_ttl_s,
            sid=claims["sid"] if isinstance(claims.get("sid"), str) else None,
        )
        if previous_session_id:
            await self._store.delete(previous_session_id)
        await self._store.put(session)
        return session, attempt.return_to

    async def _check_access_token(self, access_token: str, subject: str) -> None:
        """Refuse a login whose access token every later request would refuse (RFC 9068
        JWT for our audience, same subject as the id_token)."""
        try:
            principal = await self._access_tokens.authenticate(f"Bearer {access_token}")
        except InvalidToken as exc:
            reason, fix = unusable_access_token(access_token, exc.reason)
        else:
            if principal.subject == subject:
                return
            reason = "it names another subject than the id_token"
            fix = "check the provider's subject settings for this client"
        raise _refused(
            f"the identity provider issued an access token this gateway cannot use: {reason}; "
            f"{fix}",
            logging.WARNING,
        )

    async def current(self, session_id: str) -> Session | None:
        """The live session for `session_id`, refreshed if its access token is about to
        expire; None (and the session deleted) when it can no longer be kept alive."""
        return await self._refresher.current(session_id)

    async def end(self, session_id: str, post_logout_redirect_uri: str | None) -> str | None:
        """Forget the session; the issuer's end-session URL (if it has one) to visit next."""
        session = await self._store.get(session_id)
        await self._store.delete(session_id)
        endpoint = self._metadata.end_session_endpoint
        if endpoint is None:
            return None
        params = {"client_id": self._client.client_id}
        if session is not None and session.id_token:
            params["id_token_hint"] = session.id_token
        if post_logout_redirect_uri:
            params["post_logout_redirect_uri"] = post_logout_redirect_uri
        return f"{endpoint}?{urlencode(params)}"
