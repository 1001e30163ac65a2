"""Everything a running gateway owns, opened and closed in one place.

open_runtime(settings, tracer_provider, environ)
  1. load and validate the registry (ConfigError names file and key)
  2. build the connectors from their kinds (entry points) with sso/ credentials
  3. start them concurrently, bounded by a start timeout
  4. push every close onto one AsyncExitStack
  5. build sources, the record cache and bearer authentication
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import aiohttp
import strawberry
from opentelemetry.trace import TracerProvider

from config.errors import ConfigError
from config.registry import Registry, load_registry
from config.settings import Settings
from connectors.base import Connector
from connectors.kinds import discover_kinds
from gateway.auth import BearerAuthenticator
from gateway.execution import build_gateway_schema
from gateway.record_cache import RecordCache
from gateway.sources import Sources
from sso.discovery import discover
from sso.errors import IdentityProviderError
from sso.jwks import JwksCache
from sso.tokens import Authenticator, TokenPolicy, TokenValidator
from sso.upstream import UpstreamCredentials

__all__ = ["Runtime", "open_runtime"]

_START_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Runtime:
    """Shared, long-lived state of one gateway process (never per request)."""

    settings: Settings
    registry: Registry
    connectors: Mapping[str, Connector]
    sources: Sources
    authenticator: BearerAuthenticator
    schema: strawberry.Schema
    tracer_provider: TracerProvider

    def deadline(self) -> float:
        return time.monotonic() + self.settings.request_timeout_s


def _build_connectors(registry: Registry, credentials: UpstreamCredentials) -> dict[str, Connector]:
    kinds = discover_kinds()
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


async def _open_authenticator(
    settings: Settings, registry: Registry, session: aiohttp.ClientSession
) -> BearerAuthenticator:
    if not settings.issuer:
        raise ConfigError("environment", "PORTALGATE_ISSUER", "the OIDC issuer URL is required")
    try:
        metadata = await discover(settings.issuer, session)
        policy = TokenPolicy(
            issuer=settings.issuer,
            audience=settings.audience,
            algorithms=settings.algorithms,
            leeway_s=settings.leeway_s,
        )
    except (IdentityProviderError, ValueError) as exc:
        raise ConfigError("environment", "PORTALGATE_ISSUER", str(exc)) from None
    jwks = JwksCache(metadata.jwks_uri, session, min_refresh_interval_s=settings.jwks_min_refresh_s)
    return BearerAuthenticator(Authenticator(TokenValidator(policy, jwks)), registry.links)


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    tracer_provider: TracerProvider,
    environ: Mapping[str, str],
) -> AsyncIterator[Runtime]:
    """Open the gateway's resources; raises ConfigError for configuration that cannot work."""
    registry = load_registry(settings.registry_path, environ, discover_kinds())
    credentials = UpstreamCredentials(
        {name: spec.auth for name, spec in registry.connectors.items()},
        environ,
        source=registry.source,
    )
    connectors = _build_connectors(registry, credentials)
    async with contextlib.AsyncExitStack() as stack:
        for connector in connectors.values():
            stack.push_async_callback(connector.aclose)
        async with asyncio.timeout(_START_TIMEOUT_S):
            await asyncio.gather(*(c.start() for c in connectors.values()))
        if settings.cache_backend == "redis":
            cache = RecordCache.redis(settings.redis_url.get_secret_value(), dict(registry.cache))
        else:
            cache = RecordCache.memory(dict(registry.cache))
        stack.push_async_callback(cache.aclose)
        idp_session = await stack.enter_async_context(aiohttp.ClientSession())
        authenticator = await _open_authenticator(settings, registry, idp_session)
        tracer = tracer_provider.get_tracer(__name__)
        yield Runtime(
            settings=settings,
            registry=registry,
            connectors=connectors,
            sources=Sources(registry, connectors, cache, tracer),
            authenticator=authenticator,
            schema=build_gateway_schema(settings, tracer_provider),
            tracer_provider=tracer_provider,
        )
