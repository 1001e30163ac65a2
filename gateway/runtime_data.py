"""The data side of the runtime: connectors from their kinds, the record and response caches.

Connectors are built here and started by `open_runtime`, which owns their closing.
"""

from __future__ import annotations

from config.errors import ConfigError
from config.kinds import load_kinds
from config.registry import Registry
from config.settings import Settings
from connectors.base import Connector
from connectors.http import SessionFactory
from gateway.data.record_cache import RecordCache
from gateway.response_cache import ResponseCache
from sso.upstream import UpstreamCredentials

__all__ = ["build_connectors", "record_cache", "response_cache"]


def build_connectors(
    registry: Registry, credentials: UpstreamCredentials, sessions: SessionFactory
) -> dict[str, Connector]:
    """One connector per registry entry, each opening its sessions with `sessions` (the
    tracing hooks); a capability its kind cannot serve is a ConfigError."""
    kinds = load_kinds()
    connectors: dict[str, Connector] = {}
    for name, spec in registry.connectors.items():
        connector = kinds[spec.kind](name, registry.configs[name], credentials, sessions=sessions)
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


def record_cache(settings: Settings, registry: Registry) -> RecordCache:
    """The record cache on the configured backend (PORTALGATE_CACHE_BACKEND)."""
    if settings.cache_backend == "redis":
        return RecordCache.redis(
            settings.redis_url.get_secret_value(),
            dict(registry.cache),
            namespace=settings.redis_prefix,
            capabilities=registry.capabilities,
        )
    return RecordCache.memory(dict(registry.cache), capabilities=registry.capabilities)


def response_cache(settings: Settings, registry: Registry) -> ResponseCache | None:
    """The response cache on the record cache's backend, or None when switched off
    (PORTALGATE_RESPONSE_CACHE_ENABLED)."""
    if not settings.response_cache_enabled:
        return None
    if settings.cache_backend == "redis":
        return ResponseCache.redis(
            settings.redis_url.get_secret_value(),
            registry.cache,
            namespace=settings.redis_prefix,
        )
    return ResponseCache.memory(registry.cache)
