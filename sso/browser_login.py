"""The backend-for-frontend login: authorization code flow with PKCE, state and nonce.

    begin(return_to)      ─▶ remember (state ▶ verifier, nonce, return_to) ─▶ authorize URL
    complete(code, state) ─▶ code + verifier at the token endpoint ─▶ id_token checked
                             (signature, iss, aud = our client, nonce) ─▶ new Session
    current(session_id)   ─▶ the session, its access token refreshed shortly before expiry
    end(session_id)       ─▶ session deleted ─▶ the issuer's end-session URL

The browser never sees a token: only the session id, in an HttpOnly cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode

from sso.discovery import OidcMetadata
from sso.errors import InvalidToken
from sso.sessions import LoginAttempt, Session, SessionStore, new_session_id
from sso.token_endpoint import TokenEndpointClient, TokenEndpointError, TokenGrant
from sso.tokens import TokenValidator

__all__ = ["BrowserLogin", "LoginFailed"]

_LOGIN_TTL_S = 600.0


class LoginFailed(Exception):
    """The login could not be completed; `reason` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _expires_in(grant: TokenGrant) -> float:
    return max(0.0, grant.expires_at - time.monotonic())


class BrowserLogin:
    """Runs the OIDC code flow for browsers and keeps their sessions fresh."""

    def __init__(
        self,
        metadata: OidcMetadata,
        client: TokenEndpointClient,
        id_tokens: TokenValidator,
        store: SessionStore,
        *,
        redirect_uri: str,
        scope: str = "openid profile email",
        session_ttl_s: float = 8 * 3600,
        refresh_margin_s: float = 60.0,
    ) -> None:
        self._metadata = metadata
        self._client = client
        self._id_tokens = id_tokens
        self._store = store
        self._redirect_uri = redirect_uri
        self._scope = scope
        self._session_ttl_s = session_ttl_s
        self._refresh_margin_s = refresh_margin_s

    @property
    def session_ttl_s(self) -> float:
        return self._session_ttl_s

    async def begin(self, return_to: str) -> str:
        """The issuer's authorize URL for a new login attempt."""
        verifier, challenge = _pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        await self._store.put_login(state, LoginAttempt(verifier, nonce, return_to), _LOGIN_TTL_S)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._client.client_id,
                "redirect_uri": self._redirect_uri,
                "scope": self._scope,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self._metadata.authorization_endpoint}?{query}"

    async def complete(self, code: str, state: str) -> tuple[Session, str]:
        """A new session and the path to send the browser to; raises LoginFailed."""
        attempt = await self._store.pop_login(state)
        if attempt is None:
            raise LoginFailed("the login attempt is unknown or expired; start again")
        try:
            grant = await self._client.authorization_code(
                code, self._redirect_uri, attempt.verifier
            )
        except TokenEndpointError as exc:
            raise LoginFailed("the identity provider did not accept the login") from exc
        if grant.id_token is None:
            raise LoginFailed("the identity provider sent no id_token")
        try:
            claims = await self._id_tokens.validate(grant.id_token)
        except InvalidToken as exc:
            raise LoginFailed(f"the id_token was refused: {exc.reason}") from None
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, attempt.nonce):
            raise LoginFailed("the id_token does not belong to this login attempt")
        now = time.time()
        session = Session(
            id=new_session_id(),
            subject=str(claims["sub"]),
            access_token=grant.access_token,
            access_expires_at=now + _expires_in(grant),
            refresh_token=grant.refresh_token,
            id_token=grant.id_token,
            csrf_token=secrets.token_urlsafe(24),
            created_at=now,
            expires_at=now + self._session_ttl_s,
        )
        await self._store.put(session)
        return session, attempt.return_to

    def _needs_refresh(self, session: Session) -> bool:
        return session.access_expires_at - time.time() <= self._refresh_margin_s

    async def current(self, session_id: str) -> Session | None:
        """The live session for `session_id`, refreshed if its access token is about to
        expire; None (and the session deleted) when it can no longer be kept alive."""
        session = await self._store.get(session_id)
        if session is None or not self._needs_refresh(session):
            return session
        async with self._store.refresh_lock(session_id):
            # Another request (or replica) may have refreshed it while we waited.
            session = await self._store.get(session_id)
            if session is None or not self._needs_refresh(session):
                return session
            if session.refresh_token is None:
                await self._store.delete(session_id)
                return None
            try:
                grant = await self._client.refresh(session.refresh_token)
            except TokenEndpointError as exc:
                if exc.status is not None and 400 <= exc.status < 500:
                    await self._store.delete(session_id)
                    return None
                # The provider is unreachable: keep the session while its token lives.
                return session if session.access_expires_at > time.time() else None
            refreshed = session.with_tokens(
                grant.access_token, _expires_in(grant), grant.refresh_token
            )
            await self._store.put(refreshed)
            return refreshed

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
