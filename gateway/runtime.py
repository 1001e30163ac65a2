"""Everything a running gateway owns, opened and closed in one place.

open_runtime(settings, tracer_provider, environ)
  1. load and validate the registry (ConfigError names file and key)
  2. discover the identity provider; its token endpoint serves our OAuth client; check
     what the configuration will ask of it (sso/provider_support: fatal findings are a
     ConfigError naming the setting, the others are logged)
  3. build the connectors from their kinds (entry points) with sso/ credentials
  4. start them concurrently, bounded by a start timeout; every close goes on one
     AsyncExitStack
  5. build sources, the record cache, authentication (with the registry's claim mapping,
     checked against the roles the gateway knows), browser login and back-channel logout
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
import strawberry
from opentelemetry.trace import TracerProvider

from config.errors import ConfigError
from config.kinds import load_kinds
from config.registry import Registry, load_registry
from config.settings import Settings
from config.upstream_auth import ClientCredentialsAuth, TokenExchangeAuth
from connectors.base import Connector
from gateway.data.record_cache import RecordCache
from gateway.data.sources import Sources
from gateway.execution import build_gateway_schema
from gateway.middleware.authenticator import BearerAuthenticator, RequestAuthenticator
from gateway.middleware.rate_limiter import RateLimits
from schema.permissions import ORG_ADMIN_ROLE
from sso.acting import ActingPolicy
from sso.audit import AuditSink, LoggingAuditSink
from sso.backchannel import BackchannelLogout, logout_token_policy
from sso.browser_login import BrowserLogin
from sso.claims import ClaimMapping
from sso.client_setup import client_authentication, has_client_credentials
from sso.discovery import OidcMetadata, discover
from sso.errors import IdentityProviderError
from sso.jwks import JwksCache
from sso.login_request import LoginRequest, plan_login_request
from sso.provider_support import GrantNeed, check_provider_support
from sso.sessions import MemorySessionStore, RedisSessionStore, SessionStore
from sso.token_endpoint import TOKEN_EXCHANGE_GRANT, TokenEndpointClient
from sso.tokens import Authenticator, TokenPolicy, TokenUse, TokenValidator
from sso.upstream import UpstreamCredentials

if TYPE_CHECKING:
    from gateway.middleware.runtime_view import MiddlewareRuntime

__all__ = ["Runtime", "open_runtime"]

logger = logging.getLogger(__name__)
_START_TIMEOUT_S = 10.0
_ENV = "environment"
logger = logging.getLogger(__name__)
# The grant each OAuth upstream scheme uses at the identity provider.
_SCHEME_GRANTS: dict[type, str] = {
    ClientCredentialsAuth: "client_credentials",
    TokenExchangeAuth: TOKEN_EXCHANGE_GRANT,
}


@dataclass(frozen=True, slots=True)
class Runtime:
    """Shared, long-lived state of one gateway process (never per request)."""

    settings: Settings
    registry: Registry
    connectors: Mapping[str, Connector]
    credentials: UpstreamCredentials
    sources: Sources
    authenticator: RequestAuthenticator
    browser_login: BrowserLogin | None
    acting: ActingPolicy
    audit: AuditSink
    schema: strawberry.Schema
    tracer_provider: TracerProvider
    rate_limits: RateLimits
    backchannel: BackchannelLogout | None = None  # with browser sign-in only

    def deadline(self) -> float:
        return time.monotonic() + self.settings.request_timeout_s

    def allowed_origins(self) -> frozenset[str]:
        """Origins whose cookie-authenticated requests we accept: ours and the UIs'."""
        own = urlsplit(self.settings.public_url)
        origins = set(self.settings.ui_origins)
        if own.scheme and own.netloc:
            origins.add(f"{own.scheme}://{own.netloc}")
        return frozenset(origins)


def _build_connectors(registry: Registry, credentials: UpstreamCredentials) -> dict[str, Connector]:
    kinds = load_kinds()
    connectors: dict[str, Connector] = {}
    for name, spec in registry.connectors.items():
        connector = kinds[spec.kind](name, registry.configs[name], credentials)
        served = connector.capabilities()
        for index, capability in enumerate(spec.owns):
            if served and capability not in served:
                raise ConfigError(
                    registry.source,
                    f"connectors.{name}.owns[{index}]",
                    f"kind {spec.kind!r} as configured cannot serve {capability!r}"
                    f" (it serves: {', '.join(sorted(served))})",
                )
        connectors[name] = connector
    return connectors


async def _discover(settings: Settings, session: aiohttp.ClientSession) -> OidcMetadata:
    if not settings.issuer:
        raise ConfigError(_ENV, "PORTALGATE_ISSUER", "the OIDC issuer URL is required")
    try:
        return await discover(settings.issuer, session)
    except (IdentityProviderError, ValueError) as exc:
        raise ConfigError(_ENV, "PORTALGATE_ISSUER", str(exc)) from None


def _login_request(settings: Settings, metadata: OidcMetadata) -> LoginRequest | None:
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


def _check_provider(
    settings: Settings, registry: Registry, metadata: OidcMetadata, login: LoginRequest | None
) -> None:
    needs = _grant_needs(settings, registry, login, acting=bool(settings.client_id))
    findings = check_provider_support(metadata, needs, login, refresh_wanted=settings.login_refresh)
    for finding in findings:
        if finding.fatal:
            raise ConfigError(finding.source, finding.key, finding.problem)
        logger.warning("%s: %s", finding.key, finding.problem)


def _policy(settings: Settings, audience: str, use: TokenUse) -> TokenPolicy:
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


def _claim_mapping(registry: Registry, settings: Settings) -> ClaimMapping:
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


def _token_client(
    settings: Settings, metadata: OidcMetadata, session: aiohttp.ClientSession
) -> TokenEndpointClient | None:
    if not has_client_credentials(settings):
        return None
    return TokenEndpointClient(
        metadata.token_endpoint,
        settings.client_id,
        settings.client_secret,
        session,
        authentication=client_authentication(settings, metadata),
    )


def _session_store(settings: Settings) -> SessionStore:
    if settings.session_backend == "redis":
        url = settings.redis_url.get_secret_value()
        return RedisSessionStore.from_url(url, prefix=settings.redis_prefix)
    return MemorySessionStore(max_pending_logins=settings.max_pending_logins)


def _browser_login(
    settings: Settings,
    metadata: OidcMetadata,
    client: TokenEndpointClient | None,
    jwks: JwksCache,
    store: SessionStore,
    request: LoginRequest | None,
    access_tokens: Authenticator,
) -> BrowserLogin | None:
    if request is None:
        return None
    if client is None:
        raise ConfigError(
            _ENV,
            "PORTALGATE_CLIENT_ID",
            "browser sign-in (PORTALGATE_PUBLIC_URL) needs PORTALGATE_CLIENT_ID and "
            "PORTALGATE_CLIENT_SECRET (or a private key for private_key_jwt)",
        )
    id_tokens = TokenValidator(_policy(settings, settings.client_id, "id"), jwks)
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


def _backchannel(settings: Settings, jwks: JwksCache, store: SessionStore) -> BackchannelLogout:
    policy = logout_token_policy(_policy(settings, settings.client_id, "id"))
    return BackchannelLogout(TokenValidator(policy, jwks), store)


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    tracer_provider: TracerProvider,
    environ: Mapping[str, str],
    *,
    audit: AuditSink | None = None,
) -> AsyncIterator[Runtime]:
    """Open the gateway's resources; raises ConfigError for configuration that cannot work."""
    registry = load_registry(settings.registry_path, environ, load_kinds())
    claim_mapping = _claim_mapping(registry, settings)
    for warning in registry.warnings:
        logger.warning("%s", warning)
    async with contextlib.AsyncExitStack() as stack:
        idp_session = await stack.enter_async_context(aiohttp.ClientSession())
        metadata = await _discover(settings, idp_session)
        login_request = _login_request(settings, metadata)
        _check_provider(settings, registry, metadata, login_request)
        token_client = _token_client(settings, metadata, idp_session)
        credentials = UpstreamCredentials(
            {name: spec.auth for name, spec in registry.connectors.items()},
            environ,
            source=registry.source,
            token_client=token_client,
        )
        connectors = _build_connectors(registry, credentials)
        for connector in connectors.values():
            stack.push_async_callback(connector.aclose)
        async with asyncio.timeout(_START_TIMEOUT_S):
            await asyncio.gather(*(c.start() for c in connectors.values()))
        if settings.cache_backend == "redis":
            cache = RecordCache.redis(
                settings.redis_url.get_secret_value(),
                dict(registry.cache),
                namespace=settings.redis_prefix,
            )
        else:
            cache = RecordCache.memory(dict(registry.cache))
        stack.push_async_callback(cache.aclose)
        jwks = JwksCache(
            metadata.jwks_uri, idp_session, min_refresh_interval_s=settings.jwks_min_refresh_s
        )
        store = _session_store(settings)
        stack.push_async_callback(store.aclose)
        access_tokens = Authenticator(
            TokenValidator(_policy(settings, settings.audience, "access"), jwks), claim_mapping
        )
        login = _browser_login(
            settings, metadata, token_client, jwks, store, login_request, access_tokens
        )
        bearer = BearerAuthenticator(access_tokens)
        tracer = tracer_provider.get_tracer(__name__)
        acting = ActingPolicy(
            settings.employee_role,
            frozenset(settings.personal_mutations),
            employee_subjects=frozenset(settings.employee_subjects),
        )
        rate_limits = RateLimits.from_settings(settings)
        stack.push_async_callback(rate_limits.aclose)
        yield Runtime(
            settings=settings,
            registry=registry,
            connectors=connectors,
            credentials=credentials,
            sources=Sources(registry, connectors, cache, tracer),
            authenticator=RequestAuthenticator(
                bearer,
                login,
                settings.cookie_name,
                acting=acting,
                token_client=token_client,
            ),
            acting=acting,
            audit=audit or LoggingAuditSink(),
            browser_login=login,
            schema=build_gateway_schema(settings, tracer_provider),
            tracer_provider=tracer_provider,
            rate_limits=rate_limits,
            backchannel=None if login is None else _backchannel(settings, jwks, store),
        )


if TYPE_CHECKING:

    def _middleware_see(runtime: Runtime) -> MiddlewareRuntime:
        return runtime  # mypy proves the runtime is what the middleware read
