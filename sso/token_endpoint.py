"""The gateway as an OAuth 2.0 client of its identity provider's token endpoint.

    authorization_code   browser login (PKCE)               ─▶ access, id and refresh token
    refresh_token        keep a browser session alive       ─▶ new access + rotated refresh
    client_credentials   the gateway's own token for a portal
    token_exchange       RFC 8693: a user's token for a portal's audience, or (with
                         `requested_subject`) an employee acting for a customer

Errors never carry the provider's body or any token: `TokenEndpointError` holds the OAuth
error code (`invalid_grant`, `access_denied`, ...), the HTTP status and the provider's
`error_description` (for logs; never shown to a client).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp
from pydantic import SecretStr

from sso.basic_auth import client_authorization

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "TOKEN_EXCHANGE_GRANT",
    "TokenEndpointClient",
    "TokenEndpointError",
    "TokenGrant",
]

# RFC 8693 identifiers (URNs, not secrets).
TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105
_MAX_RESPONSE_BYTES = 64 * 1024


class TokenEndpointError(Exception):
    """The token endpoint refused or could not be reached; `error` is the OAuth error code."""

    def __init__(
        self, error: str, status: int | None = None, description: str | None = None
    ) -> None:
        super().__init__(f"token endpoint: {error}" + (f" (HTTP {status})" if status else ""))
        self.error = error
        self.status = status
        self.description = description


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """Tokens from one successful grant; `expires_at` is on the monotonic clock."""

    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    scope: str | None = None


class TokenEndpointClient:
    """Requests tokens for one confidential client (client_secret_basic)."""

    def __init__(
        self,
        token_endpoint: str,
        client_id: str,
        client_secret: SecretStr,
        session: aiohttp.ClientSession,
        *,
        timeout_s: float = 5.0,
    ) -> None:
        self._endpoint = token_endpoint
        self._client_id = client_id
        self._secret = client_secret
        self._session = session
        self._timeout_s = timeout_s

    @property
    def client_id(self) -> str:
        return self._client_id

    async def authorization_code(
        self, code: str, redirect_uri: str, verifier: str, *, resource: Sequence[str] = ()
    ) -> TokenGrant:
        """`resource`: RFC 8707 indicators the access token is for (login_resource)."""
        return await self._request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            [("resource", uri) for uri in resource],
        )

    async def refresh(self, refresh_token: str, *, resource: Sequence[str] = ()) -> TokenGrant:
        return await self._request(
            {"grant_type": "refresh_token", "refresh_token": refresh_token},
            [("resource", uri) for uri in resource],
        )

    async def client_credentials(
        self, audience: str | None = None, scope: str | None = None
    ) -> TokenGrant:
        form = {"grant_type": "client_credentials", **_target(audience)}
        if scope:
            form["scope"] = scope
        return await self._request(form)

    async def exchange(
        self,
        subject_token: str,
        *,
        audience: str | None = None,
        requested_subject: str | None = None,
        scope: str | None = None,
    ) -> TokenGrant:
        form = {
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": subject_token,
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "requested_token_type": ACCESS_TOKEN_TYPE,
        }
        form |= _target(audience)
        if requested_subject:
            form["requested_subject"] = requested_subject
        if scope:
            form["scope"] = scope
        return await self._request(form)

    async def _request(
        self, form: Mapping[str, str], repeated: Sequence[tuple[str, str]] = ()
    ) -> TokenGrant:
        headers = {
            "Accept": "application/json",
            "Authorization": client_authorization(self._client_id, self._secret.get_secret_value()),
        }
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._session.post(
                    self._endpoint,
                    data=[*form.items(), *repeated],
                    headers=headers,
                    allow_redirects=False,
                ) as resp:
                    raw = await resp.content.read(_MAX_RESPONSE_BYTES + 1)
                    status = resp.status
        except TimeoutError as exc:
            raise TokenEndpointError("timeout") from exc
        except aiohttp.ClientError as exc:
            raise TokenEndpointError("unreachable") from exc
        try:
            body = json.loads(raw) if len(raw) <= _MAX_RESPONSE_BYTES else None
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise TokenEndpointError("invalid_response", status)
        if status != 200:
            error = body.get("error")
            code = error if isinstance(error, str) and error.isidentifier() else "invalid_response"
            raise TokenEndpointError(code, status, _description(body))
        return _grant(body, status)


def _description(body: Mapping[str, object]) -> str | None:
    """The provider's `error_description`, bounded and printable, for a log line."""
    text = body.get("error_description")
    if not isinstance(text, str):
        return None
    return "".join(ch if ch.isprintable() else " " for ch in text[:300])


def _target(audience: str | None) -> dict[str, str]:
    """Name the token's audience both ways: `audience` (RFC 8693, common providers) and,
    when it is an absolute URI, `resource` (RFC 8707), which some providers require."""
    if not audience:
        return {}
    target = {"audience": audience}
    if urlsplit(audience).scheme:
        target["resource"] = audience
    return target


def _grant(body: Mapping[str, object], status: int) -> TokenGrant:
    access = body.get("access_token")
    expires_in = body.get("expires_in", 300)
    if not isinstance(access, str) or not access:
        raise TokenEndpointError("invalid_response", status)
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) or expires_in <= 0:
        raise TokenEndpointError("invalid_response", status)
    refresh, id_token, scope = (body.get(k) for k in ("refresh_token", "id_token", "scope"))
    return TokenGrant(
        access_token=access,
        expires_at=time.monotonic() + float(expires_in),
        refresh_token=refresh if isinstance(refresh, str) else None,
        id_token=id_token if isinstance(id_token, str) else None,
        scope=scope if isinstance(scope, str) else None,
    )
