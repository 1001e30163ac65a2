"""`portalgate check --live` and `--recorded`: each capability called, each answer mapped.

    --live FIXTURES [--record DIR]   the real portals, with credentials from the
                                     environment as `serve` takes them; DIR keeps the
                                     answers (connectors/recorded_answers.py)
    --recorded DIR                   the same checks against those answers, replayed by
                                     a stand-in portal: an owner's CI needs no portal

FIXTURES is YAML `{connector: {capability: [sample keys]}}`. Per capability the report
says whether every key's answer mapped to its record and, if not, the record's field path
and what was expected; values are never printed (they are customers' data). Then, per
connector, gateway/probe_failures.py checks the failure behaviour against a stand-in.
Paged capabilities are asked for their first page (offset 0, `_PAGE` items).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import RootModel, ValidationError

from config.errors import ConfigError
from config.kinds import load_kinds
from config.messages import config_error, describe_error
from config.registry import Registry
from config.upstream_auth import ForwardTokenAuth, NoAuth, TokenExchangeAuth
from config.yaml_loading import dotted, read_yaml
from connectors.base import Connector, CredentialProvider
from connectors.capabilities import CAPABILITIES, Key, PageKey
from connectors.errors import BadUpstreamData, ConnectorError
from connectors.http import SessionFactory
from connectors.mapping import MappingError
from connectors.principal import Principal
from connectors.recorded_answers import (
    AnswerRecorder,
    Exchange,
    Recording,
    load_recordings,
    save_recording,
)
from connectors.recorded_portal import RecordedPortal
from connectors.records import Record
from gateway.probe_failures import ProbeLine, check_failures
from sso.upstream import UpstreamCredentials

__all__ = ["ProbeReport", "load_fixtures", "probe_live", "probe_recorded"]

_PAGE = 10
# The variable that holds a customer's token for forward/token_exchange (a name, no secret).
CUSTOMER_ENV = "PORTALGATE_CHECK_TOKEN"


class _Fixtures(RootModel[dict[str, dict[str, list[str | int]]]]):
    pass


@dataclass(frozen=True, slots=True)
class ProbeReport:
    lines: tuple[ProbeLine, ...]

    @property
    def failed(self) -> int:
        return sum(line.ok is False for line in self.lines)

    def render(self) -> str:
        checks = sum(line.ok is not None for line in self.lines)
        summary = f"{checks} checks, {self.failed} failed"
        return "\n".join([*(line.render() for line in self.lines), summary])


def load_fixtures(path: Path, registry: Registry) -> dict[str, dict[str, list[str]]]:
    """The sample keys, each connector and capability checked against the registry."""
    document = read_yaml(path)
    try:
        fixtures = _Fixtures.model_validate(document.data or {}).root
    except ValidationError as exc:
        raise config_error(path, exc, _Fixtures, document=document) from None
    for name, capabilities in fixtures.items():
        if name not in registry.connectors:
            known = ", ".join(sorted(registry.connectors))
            raise ConfigError(path, name, f"no such connector in the registry (it has: {known})")
        owned = [c for c in registry.connectors[name].owns if CAPABILITIES[c].kind != "write"]
        if not capabilities:
            raise ConfigError(path, name, "give at least one capability with sample keys")
        for capability, keys in capabilities.items():
            if not keys:
                raise ConfigError(
                    path,
                    f"{name}.{capability}",
                    "give at least one sample key",
                    line=document.line_of((name, capability)),
                )
            if capability not in owned:
                raise ConfigError(
                    path,
                    f"{name}.{capability}",
                    f"{name} reads no capability {capability!r} (it reads: {', '.join(owned)})",
                    line=document.line_of((name, capability)),
                )
    return {
        n: {c: [str(k) for k in keys] for c, keys in caps.items()} for n, caps in fixtures.items()
    }


def _keys(capability: str, samples: Sequence[str]) -> list[Key]:
    if CAPABILITIES[capability].paged:
        return [PageKey(sample, 0, _PAGE) for sample in samples]
    return list(samples)


def explain(capability: str, result: Record | ConnectorError) -> str | None:
    """None when `result` is a record; else where and why the answer did not map."""
    if isinstance(result, Record):
        return None
    if not isinstance(result, BadUpstreamData):
        return f"{result.code}: {result}"  # connector errors carry public, fixed messages
    cause: BaseException | None = result
    while cause is not None:
        if isinstance(cause, ValidationError):
            record = CAPABILITIES[capability].record
            path, problem = describe_error(cause.errors(include_input=False)[0], record)
            return f"did not map: {capability}.{dotted(path)}: {problem}"
        if isinstance(cause, MappingError):
            return f"did not map: {cause}"
        cause = cause.__cause__ or cause.__context__
    return "did not map: the answer is not what the kind reads (not JSON, or cut short)"


async def _map_check(
    connector: Connector,
    capability: str,
    samples: Sequence[str],
    principal: Principal | None,
    timeout_s: float,
) -> ProbeLine:
    subject = f"{connector.name}.{capability}"
    keys = _keys(capability, samples)
    try:
        async with asyncio.timeout(timeout_s):
            results: Sequence[Record | ConnectorError] = await connector.fetch(
                capability, keys, principal
            )
    except TimeoutError:
        return ProbeLine(subject, f"no answer within timeout_s ({timeout_s:g} s)", False)
    except ConnectorError as exc:
        results = [exc] * len(keys)
    if len(results) > 1 and all(r is results[0] for r in results):
        # One failure for the whole batch: one answer held every key, or none came.
        problem = explain(capability, results[0])
        if problem is not None:
            return ProbeLine(subject, f"all {len(keys)} sample keys: {problem}", False)
    for index, result in enumerate(results, start=1):
        problem = explain(capability, result)
        if problem is not None:
            return ProbeLine(subject, f"sample key {index} of {len(keys)}: {problem}", False)
    return ProbeLine(subject, f"{len(keys)} of {len(keys)} sample keys mapped", True)


def _standin(registry: Registry, urls: Mapping[str, str]) -> Registry:
    """The registry with these connectors moved to stand-in URLs, without credentials."""
    kinds = load_kinds()
    specs = {
        name: registry.connectors[name].model_copy(
            update={
                "auth": NoAuth(),
                "config": {**registry.connectors[name].config, "base_url": url},
            }
        )
        for name, url in urls.items()
    }
    configs = {n: kinds[s.kind].Config.model_validate(s.config) for n, s in specs.items()}
    return replace(registry, connectors=specs, configs=configs)


def _build(
    registry: Registry, name: str, credentials: CredentialProvider, *traces: Any
) -> Connector:
    spec = registry.connectors[name]
    kind = load_kinds()[spec.kind]
    return kind(
        name, registry.configs[name], credentials, sessions=SessionFactory(trace_configs=traces)
    )


def _replayable(registry: Registry, name: str) -> bool:
    return "base_url" in type(registry.configs[name]).model_fields


async def _against_standin(
    registry: Registry,
    name: str,
    exchanges: Sequence[Exchange],
    mapped: Mapping[str, Sequence[str]],
    *,
    replay: bool = True,
) -> list[ProbeLine]:
    """Map checks of the replayed answers (with `replay`), then failure checks, for
    `name` on a stand-in."""
    if not _replayable(registry, name):
        return [ProbeLine(name, "its kind has no base_url: no stand-in checks", None)]
    async with RecordedPortal(exchanges) as portal:
        standin = _standin(registry, {name: portal.url})
        credentials = UpstreamCredentials({name: NoAuth()}, {})
        lines: list[ProbeLine] = []
        async with _build(standin, name, credentials) as connector:
            timeout_s = standin.connectors[name].timeout_s
            for capability, samples in mapped.items() if replay else ():
                lines.append(await _map_check(connector, capability, samples, None, timeout_s))
            capability, samples = next(iter(mapped.items()))
            keys = _keys(capability, samples)
            lines += await check_failures(standin, name, connector, portal, capability, keys)
        return lines


async def probe_recorded(registry: Registry, folder: Path) -> ProbeReport:
    """The checks against the answers saved in `folder` by `--record`."""
    try:
        recordings = load_recordings(folder)
    except ValueError as exc:
        raise ConfigError(None, "", str(exc)) from None
    if not recordings:
        raise ConfigError(folder, "", "holds no recordings (<connector>/<capability>.json)")
    by_connector: dict[str, list[Recording]] = {}
    for recording in recordings:
        if recording.connector not in registry.connectors:
            raise ConfigError(folder, recording.connector, "is not a connector of the registry")
        if not recording.keys:
            where = f"{recording.connector}.{recording.capability}"
            raise ConfigError(folder, where, "the recording has no sample keys")
        by_connector.setdefault(recording.connector, []).append(recording)
    runs = [
        _against_standin(
            registry,
            name,
            [e for r in recs for e in r.exchanges],
            {r.capability: r.keys for r in recs},
        )
        for name, recs in by_connector.items()
    ]
    return ProbeReport(tuple(line for lines in await asyncio.gather(*runs) for line in lines))


async def probe_live(
    registry: Registry,
    fixtures: Mapping[str, Mapping[str, Sequence[str]]],
    credentials: UpstreamCredentials,
    environ: Mapping[str, str],
    *,
    record: Path | None = None,
) -> ProbeReport:
    """The checks against the live portals; with `record`, their answers are saved."""
    token = environ.get(CUSTOMER_ENV)
    principal = Principal("portalgate-check", "", token=token) if token else None

    async def one(name: str, samples: Mapping[str, Sequence[str]]) -> list[ProbeLine]:
        spec = registry.connectors[name]
        if principal is None and isinstance(spec.auth, ForwardTokenAuth | TokenExchangeAuth):
            why = f"{spec.auth.scheme} needs a customer's token: set {CUSTOMER_ENV}"
            return [ProbeLine(name, f"not checked: {why}", False)]
        base = str(getattr(registry.configs[name], "base_url", ""))
        recorder = AnswerRecorder(base)
        lines: list[ProbeLine] = []
        exchanges: list[Exchange] = []
        async with _build(registry, name, credentials, recorder.trace_config) as connector:
            for capability, keys in samples.items():
                lines.append(
                    await _map_check(connector, capability, keys, principal, spec.timeout_s)
                )
                taken = recorder.take()
                exchanges += taken
                if record is not None:
                    save_recording(record, Recording(name, capability, list(keys), taken))
        return lines + await _against_standin(registry, name, exchanges, samples, replay=False)

    runs = [one(name, samples) for name, samples in fixtures.items()]
    return ProbeReport(tuple(line for lines in await asyncio.gather(*runs) for line in lines))
