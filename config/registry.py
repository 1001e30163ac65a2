"""The registry file: connectors, their owned capabilities, identity links and policies.

    load_registry(path, environ, kinds)
      ─▶ read YAML ─▶ expand ${VAR} ─▶ RegistryFile (extra="forbid")
      ─▶ `data:` declarations ▶ capabilities (config/extensions.py), with the installed
         ones ▶ the catalogue (`Registry.capabilities`)
      ─▶ each connector's `config` validated against its kind's Config (the catalogue in
         the validation context)
      ─▶ no capability has two owners, a required one has one; every link is resolvable
      ─▶ Registry

Every problem raises `ConfigError(file, key path, what was expected)`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from config.claims import ClaimsSpec
from config.errors import ConfigError
from config.extensions import DataSpec, declared_capabilities
from config.links import LinkSpec, check_links, optional_links
from config.messages import config_error, with_line
from config.upstream_auth import AuthConfig, NoAuth, target_warnings
from config.yaml_loading import YamlDocument, read_yaml
from connectors.base import Connector
from connectors.capabilities import CAPABILITIES, CATALOGUE_CONTEXT, catalogue
from connectors.records import Capability, Record

__all__ = [
    "BreakerPolicy",
    "CachePolicy",
    "ConnectorSpec",
    "LinkSpec",
    "Registry",
    "RegistryFile",
    "load_registry",
]

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakerPolicy(_Strict):
    """Open after `failures` consecutive failures; try one call again after `reset_s`."""

    failures: int = Field(5, ge=1, le=1000)
    reset_s: float = Field(10.0, gt=0, le=3600)


class ConnectorSpec(_Strict):
    """One connector instance: its kind, what it owns and how calls to it are guarded."""

    kind: str
    owns: tuple[str, ...]
    timeout_s: float = Field(2.0, gt=0, le=60)
    retries: int = Field(1, ge=0, le=5)
    breaker: BreakerPolicy = BreakerPolicy()
    auth: AuthConfig = NoAuth()
    config: dict[str, Any] = Field(default_factory=dict)


class CachePolicy(_Strict):
    """How long a capability's records are kept, and who may share them.

    `scope: principal` (the default) keys entries by the customer; `public` shares them
    across customers and is only for records that are the same for everyone.
    """

    ttl_s: float = Field(gt=0, le=86400)
    scope: Literal["principal", "public"] = "principal"


class IdentitySpec(_Strict):
    """Who the customer is: claim shapes of the identity provider and the links per portal."""

    claims: ClaimsSpec = field(default_factory=ClaimsSpec)
    links: dict[str, LinkSpec] = Field(default_factory=dict)


class RegistryFile(_Strict):
    """The file's top level, exactly as written."""

    connectors: dict[str, ConnectorSpec]
    identity: IdentitySpec = IdentitySpec()
    cache: dict[str, CachePolicy] = Field(default_factory=dict)
    data: dict[str, DataSpec] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Registry:
    """The validated registry: specs, each connector's typed config, capability ▶ owner."""

    source: Path
    connectors: Mapping[str, ConnectorSpec]
    configs: Mapping[str, BaseModel]
    owners: Mapping[str, str]
    links: Mapping[str, LinkSpec]
    cache: Mapping[str, CachePolicy]
    claims: ClaimsSpec = field(default_factory=ClaimsSpec)
    # Configuration that works but probably not as meant: logged at start-up and
    # printed by `portalgate check`.
    warnings: tuple[str, ...] = ()
    # Every capability this gateway knows (built-in, installed, declared), and the ones
    # the `data:` section declared, in file order (the schema adds a field for each).
    capabilities: Mapping[str, Capability[Record]] = field(default_factory=lambda: CAPABILITIES)
    declared: tuple[Capability[Record], ...] = ()

    def owner(self, capability: str) -> str:
        """The connector name that serves `capability`."""
        return self.owners[capability]

    @property
    def unowned(self) -> tuple[str, ...]:
        """Capabilities left without an owner (all optional, or the registry would not load)."""
        return tuple(sorted(set(self.capabilities) - set(self.owners)))


def _expand(value: Any, environ: Mapping[str, str], path: str, source: Path) -> Any:
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                raise ConfigError(source, path, f"environment variable {name} is not set")
            return environ[name]

        return _VAR.sub(sub, value)
    if isinstance(value, dict):
        return {
            k: _expand(v, environ, f"{path}.{k}" if path else str(k), source)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_expand(v, environ, f"{path}[{i}]", source) for i, v in enumerate(value)]
    return value


def load_registry(
    path: Path,
    environ: Mapping[str, str],
    kinds: Mapping[str, type[Connector]],
    installed: Sequence[Capability[Record]] = (),
) -> Registry:
    """Read and validate the registry file; raises ConfigError for anything that cannot work.

    `installed` are the capabilities installed packages add (gateway/extensions.py),
    injected like `kinds` so that tests need no entry points.
    """
    document = read_yaml(path)  # duplicate keys and bad YAML: ConfigError with the line
    try:
        return _validated(path, environ, kinds, installed, document)
    except ConfigError as exc:
        raise with_line(exc, document) from None


def _validated(
    path: Path,
    environ: Mapping[str, str],
    kinds: Mapping[str, type[Connector]],
    installed: Sequence[Capability[Record]],
    document: YamlDocument,
) -> Registry:
    raw = document.data
    if not isinstance(raw, dict):
        raise ConfigError(path, "", "the top level must be a mapping with a `connectors` key")
    try:
        parsed = RegistryFile.model_validate(_expand(raw, environ, "", path))
    except ValidationError as exc:
        raise config_error(path, exc, RegistryFile, document=document) from None

    declared = declared_capabilities(path, parsed.data, catalogue(installed))
    capabilities = catalogue([*installed, *declared])
    configs: dict[str, BaseModel] = {}
    owners: dict[str, str] = {}
    for name, spec in parsed.connectors.items():
        key = f"connectors.{name}"
        kind = kinds.get(spec.kind)
        if kind is None:
            known = ", ".join(sorted(kinds)) or "none"
            raise ConfigError(path, f"{key}.kind", f"unknown kind {spec.kind!r} (known: {known})")
        try:
            configs[name] = kind.Config.model_validate(
                spec.config, context={CATALOGUE_CONTEXT: capabilities}
            )
        except ValidationError as exc:
            prefix = ("connectors", name, "config")
            raise config_error(path, exc, kind.Config, prefix=prefix, document=document) from None
        for index, capability in enumerate(spec.owns):
            where = f"{key}.owns[{index}]"
            if capability not in capabilities:
                known = ", ".join(sorted(capabilities))
                raise ConfigError(
                    path, where, f"unknown capability {capability!r} (known: {known})"
                )
            if capability in owners:
                raise ConfigError(
                    path, where, f"{capability!r} is already owned by {owners[capability]!r}"
                )
            owners[capability] = name

    optional = optional_links(parsed.identity.links, capabilities)
    unowned = sorted(set(capabilities) - set(owners) - optional)
    if unowned:
        raise ConfigError(path, "connectors", f"no connector owns: {', '.join(unowned)}")
    check_links(path, parsed.identity.links, parsed.connectors, owners, capabilities)
    for capability in parsed.cache:
        if capability not in capabilities or capabilities[capability].kind == "write":
            raise ConfigError(path, f"cache.{capability}", "is not a cacheable read capability")
    return Registry(
        source=path,
        connectors=parsed.connectors,
        configs=configs,
        owners=owners,
        links=parsed.identity.links,
        cache=parsed.cache,
        claims=parsed.identity.claims,
        warnings=target_warnings(
            path, {name: spec.auth for name, spec in parsed.connectors.items()}
        ),
        capabilities=capabilities,
        declared=tuple(declared),
    )
