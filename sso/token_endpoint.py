"""The gateway as an OAuth 2.0 client of its identity provider's token endpoint.

    authorization_code   browser login (PKCE)               ─▶ access, id and refresh token
    refresh_token        keep a browser session alive       ─▶ new access + rotated refresh
    client_credentials   the gateway's own token for a portal
    token_exchange       RFC 8693: a user's token for a portal's audience, or (with
                         `requested_subject`) an employee acting for a customer

Every request authenticates the client the configured way (`sso/client_auth.py`:
client_secret_basic, client_secret_post or private_key_jwt).

Errors never carry the provider's raw body or any token: `TokenEndpointError` holds the
OAuth error code (`invalid_grant`, `access_denied`, ...), the HTTP status and the
provider's `error_description`, cut to a bounded length, printable characters only, with
any credential or token the request sent blanked out.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp
from pydantic import SecretStr

from config.upstream_auth import TargetParameter, is_resource_uri
from sso.client_auth import ClientAuthentication, ClientSecretBasic

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
MAX_DESCRIPTION_CHARS = 200
# Form fields whose values are credentials or tokens: never echoed back in an error.
_SECRET_FIELDS = (
    "code",
    "code_verifier",
    "refresh_token",
    "subject_token",
    "client_secret",
    "client_assertion",
)


class TokenEndpointError(Exception):
    """The token endpoint refused or could not be reached.

    `error` is the OAuth error code (or `timeout`, `unreachable`, `invalid_response`),
    `status` the HTTP status when there was an answer, `description` the provider's
    `error_description` (bounded, printable, credentials blanked) or None. Safe to log.
    """

    def __init__(
        self, error: str, status: int | None = None, description: str | None = None
    ) -> None:
        message = f"token endpoint: {error}" + (f" (HTTP {status})" if status else "")
        super().__init__(message + (f": {description}" if description else ""))
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
    """Requests tokens for one confidential client.

    The client authenticates with `authentication` (see `sso/client_auth.py`); without
    one, `client_secret` is sent as client_secret_basic.
    """

    def __init__(
        self,
        token_endpoint: str,
        client_id: str,
        client_secret: SecretStr | None,
        session: aiohttp.ClientSession,
        *,
        authentication: ClientAuthentication | None = None,
        timeout_s: float = 5.0,
    ) -> None:
        if authentication is None:
            if client_secret is None:
                raise ValueError("give client_secret or authentication")
            authentication = ClientSecretBasic(client_secret)
        self._endpoint = token_endpoint
        self._client_id = client_id
        self._authentication = authentication
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
        self,
        audience: str | None = None,
        scope: str | None = None,
        *,
        target_parameter: TargetParameter = "auto",
    ) -> TokenGrant:
        form = {"grant_type": "client_credentials", **_target(audience, target_parameter)}
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
        target_parameter: TargetParameter = "auto",
    ) -> TokenGrant:
        form = {
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "subject_token": subject_token,
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "requested_token_type": ACCESS_TOKEN_TYPE,
        }
        form |= _target(audience, target_parameter)
        if requested_subject:
            form["requested_subject"] = requested_subject
        if scope:
            form["scope"] = scope
        return await self._request(form)

    async def _request(
        self, form: Mapping[str, str], repeated: Sequence[tuple[str, str]] = ()
    ) -> TokenGrant:
        """POST `form` plus the client's proof; `repeated` are fields sent more than once
        (several RFC 8707 `resource` values)."""
        proof = self._authentication.proof(self._client_id, self._endpoint)
        headers = {"Accept": "application/json", **proof.headers}
        data = {**form, **proof.form}
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._session.post(
                    self._endpoint,
                    data=[*data.items(), *repeated],
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
            sent = [data[name] for name in _SECRET_FIELDS if data.get(name)]
            sent += [value.partition(" ")[2] for value in proof.headers.values()]
            sent = [value for value in sent if value]
            raise TokenEndpointError(code, status, _description(body, sent))
        return _grant(body, status)


def _description(body: Mapping[str, object], sent: list[str]) -> str | None:
    """The provider's `error_description`, made safe to log and bounded in size."""
    text = body.get("error_description")
    if not isinstance(text, str):
        return None
    for value in sent:  # a provider that echoes what it got must not leak it through us
        text = text.replace(value, "[redacted]")
    printable = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    if len(printable) > MAX_DESCRIPTION_CHARS:
        printable = printable[: MAX_DESCRIPTION_CHARS - 1] + "…"
    return printable or None


def _target(audience: str | None, parameter: TargetParameter) -> dict[str, str]:
    """Name the wanted token's target the way the provider reads it.

    `auto`: an absolute URI is an RFC 8707 `resource`; a plain name can only be the
    non-standard `audience` (RFC 8693, Auth0, Keycloak). The registry can force either
    or both for a provider that documents otherwise.
    """
    if not audience:
        return {}
    if parameter == "auto":
        parameter = "resource" if is_resource_uri(audience) else "audience"
    if parameter == "both":
        return {"audience": audience, "resource": audience}
    return {parameter: audience}


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
