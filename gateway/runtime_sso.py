"""The sign-on side of the runtime, built once at start-up from settings and discovery.

    discover_provider ─▶ plan_login ─▶ provider_findings (what the configuration will ask
    of the provider) ─▶ token_client ─▶ token_policy / claim_mapping (what a token must
    be, what its claims grant) ─▶ session_store ─▶ browser_login ─▶ backchannel_logout

Each builder turns a setting that cannot work into a ConfigError naming that setting.
"""

from __future__ import annotations

import aiohttp

from config.errors import ConfigError
from config.registry import Registry
from config.settings import Settings
from config.upstream_auth import ClientCredentialsAuth, TokenExchangeAuth
from schema.permissions import ORG_ADMIN_ROLE
from sso.backchannel import BackchannelLogout, logout_token_policy
from sso.browser_login import BrowserLogin
from sso.claims import ClaimMapping
from sso.client_setup import client_authentication, has_client_credentials
from sso.discovery import OidcMetadata, discover
from sso.errors import IdentityProviderError
from sso.jwks import JwksCache
from sso.login_request import LoginRequest, plan_login_request
from sso.memory_sessions import MemorySessionStore
from sso.provider_support import Finding, GrantNeed, check_provider_support
from sso.redis_sessions import RedisSessionStore
from sso.sessions import SessionStore
from sso.token_endpoint import TOKEN_EXCHANGE_GRANT, TokenEndpointClient
from sso.tokens import Authenticator, TokenPolicy, TokenUse, TokenValidator

__all__ = [
    "backchannel_logout",
    "browser_login",
    "claim_mapping",
    "discover_provider",
    "plan_login",
    "provider_findings",
    "session_store",
    "token_client",
    "token_policy",
]

_ENV = "environment"
# The grant each OAuth upstream scheme uses at the identity provider.
_SCHEME_GRANTS: dict[type, str] = {
    ClientCredentialsAuth: "client_credentials",
    TokenExchangeAuth: TOKEN_EXCHANGE_GRANT,
}


async def discover_provider(settings: Settings, session: aiohttp.ClientSession) -> OidcMetadata:
    """The identity provider's discovery document; PORTALGATE_ISSUER is required."""
    if not settings.issuer:
        raise ConfigError(_ENV, "PORTALGATE_ISSUER", "the OIDC issuer URL is required")
    try:
        return await discover(settings.issuer, session)
    except (IdentityProviderError, ValueError) as exc:
        raise ConfigError(_ENV, "PORTALGATE_ISSUER", str(exc)) from None


def plan_login(settings: Settings, metadata: OidcMetadata) -> LoginRequest | None:
    """What browser sign-in asks the provider for; None without PORTALGATE_PUBLIC_URL."""
    if not settings.public_url:
        return None
    return plan_login_request(
        metadata,
        scopes=settings.login_scopes,
        resources=settings.login_resource,
        extra_params=settings.login_extra_params,
        refresh=settings.login_refresh,
    )


def _grant_needs(
    settings: Settings, registry: Registry, login: LoginRequest | None, acting: bool
) -> list[GrantNeed]:
    """The grants the configuration will use, each with the setting that asks for it."""
    needs: list[GrantNeed] = []
    if login is not None:
        needs.append(
            GrantNeed("authorization_code", _ENV, "PORTALGATE_PUBLIC_URL", "browser sign-in")
        )
        if settings.login_refresh:
            needs.append(
                GrantNeed(
                    "refresh_token",
                    _ENV,
                    "PORTALGATE_LOGIN_REFRESH",
                    "keeping browser sessions past their first access token",
                    fatal=False,
                )
            )
    for name, spec in registry.connectors.items():
        wanted = _SCHEME_GRANTS.get(type(spec.auth))
        if wanted is not None:
            needs.append(
                GrantNeed(
                    wanted,
                    registry.source,
                    f"connectors.{name}.auth.scheme",
                    f"the {spec.auth.scheme} scheme of connector {name!r}",
                )
            )
    if acting:
        needs.append(
            GrantNeed(
                TOKEN_EXCHANGE_GRANT,
                _ENV,
                "PORTALGATE_EMPLOYEE_ROLE",
                "acting for customers (X-Act-As)",
                fatal=False,
            )
        )
    return needs


def provider_findings(
    settings: Settings, registry: Registry, metadata: OidcMetadata, login: LoginRequest | None
) -> list[Finding]:
    """What the provider lacks for what this configuration will ask of it."""
    needs = _grant_needs(settings, registry, login, acting=bool(settings.client_id))
    return list(
        check_provider_support(metadata, needs, login, refresh_wanted=settings.login_refresh)
    )


def token_policy(settings: Settings, audience: str, use: TokenUse) -> TokenPolicy:
    """What a token for `audience` must be; a bad PORTALGATE_ALGORITHMS is a ConfigError."""
    try:
        return TokenPolicy(
            issuer=settings.issuer,
            audience=audience,
            algorithms=settings.algorithms,
            leeway_s=settings.leeway_s,
            use=use,
            require_at_jwt_typ=settings.require_at_jwt_typ,
        )
    except ValueError as exc:
        raise ConfigError(_ENV, "PORTALGATE_ALGORITHMS", str(exc)) from None


def claim_mapping(registry: Registry, settings: Settings) -> ClaimMapping:
    """The registry's claim mapping; a group mapped to a role nothing checks is a typo."""
    checked = {settings.employee_role, ORG_ADMIN_ROLE}
    for group, role in registry.claims.group_roles.items():
        if role not in checked:
            raise ConfigError(
                registry.source,
                f"identity.claims.group_roles.{group}",
                f"role {role!r} grants nothing here; the roles the gateway checks are "
                f"{', '.join(sorted(checked))} (PORTALGATE_EMPLOYEE_ROLE and the "
                "organisation admin role)",
            )
    return ClaimMapping.from_registry(registry.claims, registry.links)


def token_client(
    settings: Settings, metadata: OidcMetadata, session: aiohttp.ClientSession
) -> TokenEndpointClient | None:
    """Our OAuth client at the provider's token endpoint; None without client credentials."""
    if not has_client_credentials(settings):
        return None
    return TokenEndpointClient(
        metadata.token_endpoint,
        settings.client_id,
        settings.client_secret,
        session,
        authentication=client_authentication(settings, metadata),
    )


def session_store(settings: Settings) -> SessionStore:
    """The configured session store (PORTALGATE_SESSION_BACKEND)."""
    if settings.session_backend == "redis":
        url = settings.redis_url.get_secret_value()
        return RedisSessionStore.from_url(url, prefix=settings.redis_prefix)
    return MemorySessionStore(max_pending_logins=settings.max_pending_logins)


def browser_login(
    settings: Settings,
    metadata: OidcMetadata,
    client: TokenEndpointClient | None,
    jwks: JwksCache,
    store: SessionStore,
    request: LoginRequest | None,
    access_tokens: Authenticator,
) -> BrowserLogin | None:
    """Browser sign-in when a login is planned; it needs our client credentials."""
    if request is None:
        return None
    if client is None:
        raise ConfigError(
            _ENV,
            "PORTALGATE_CLIENT_ID",
            "browser sign-in (PORTALGATE_PUBLIC_URL) needs PORTALGATE_CLIENT_ID and "
            "PORTALGATE_CLIENT_SECRET (or a private key for private_key_jwt)",
        )
    id_tokens = TokenValidator(token_policy(settings, settings.client_id, "id"), jwks)
    return BrowserLogin(
        metadata,
        client,
        id_tokens,
        store,
        access_tokens=access_tokens,
        request=request,
        redirect_uri=settings.public_url.rstrip("/") + "/auth/callback",
        session_ttl_s=settings.session_ttl_s,
        refresh_margin_s=settings.session_refresh_margin_s,
        login_ttl_s=settings.pending_login_ttl_s,
    )


def backchannel_logout(
    settings: Settings, jwks: JwksCache, store: SessionStore
) -> BackchannelLogout:
    """Back-channel logout: logout tokens are ID-token-like, for our client."""
    policy = logout_token_policy(token_policy(settings, settings.client_id, "id"))
    return BackchannelLogout(TokenValidator(policy, jwks), store)
