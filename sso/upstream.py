"""Upstream credentials: how each connector authenticates to its portal, supplied per call.

    none                 nothing
    api_key              a static key in a header                      (CRM)
    basic                HTTP basic auth                               (billing)
    bearer               a static service token
    client_credentials   the gateway's own OAuth token for the portal  (cached until near expiry)
    forward              the signed-in user's own bearer token
    token_exchange       RFC 8693: the user's token exchanged for one with the portal's audience

The schemes are plain data in `config.upstream_auth`; this module turns them into the
connectors' per-call auth hook (`connectors.base.CredentialProvider`). Static secrets are
resolved once at start-up, so a missing one fails the start. Connectors only ever see the
resulting headers.
An issuer's token (client_credentials, token_exchange) that a portal refuses with a 401
is forgotten through the headers' `UpstreamAuth.rejected` hook, and the connector's
session sends the call once more.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from config.errors import ConfigError
from config.upstream_auth import (
    ApiKeyAuth,
    BasicAuth,
    ClientCredentialsAuth,
    ForwardTokenAuth,
    NoAuth,
    Scheme,
    SecretRef,
    StaticBearerAuth,
    TokenExchangeAuth,
)
from connectors.base import UpstreamAuth
from connectors.errors import ConnectorError, ConnectorUnavailable, UpstreamRejected
from connectors.principal import Principal
from sso.basic_auth import basic_authorization
from sso.token_cache import TokenCache
from sso.token_endpoint import TokenEndpointClient, TokenEndpointError

__all__ = ["UpstreamCredentials"]

logger = logging.getLogger(__name__)


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UpstreamCredentials:
    """The `CredentialProvider` the gateway hands to every connector.

    Static secrets are resolved from `environ` (or files) at construction; a missing one
    raises `ConfigError` naming the registry file and key, never the value. OAuth schemes
    need `token_client` (the gateway's own client at the identity provider).
    """

    def __init__(
        self,
        schemes: Mapping[str, Scheme],
        environ: Mapping[str, str],
        *,
        source: Path | str | None = None,
        token_client: TokenEndpointClient | None = None,
        token_cache: TokenCache | None = None,
    ) -> None:
        self._schemes = dict(schemes)
        self._static: dict[str, UpstreamAuth] = {}
        self._client = token_client
        self._tokens = token_cache or TokenCache()
        for connector, scheme in schemes.items():
            if isinstance(scheme, ClientCredentialsAuth | TokenExchangeAuth) and not token_client:
                raise ConfigError(
                    source,
                    f"connectors.{connector}.auth.scheme",
                    f"{scheme.scheme} needs the gateway's OAuth client: set "
                    "PORTALGATE_CLIENT_ID and PORTALGATE_CLIENT_SECRET",
                )
            static = self._resolve_static(connector, scheme, environ, source)
            if static is not None:
                self._static[connector] = static

    @property
    def token_requests(self) -> int:
        """How many tokens were requested from the identity provider (for tests and bench)."""
        return self._tokens.requests

    @staticmethod
    def _resolve_static(
        connector: str, scheme: Scheme, environ: Mapping[str, str], source: Path | str | None
    ) -> UpstreamAuth | None:
        base = Path(source).parent if source is not None else None

        def need(ref: SecretRef, key: str) -> str:
            value = ref.resolve(environ, base)
            if value is None:
                raise ConfigError(
                    source, f"connectors.{connector}.auth.{key}", f"secret not set ({ref.where()})"
                )
            return value

        match scheme:
            case NoAuth():
                return UpstreamAuth(headers={})
            case ApiKeyAuth():
                return UpstreamAuth(headers={scheme.header: need(scheme.secret, "secret")})
            case BasicAuth():
                user = need(scheme.username, "username")
                password = need(scheme.password, "password")
                return UpstreamAuth(headers={"Authorization": basic_authorization(user, password)})
            case StaticBearerAuth():
                token = need(scheme.token, "token")
                return UpstreamAuth(headers={"Authorization": f"Bearer {token}"})
        return None

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        """Credentials for one call of `connector`; raises a ConnectorError if there are none."""
        static = self._static.get(connector)
        if static is not None:
            return static
        scheme = self._schemes.get(connector)
        if scheme is None:
            return UpstreamAuth(headers={})
        try:
            token, cache_key = await self._dynamic_token(connector, scheme, principal)
        except TokenEndpointError as exc:
            raise _credential_error(connector, scheme.scheme, exc) from None
        headers = {"Authorization": f"Bearer {token}"}
        if cache_key is None:  # the user's own token: we cannot get another one
            return UpstreamAuth(headers=headers)
        return UpstreamAuth(headers=headers, rejected=self._renewal(cache_key, token))

    def _renewal(self, cache_key: str, token: str) -> Callable[[], Awaitable[bool]]:
        """The hook a connector calls when its portal answers 401 to `token`."""

        async def rejected() -> bool:
            # The issuer's token was refused before it expired (revoked, or the portal's
            # trust changed): drop it, so that the retry and later calls ask for a new one.
            self._tokens.forget(cache_key, token)
            return True

        return rejected

    async def _dynamic_token(
        self, connector: str, scheme: Scheme, principal: Principal | None
    ) -> tuple[str, str | None]:
        """The token and its cache key (None for a token that is not ours to renew)."""
        client = self._client
        match scheme:
            case ClientCredentialsAuth() if client is not None:
                audience, scope, target = scheme.audience, scheme.scope, scheme.target_parameter
                key = f"cc|{connector}"
                token = await self._tokens.get(
                    key,
                    lambda: client.client_credentials(audience, scope, target_parameter=target),
                )
                return token, key
            case ForwardTokenAuth():
                return self._user_token(connector, principal), None
            case TokenExchangeAuth() if client is not None:
                user_token = self._user_token(connector, principal)
                audience, scope, target = scheme.audience, scheme.scope, scheme.target_parameter
                key = f"tx|{connector}|{_token_key(user_token)}"
                token = await self._tokens.get(
                    key,
                    lambda: client.exchange(
                        user_token, audience=audience, scope=scope, target_parameter=target
                    ),
                )
                return token, key
        raise ConnectorUnavailable(connector, f"{connector}: no credentials configured")

    @staticmethod
    def _user_token(connector: str, principal: Principal | None) -> str:
        if principal is None or not principal.token:
            raise UpstreamRejected(connector, 401, f"{connector} needs the customer's sign-in")
        return principal.token

    def __repr__(self) -> str:
        return f"UpstreamCredentials(connectors={sorted(self._schemes)})"


def _credential_error(connector: str, scheme: str, exc: TokenEndpointError) -> ConnectorError:
    """What the customer is told, and the log line with the provider's own description."""
    logger.warning(
        "connector %s: the identity provider refused its %s token: %s (HTTP %s): %s",
        connector,
        scheme,
        exc.error,
        exc.status,
        exc.description or "no error_description",
    )
    if exc.status is not None and 400 <= exc.status < 500:
        if exc.error == "unsupported_grant_type":
            what = f"the identity provider does not support the {scheme} grant ({exc.error})"
        else:
            what = f"the identity provider refused to issue a token for {connector}: {exc.error}"
        return UpstreamRejected(connector, 403, f"{connector}: {what}")
    return ConnectorUnavailable(
        connector, f"{connector}: the identity provider is unavailable ({exc.error})"
    )
