"""`portalgate check FILE`: everything about a registry file that can be known without a portal.

The registry loads exactly as `serve` loads it (config/registry.py: strict YAML, the
pydantic models, each kind's Config, owners, links), so a file that passes here starts.
One difference: a `${VAR}` the environment does not set is checked with a placeholder
URL and reported as a warning, since the URLs of an owner's portals are rarely set on the
machine that checks the file (the example registry checks on a fresh clone this way).
`--secrets` then requires every referenced secret, with the real environment.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import aiohttp

from config.errors import ConfigError
from config.registry import ConnectorSpec
from config.settings import Settings
from config.upstream_auth import ClientCredentialsAuth, TokenExchangeAuth
from gateway import runtime_sso as sso_side
from gateway.extensions import discover_extensions, load_with_extensions, registry_schema
from gateway.probe import ProbeReport, load_fixtures, probe_live, probe_recorded
from schema.build import build_schema
from sso.upstream import UpstreamCredentials

__all__ = ["PlaceholderEnviron", "check_registry", "run_probe"]

# Any of these authenticates the gateway's client (see sso/client_setup.py).
_CLIENT_CREDENTIALS = ("CLIENT_SECRET", "CLIENT_PRIVATE_KEY", "CLIENT_PRIVATE_KEY_FILE")


class PlaceholderEnviron(Mapping[str, str]):
    """The environment, with a placeholder for every variable it does not set.

    A placeholder is a URL on the reserved `.invalid` domain (RFC 2606), which is what a
    `${VAR}` in a registry almost always holds; `unset` lists the names it stood in for.
    """

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        self.unset: list[str] = []

    def __getitem__(self, name: str) -> str:
        if name in self._environ:
            return self._environ[name]
        if name not in self.unset:
            self.unset.append(name)
        return f"http://{name.lower().replace('_', '-')}.invalid"

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)


def check_registry(path: Path, environ: Mapping[str, str], *, secrets: bool) -> str:
    """Validate `path`; returns warnings and a one-line summary, raises ConfigError."""
    expansions = PlaceholderEnviron(environ)
    installed = discover_extensions()
    registry = load_with_extensions(path, expansions, installed)
    # The schema this registry gives, so a `data:` name that clashes fails here too.
    registry_schema(registry, installed, lambda fields: build_schema(viewer_extensions=fields))
    if secrets:
        _check_secrets(path, registry.connectors, environ)
    summary = (
        f"{path}: ok: {len(registry.connectors)} connectors, "
        f"{len(registry.owners)} capabilities owned, {len(registry.links)} identity links"
    )
    unset = [
        f"{path}: ${{{name}}} is not set: checked with the placeholder {expansions[name]}"
        for name in expansions.unset
    ]
    return "\n".join([*(f"warning: {w}" for w in [*unset, *registry.warnings]), summary])


def _check_secrets(
    path: Path, specs: Mapping[str, ConnectorSpec], environ: Mapping[str, str]
) -> None:
    oauth_ready = bool(
        environ.get("PORTALGATE_CLIENT_ID")
        and any(environ.get(f"PORTALGATE_{name}") for name in _CLIENT_CREDENTIALS)
    )
    static = {
        name: spec.auth
        for name, spec in specs.items()
        if not isinstance(spec.auth, ClientCredentialsAuth | TokenExchangeAuth)
    }
    UpstreamCredentials(static, environ, source=path)
    for name, spec in specs.items():
        if name not in static and not oauth_ready:
            raise ConfigError(
                path,
                f"connectors.{name}.auth.scheme",
                f"{spec.auth.scheme} needs PORTALGATE_CLIENT_ID and PORTALGATE_CLIENT_SECRET "
                "(or a private key for private_key_jwt)",
            )


async def run_probe(
    path: Path,
    environ: Mapping[str, str],
    *,
    live: Path | None,
    record: Path | None,
    recorded: Path | None,
) -> ProbeReport:
    """`check --live FIXTURES [--record DIR]` or `check --recorded DIR` (gateway/probe.py)."""
    if recorded is not None:
        registry = load_with_extensions(path, PlaceholderEnviron(environ), discover_extensions())
        return await probe_recorded(registry, recorded)
    assert live is not None
    registry = load_with_extensions(path, environ, discover_extensions())  # real URLs, as `serve`
    fixtures = load_fixtures(live, registry)
    async with aiohttp.ClientSession() as idp_session:
        token_client = None
        if any(
            isinstance(s.auth, ClientCredentialsAuth | TokenExchangeAuth)
            for s in registry.connectors.values()
        ):
            settings = Settings(registry_path=path)
            metadata = await sso_side.discover_provider(settings, idp_session)
            token_client = sso_side.token_client(settings, metadata, idp_session)
        credentials = UpstreamCredentials(
            {name: spec.auth for name, spec in registry.connectors.items()},
            environ,
            source=path,
            token_client=token_client,
        )
        return await probe_live(registry, fixtures, credentials, environ, record=record)
