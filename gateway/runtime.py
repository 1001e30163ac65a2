"""Everything a running gateway owns, opened and closed in one place.

open_runtime(settings, tracer_provider, environ, extensions=None)
  1. find the installed extensions (entry points, unless given), load and validate the
     registry with their capabilities (ConfigError names file and key)
  2. discover the identity provider; its token endpoint serves our OAuth client; check
     what the configuration will ask of it (sso/provider_support: fatal findings are a
     ConfigError naming the setting, the others are logged)
  3. build the connectors from their kinds (entry points) with sso/ credentials
  4. start them concurrently, bounded by a start timeout; every close goes on one
     AsyncExitStack
  5. build sources (with each connector's recent history), the record cache, the
     response cache (subscribed to the sources' invalidations),
     authentication (with the registry's claim mapping, checked against the roles the
     gateway knows), browser login and back-channel logout
  6. start readiness: one background health watch per connector, cancelled first on close

The builders live beside it: gateway/runtime_sso.py for the sign-on side (steps 2 and 5),
gateway/runtime_data.py for the data side (steps 3 and 5); this module only orders them
and owns what they open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
import strawberry
from opentelemetry.trace import TracerProvider

from config.errors import ConfigError
from config.registry import Registry
from config.settings import Settings
from connectors.base import Connector
from connectors.errors import ConnectorSetupError
from connectors.http import SessionFactory
from connectors.tracing import client_trace_config
from gateway import runtime_sso as sso_side
from gateway.data.connector_history import ConnectorHistories
from gateway.data.readiness import Readiness, open_readiness
from gateway.data.sources import Sources
from gateway.execution import build_gateway_schema
from gateway.extensions import discover_extensions, load_with_extensions, registry_schema
from gateway.metrics import Metrics, build_metrics
from gateway.middleware.authenticator import BearerAuthenticator, RequestAuthenticator
from gateway.middleware.rate_limiter import RateLimits
from gateway.response_cache import ResponseCache
from gateway.runtime_data import build_connectors, record_cache, response_cache
from schema.viewer_extensions import ViewerExtension
from sso.acting import ActingPolicy
from sso.audit import AuditSink, LoggingAuditSink
from sso.backchannel import BackchannelLogout
from sso.browser_login import BrowserLogin
from sso.jwks import JwksCache
from sso.tokens import Authenticator, TokenValidator
from sso.upstream import UpstreamCredentials

if TYPE_CHECKING:
    from gateway.middleware.runtime_view import MiddlewareRuntime

__all__ = ["Runtime", "open_runtime"]

logger = logging.getLogger(__name__)
_START_TIMEOUT_S = 10.0


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
    readiness: Readiness
    backchannel: BackchannelLogout | None = None  # with browser sign-in only
    metrics: Metrics = field(default_factory=Metrics)  # records nothing unless enabled
    response_cache: ResponseCache | None = None  # None when switched off

    def deadline(self) -> float:
        return time.monotonic() + self.settings.request_timeout_s

    def allowed_origins(self) -> frozenset[str]:
        """Origins whose cookie-authenticated requests we accept: ours and the UIs'."""
        own = urlsplit(self.settings.public_url)
        origins = set(self.settings.ui_origins)
        if own.scheme and own.netloc:
            origins.add(f"{own.scheme}://{own.netloc}")
        return frozenset(origins)


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    tracer_provider: TracerProvider,
    environ: Mapping[str, str],
    *,
    audit: AuditSink | None = None,
    extensions: Sequence[ViewerExtension] | None = None,
) -> AsyncIterator[Runtime]:
    """Open the gateway's resources; raises ConfigError for configuration that cannot work.

    `extensions` are the installed viewer extensions; None finds them in the entry-point
    group `portalgate.extensions` (tests inject theirs, as they would connector kinds).
    """
    installed = discover_extensions() if extensions is None else tuple(extensions)
    registry = load_with_extensions(settings.registry_path, environ, installed)
    claim_mapping = sso_side.claim_mapping(registry, settings)
    for warning in registry.warnings:
        logger.warning("%s", warning)
    if registry.unowned:
        logger.info("not configured (no owner): %s", ", ".join(registry.unowned))
    async with contextlib.AsyncExitStack() as stack:
        idp_session = await stack.enter_async_context(aiohttp.ClientSession())
        metadata = await sso_side.discover_provider(settings, idp_session)
        login_request = sso_side.plan_login(settings, metadata)
        for finding in sso_side.provider_findings(settings, registry, metadata, login_request):
            if finding.fatal:
                raise ConfigError(finding.source, finding.key, finding.problem)
            logger.warning("%s: %s", finding.key, finding.problem)
        token_client = sso_side.token_client(settings, metadata, idp_session)
        credentials = UpstreamCredentials(
            {name: spec.auth for name, spec in registry.connectors.items()},
            environ,
            source=registry.source,
            token_client=token_client,
        )
        # A CLIENT span and a `traceparent` on every portal call.
        sessions = SessionFactory(trace_configs=(client_trace_config(tracer_provider),))
        connectors = build_connectors(registry, credentials, sessions)
        for connector in connectors.values():
            stack.push_async_callback(connector.aclose)
        try:
            async with asyncio.timeout(_START_TIMEOUT_S):
                await asyncio.gather(*(c.start() for c in connectors.values()))
        except ConnectorSetupError as exc:
            key = f"connectors.{exc.connector}.{exc.key}"
            raise ConfigError(registry.source, key, exc.problem) from exc
        cache = record_cache(settings, registry)
        stack.push_async_callback(cache.aclose)
        jwks = JwksCache(
            metadata.jwks_uri, idp_session, min_refresh_interval_s=settings.jwks_min_refresh_s
        )
        store = sso_side.session_store(settings)
        stack.push_async_callback(store.aclose)
        access_policy = sso_side.token_policy(settings, settings.audience, "access")
        access_tokens = Authenticator(TokenValidator(access_policy, jwks), claim_mapping)
        login = sso_side.browser_login(
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
        backchannel = None if login is None else sso_side.backchannel_logout(settings, jwks, store)
        metrics = build_metrics(settings)
        history = ConnectorHistories()  # the status page's figures, in bounded memory
        schema = registry_schema(
            registry,
            installed,
            lambda fields: build_gateway_schema(settings, tracer_provider, metrics, fields),
        )
        sources = Sources(registry, connectors, cache, tracer, metrics=metrics, history=history)
        metrics.watch_breakers(sources.breaker_states)
        responses = response_cache(settings, registry)
        if responses is not None:
            stack.push_async_callback(responses.aclose)
            sources.invalidations.subscribe(responses.invalidate)
        readiness = await stack.enter_async_context(
            open_readiness(
                Readiness(
                    connectors,
                    sources,
                    interval_s=settings.readiness_interval_s,
                    recovery_interval_s=settings.readiness_recovery_interval_s,
                    window_s=settings.readiness_window_s,
                )
            )
        )
        yield Runtime(
            settings=settings,
            registry=registry,
            connectors=connectors,
            credentials=credentials,
            sources=sources,
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
            schema=schema,
            tracer_provider=tracer_provider,
            rate_limits=rate_limits,
            readiness=readiness,
            backchannel=backchannel,
            metrics=metrics,
            response_cache=responses,
        )


if TYPE_CHECKING:

    def _middleware_see(runtime: Runtime) -> MiddlewareRuntime:
        return runtime  # mypy proves the runtime is what the middleware read
