"""Extensions: installed packages' viewer fields, and the registry's declared data.

    discover_extensions()        the entry-point group `portalgate.extensions`; each
                                 entry point is one schema.viewer_extensions.ViewerExtension
    installed_capabilities(ext)  what they add to the catalogue (load_registry's `installed`)
    registry_schema(...)         the schema of one registry: built-ins, installed
                                 extensions, then a field per `data:` entry

Found as connector kinds are (connectors/kinds.py): code comes from entry points,
instances from the registry, and config never names a class. Problems are ConfigErrors
naming the entry point, or the registry key whose data clashes with the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import strawberry

from config.errors import ConfigError
from config.kinds import load_kinds
from config.registry import Registry, load_registry
from connectors.capabilities import catalogue
from connectors.records import Capability, Record
from schema.declared_data import declared_extension
from schema.viewer_extensions import ENTRY_POINT_GROUP, ViewerExtension

__all__ = [
    "discover_extensions",
    "installed_capabilities",
    "load_with_extensions",
    "registry_extensions",
    "registry_schema",
]


def _group(group: str) -> Iterable[EntryPoint]:
    return entry_points(group=group)


def discover_extensions(
    select: Callable[[str], Iterable[EntryPoint]] = _group,
) -> tuple[ViewerExtension, ...]:
    """Every installed extension, in entry-point order; `select` is the lookup (tests
    pass their own entry points). A name given twice, or an entry point that is not a
    ViewerExtension, is a ConfigError naming it."""
    found: dict[str, ViewerExtension] = {}
    for ep in select(ENTRY_POINT_GROUP):
        where = f"entry point {ENTRY_POINT_GROUP}:{ep.name}"
        if ep.name in found:
            raise ConfigError(None, where, f"registered twice ({ep.value})")
        loaded = ep.load()
        if not isinstance(loaded, ViewerExtension):
            raise ConfigError(None, where, "is not a schema.viewer_extensions.ViewerExtension")
        found[ep.name] = loaded
    return tuple(found.values())


def installed_capabilities(extensions: Sequence[ViewerExtension]) -> list[Capability[Record]]:
    """The capabilities the extensions bring, for the registry's catalogue."""
    return [capability for extension in extensions for capability in extension.capabilities]


def load_with_extensions(
    path: Path, environ: Mapping[str, str], extensions: Sequence[ViewerExtension]
) -> Registry:
    """The registry, with the extensions' capabilities in its catalogue."""
    installed = installed_capabilities(extensions)
    try:
        catalogue(installed)
    except ValueError as exc:  # a capability declared twice, or already built in
        raise ConfigError(None, f"entry point group {ENTRY_POINT_GROUP}", str(exc)) from None
    return load_registry(path, environ, load_kinds(), installed)


def registry_extensions(
    registry: Registry, installed: Sequence[ViewerExtension]
) -> tuple[ViewerExtension, ...]:
    """The viewer fields of this registry: the installed ones, then one per `data:` entry."""
    return (*installed, *(declared_extension(c) for c in registry.declared))


def registry_schema(
    registry: Registry,
    installed: Sequence[ViewerExtension],
    build: Callable[[Sequence[ViewerExtension]], strawberry.Schema],
) -> strawberry.Schema:
    """`build(extensions)` for this registry; a clash with the schema is a ConfigError."""
    try:
        return build(registry_extensions(registry, installed))
    except ValueError as exc:
        raise ConfigError(
            registry.source,
            "data",
            f"{exc} (an entry's name becomes a viewer field and a GraphQL type; rename it)",
        ) from None
