"""Keeping a browser session alive: its access token is refreshed shortly before expiry.

    current(session_id) ─▶ fresh enough? return it
                        ─▶ refresh lock (one refresh per session, on every replica)
                        ─▶ refreshed meanwhile? return it
                        ─▶ no refresh token ─▶ session ended
                        ─▶ refresh grant ─▶ refused (4xx) ─▶ session ended
                                         ─▶ unreachable  ─▶ kept while its token lives
                                         ─▶ new tokens stored

Every session ended here is logged with why (never a token).
"""

from __future__ import annotations

import logging
import time

from sso.login_request import LoginRequest
from sso.sessions import Session, SessionStore
from sso.token_endpoint import TokenEndpointClient, TokenEndpointError, TokenGrant

__all__ = ["SessionRefresher", "remaining_s"]

logger = logging.getLogger(__name__)


def remaining_s(grant: TokenGrant) -> float:
    """Seconds the grant's access token still lives (sessions store wall-clock times)."""
    return max(0.0, grant.expires_at - time.monotonic())


class SessionRefresher:
    """Refreshes sessions whose access token expires within `margin_s`; BrowserLogin
    calls it for every cookie-authenticated request."""

    def __init__(
        self,
        client: TokenEndpointClient,
        store: SessionStore,
        request: LoginRequest,
        margin_s: float,
    ) -> None:
        self._client = client
        self._store = store
        self._token_resource = request.token_resource
        self._margin_s = margin_s

    def _needs_refresh(self, session: Session) -> bool:
        return session.access_expires_at - time.time() <= self._margin_s

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
                logger.info(
                    "session ended: its access token expires and it has no refresh token "
                    "(set PORTALGATE_LOGIN_REFRESH=true with a provider that lists "
                    "offline_access, or add the provider's refresh scope to "
                    "PORTALGATE_LOGIN_SCOPES)"
                )
                await self._store.delete(session_id)
                return None
            try:
                grant = await self._client.refresh(
                    session.refresh_token, resource=self._token_resource
                )
            except TokenEndpointError as exc:
                if exc.status is not None and 400 <= exc.status < 500:
                    logger.warning(
                        "session ended: the identity provider refused its refresh: %s (HTTP %s): "
                        "%s",
                        exc.error,
                        exc.status,
                        exc.description or "no error_description",
                    )
                    await self._store.delete(session_id)
                    return None
                logger.warning(
                    "session refresh failed, kept while its access token lives: %s", exc.error
                )
                # The provider is unreachable: keep the session while its token lives.
                return session if session.access_expires_at > time.time() else None
            refreshed = session.with_tokens(
                grant.access_token, remaining_s(grant), grant.refresh_token
            )
            await self._store.put(refreshed)
            return refreshed
