"""Everything a running gateway owns, opened and closed in one place.

open_runtime(settings, tracer_provider, environ)
  1. load and validate the registry (ConfigError names file and key)
  2. discover the identity provider; its token endpoint serves our OAuth client
  3. build the connectors from their kinds (entry points) with sso/ credentials
  4. start them concurrently, bounded by a start timeout; every close goes on one
     AsyncExitStack
  5. build sources, the record cache, authentication and browser login
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
from connectors.base import Connector
from gateway.data.record_cache import RecordCache
from gateway.data.sources import Sources
from gateway.execution import build_gateway_schema
from gateway.middleware.authenticator import BearerAuthenticator, RequestAuthenticator
from gateway.middleware.rate_limiter import RateLimits
from sso.acting import ActingPolicy
from sso.audit import AuditSink, LoggingAuditSink
from sso.browser_login import BrowserLogin
from sso.client_setup import client_authentication, has_client_credentials
from sso.discovery import OidcMetadata, discover
from sso.errors import IdentityProviderError
from sso.jwks import JwksCache
from sso.sessions import MemorySessionStore, RedisSessionStore, SessionStore
from sso.token_endpoint import TokenEndpointClient
from sso.tokens import Authenticator, TokenPolicy, TokenUse, TokenValidator
from sso.upstream import UpstreamCredentials

if TYPE_CHECKING:
    from gateway.middleware.runtime_view import MiddlewareRuntime

__all__ = ["Runtime", "open_runtime"]

logger = logging.getLogger(__name__)
_START_TIMEOUT_S = 10.0
_ENV = "environment"


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
) -> BrowserLogin | None:
    if not settings.public_url:
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
        redirect_uri=settings.public_url.rstrip("/") + "/auth/callback",
        session_ttl_s=settings.session_ttl_s,
        refresh_margin_s=settings.session_refresh_margin_s,
        login_ttl_s=settings.pending_login_ttl_s,
    )


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
    for warning in registry.warnings:
        logger.warning("%s", warning)
    async with contextlib.AsyncExitStack() as stack:
        idp_session = await stack.enter_async_context(aiohttp.ClientSession())
        metadata = await _discover(settings, idp_session)
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
        login = _browser_login(settings, metadata, token_client, jwks, store)
        bearer = BearerAuthenticator(
            Authenticator(TokenValidator(_policy(settings, settings.audience, "access"), jwks)),
            registry.links,
        )
        tracer = tracer_provider.get_tracer(__name__)
        acting = ActingPolicy(settings.employee_role, frozenset(settings.personal_mutations))
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
        )


if TYPE_CHECKING:

    def _middleware_see(runtime: Runtime) -> MiddlewareRuntime:
        return runtime  # mypy proves the runtime is what the middleware read
