"""What the issuer remembers between requests: browser sessions, codes, refresh tokens.

    login ─▶ BrowserSession (cookie) ─▶ AuthorizationCode (60 s, single use)
          ─▶ refresh token family: rt1 ─▶ rt2 ─▶ rt3 ...   (each one used once)

Reusing a spent code or a spent refresh token revokes the whole family it started
(OAuth 2.0 Security BCP, RFC 9700 §4.14.2), and ending a browser session revokes every
family issued under its `sid`. Everything lives in memory and dies with the issuer.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from demo.idp.errors import OAuthError

__all__ = ["AuthorizationCode", "BrowserSession", "GrantStore", "RefreshGrant"]


@dataclass(frozen=True)
class BrowserSession:
    """One signed-in browser: `sid` is public (the id_token's `sid`), the cookie is not."""

    sid: str
    subject: str
    auth_time: int  # epoch seconds of the password check
    expires_at: float  # on the store's clock


@dataclass(frozen=True)
class AuthorizationCode:
    """Everything a code is bound to (RFC 6749 §4.1.2, RFC 7636 §4.4)."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    subject: str
    scope: str
    sid: str
    auth_time: int
    expires_at: float


@dataclass(frozen=True)
class RefreshGrant:
    """What a refresh token stands for; `family` is shared by all its rotations."""

    family: str
    client_id: str
    subject: str
    scope: str
    sid: str
    expires_at: float


class GrantStore:
    """In-memory sessions, codes and refresh tokens. `clock` is monotonic seconds."""

    def __init__(
        self,
        *,
        code_ttl_s: float,
        refresh_ttl_s: float,
        session_ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._code_ttl_s = code_ttl_s
        self._refresh_ttl_s = refresh_ttl_s
        self._session_ttl_s = session_ttl_s
        self._clock = clock
        self._sessions: dict[str, BrowserSession] = {}  # by cookie value
        self._codes: dict[str, AuthorizationCode] = {}
        self._spent_codes: dict[str, tuple[str, float]] = {}  # code ▶ (family, forget at)
        self._refresh: dict[str, RefreshGrant] = {}
        self._spent_refresh: dict[str, RefreshGrant] = {}

    # Browser sessions

    def open_session(self, subject: str) -> tuple[str, BrowserSession]:
        """A new session for `subject`; returns the cookie value and the session."""
        cookie = secrets.token_urlsafe(32)
        session = BrowserSession(
            sid=secrets.token_urlsafe(16),
            subject=subject,
            auth_time=int(time.time()),
            expires_at=self._clock() + self._session_ttl_s,
        )
        self._sessions[cookie] = session
        return cookie, session

    def session(self, cookie: str | None) -> BrowserSession | None:
        """The live session behind a cookie value, if any."""
        session = self._sessions.get(cookie or "")
        if session is None or session.expires_at <= self._clock():
            self._sessions.pop(cookie or "", None)
            return None
        return session

    def forget_session(self, cookie: str | None) -> None:
        """Drop a session without touching its tokens (a new login replaced it)."""
        self._sessions.pop(cookie or "", None)

    def end_sessions(
        self, *, cookie: str | None = None, sid: str | None = None
    ) -> list[BrowserSession]:
        """End the cookie's session and the one with `sid`; revoke their refresh tokens.
        Returns the sessions that ended (for back-channel logout)."""
        sids = {sid} if sid else set()
        ended: list[BrowserSession] = []
        session = self._sessions.pop(cookie or "", None)
        if session is not None:
            sids.add(session.sid)
            ended.append(session)
        for key, other in list(self._sessions.items()):
            if other.sid in sids:
                ended.append(self._sessions.pop(key))
        families = {g.family for g in self._refresh.values() if g.sid in sids}
        for family in families:
            self._revoke(family)
        return ended

    # Authorization codes

    def issue_code(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        code_challenge: str,
        nonce: str | None,
        scope: str,
        session: BrowserSession,
    ) -> str:
        self._purge()
        code = secrets.token_urlsafe(32)
        self._codes[code] = AuthorizationCode(
            client_id=client_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            nonce=nonce,
            subject=session.subject,
            scope=scope,
            sid=session.sid,
            auth_time=session.auth_time,
            expires_at=self._clock() + self._code_ttl_s,
        )
        return code

    def redeem_code(self, code: str) -> tuple[AuthorizationCode, str]:
        """The code's grant and the refresh token family to start; the code is spent.

        A code counts as used by any redemption, also one that fails a later check (a
        wrong verifier), so it cannot be guessed at. Raises OAuthError `invalid_grant`;
        a second redemption also revokes the tokens issued for the first.
        """
        grant = self._codes.pop(code, None)
        if grant is None:
            spent = self._spent_codes.get(code)
            if spent is not None:
                self._revoke(spent[0])
                raise OAuthError("invalid_grant", "the code was already used")
            raise OAuthError("invalid_grant", "unknown or expired code")
        family = secrets.token_urlsafe(16)
        self._spent_codes[code] = (family, self._clock() + self._refresh_ttl_s)
        if grant.expires_at <= self._clock():
            raise OAuthError("invalid_grant", "unknown or expired code")
        return grant, family

    # Refresh tokens

    def issue_refresh(
        self, *, family: str, client_id: str, subject: str, scope: str, sid: str
    ) -> str:
        token = secrets.token_urlsafe(32)
        self._refresh[token] = RefreshGrant(
            family=family,
            client_id=client_id,
            subject=subject,
            scope=scope,
            sid=sid,
            expires_at=self._clock() + self._refresh_ttl_s,
        )
        return token

    def spend_refresh(self, token: str, client_id: str) -> RefreshGrant:
        """The grant behind a refresh token, which is now spent (rotation).

        Raises OAuthError `invalid_grant`; presenting a spent token revokes its family.
        """
        grant = self._refresh.get(token)
        if grant is None:
            spent = self._spent_refresh.get(token)
            if spent is not None:
                self._revoke(spent.family)
            raise OAuthError("invalid_grant", "unknown, spent or revoked refresh token")
        if grant.client_id != client_id:
            raise OAuthError("invalid_grant", "the refresh token was issued to another client")
        del self._refresh[token]
        if grant.expires_at <= self._clock():
            raise OAuthError("invalid_grant", "the refresh token has expired")
        self._spent_refresh[token] = grant
        return grant

    def _revoke(self, family: str) -> None:
        for token, grant in list(self._refresh.items()):
            if grant.family == family:
                del self._refresh[token]

    def _purge(self) -> None:
        # Bounded memory for a long-running demo: forget what can no longer matter.
        now = self._clock()
        for code, grant in list(self._codes.items()):
            if grant.expires_at <= now:
                del self._codes[code]
        for code, (_, forget_at) in list(self._spent_codes.items()):
            if forget_at <= now:
                del self._spent_codes[code]
        for token, spent in list(self._spent_refresh.items()):
            if spent.expires_at <= now:
                del self._spent_refresh[token]
        for cookie, session in list(self._sessions.items()):
            if session.expires_at <= now:
                del self._sessions[cookie]
