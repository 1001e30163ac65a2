"""The declarative REST connector kind: a portal described entirely in the registry file.

    fetch(capability, keys)
      ─▶ batch? one request per chunk of keys  : one request per distinct request
           a chunk refused with a `split_on` status,  (filters pushed or refused:
           or answered with keys left out               rest_arguments; a page window:
           ─▶ one request per key of it                 rest_paging, maybe several)
      ─▶ URL template ({id} {keys}, paging variables) via connectors.paths (a value
         that could change the path is not found, nothing is sent) + credentials per call
      ─▶ JSON ─▶ connectors.rest_answers / mapping ─▶ record model ─▶ results in key order

The session, credentials (and their renewal after a 401), redirects, aiohttp errors and
health are the shared `connectors.portal_session`; parsing errors are translated here.
The call's overall time limit is the gateway's (asyncio.timeout in gateway/data/sources).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import yarl
from pydantic import BaseModel, ValidationError

from connectors.base import Connector, CredentialProvider, Health
from connectors.capabilities import Key, PageKey
from connectors.errors import (
    CapabilityNotSupported,
    ConnectorError,
    RecordNotFound,
)
from connectors.http import SessionFactory
from connectors.mapping import MappingError, read_record, write_body
from connectors.mapping_failure import bad_upstream_data
from connectors.paths import UnsafePathValue, build_url, is_safe_path_value, template_fields
from connectors.portal_session import PortalSession
from connectors.principal import Principal
from connectors.records import Record
from connectors.rest_answers import (
    read_answer,
    read_batch,
    read_json,
    status_error,
    validation_error,
)
from connectors.rest_arguments import key_id, plan_request, request_url
from connectors.rest_config import CapabilitySpec, RestConfig
from connectors.rest_paging import read_window

__all__ = ["RestConfig", "RestConnector"]


class RestConnector(Connector):
    """A portal with a JSON REST API, described by `RestConfig` in the registry."""

    kind: ClassVar[str] = "rest"
    Config: ClassVar[type[BaseModel]] = RestConfig

    def __init__(
        self,
        name: str,
        config: BaseModel,
        credentials: CredentialProvider,
        *,
        sessions: SessionFactory | None = None,
    ) -> None:
        super().__init__(name, config, credentials, sessions=sessions)
        assert isinstance(config, RestConfig)
        self._config = config
        self._base = yarl.URL(str(config.base_url))
        self._portal = PortalSession(name, credentials, self.sessions)
        self._read = functools.partial(read_json, name)

    def capabilities(self) -> frozenset[str]:
        return frozenset(self._config.capabilities)

    async def start(self) -> None:
        await self._portal.start()

    async def aclose(self) -> None:
        await self._portal.aclose()

    def _spec(self, capability: str) -> CapabilitySpec:
        spec = self._config.capabilities.get(capability)
        if spec is None:
            raise CapabilityNotSupported(self.name, capability)
        return spec

    async def fetch(
        self, capability: str, keys: Sequence[Key], principal: Principal | None
    ) -> Sequence[Record | ConnectorError]:
        spec = self._spec(capability)
        record_type = self._config.record_type(capability)
        if spec.batch is not None:
            # A batch is asked for ids alone; a ListKey's filters are the gateway's to apply.
            size = spec.batch.max_size
            ids = list(dict.fromkeys(key_id(key) for key in keys))
            sendable = [key for key in ids if self._fits_path(spec, key)]
            chunks = [list(sendable[i : i + size]) for i in range(0, len(sendable), size)]
            parts = await asyncio.gather(
                *(self._fetch_chunk(capability, spec, chunk, principal) for chunk in chunks)
            )
            by_key: dict[Key, Record | ConnectorError] = {}
            for part in parts:
                by_key.update(part)
            return [by_key.get(key_id(k), RecordNotFound(self.name, str(key_id(k)))) for k in keys]
        # Keys that make the same request (a filter the portal cannot take) share it.
        plans = [plan_request(self.name, spec, key) for key in keys]
        calls = {
            plan: asyncio.ensure_future(
                self._fetch_one(capability, spec, record_type, *plan, principal)
            )
            for plan in dict.fromkeys(p for p in plans if not isinstance(p, ConnectorError))
        }
        try:
            await asyncio.gather(*calls.values())
        except BaseException:
            # One key failed the batch: the other requests are no longer wanted.
            for call in calls.values():
                call.cancel()
            raise
        return [p if isinstance(p, ConnectorError) else calls[p].result() for p in plans]

    def _fits_path(self, spec: CapabilitySpec, key: Key) -> bool:
        """False for a key that would have to change the request's path to be sent."""
        return "keys" not in template_fields(spec.request.path) or is_safe_path_value(str(key))

    async def _fetch_chunk(
        self,
        capability: str,
        spec: CapabilitySpec,
        keys: list[Key],
        principal: Principal | None,
    ) -> dict[Key, Record | ConnectorError]:
        """One batch request; with `split_on`, a refused batch is asked again key by key.

        A portal that checks ownership refuses a whole batch for one key that is not the
        caller's, which must not cost the caller their own records. A batch that leaves
        keys out is asked again key by key too, so that a chunk with an unknown key costs
        the same requests and round trips as one with a refused key: neither the answer
        nor its timing tells the two apart.
        """
        assert spec.batch is not None
        split_on = spec.batch.split_on
        try:
            status, data = await self._batch_call(spec, keys, principal)
        except UnsafePathValue:
            # Each key fitted the path alone (see `_fits_path`), so only the separator
            # made the joined value unsafe: no key of this chunk can be asked for.
            return {key: RecordNotFound(self.name, str(key)) for key in keys}
        if status in split_on:
            if len(keys) == 1:
                return {keys[0]: RecordNotFound(self.name, str(keys[0]))}
            return await self._fetch_each(capability, spec, keys, principal)
        if status != 200:
            raise status_error(self.name, status)
        results = read_batch(
            self.name, self._config.record_type(capability), spec.response, keys, data, capability
        )
        if split_on and len(keys) > 1 and any(key not in results for key in keys):
            return await self._fetch_each(capability, spec, keys, principal)
        return results

    async def _fetch_each(
        self,
        capability: str,
        spec: CapabilitySpec,
        keys: list[Key],
        principal: Principal | None,
    ) -> dict[Key, Record | ConnectorError]:
        """One single-key batch request per key (at most a chunk's size, concurrently);
        a `split_on` status or no answer for the key is not found."""
        assert spec.batch is not None
        split_on = spec.batch.split_on
        record_type = self._config.record_type(capability)

        async def one(key: Key) -> Record | ConnectorError:
            status, data = await self._batch_call(spec, [key], principal)
            if status in split_on:
                return RecordNotFound(self.name, str(key))
            if status != 200:
                raise status_error(self.name, status)
            found = read_batch(self.name, record_type, spec.response, [key], data, capability)
            return found.get(key, RecordNotFound(self.name, str(key)))

        calls = [asyncio.ensure_future(one(key)) for key in keys]
        try:
            answers = await asyncio.gather(*calls)
        except BaseException:
            for call in calls:
                call.cancel()
            raise
        return dict(zip(keys, answers, strict=True))

    async def _batch_call(
        self, spec: CapabilitySpec, keys: list[Key], principal: Principal | None
    ) -> tuple[int, Any]:
        assert spec.batch is not None
        joined = spec.batch.separator.join(str(k) for k in keys)
        url, query = request_url(self._base, spec, {"keys": joined})
        return await self._call(spec, url, query, None, principal)

    async def _fetch_one(
        self,
        capability: str,
        spec: CapabilitySpec,
        record_type: type[Record],
        key: Key,
        pushed: tuple[tuple[str, str], ...],
        principal: Principal | None,
    ) -> Record | ConnectorError:
        try:
            if isinstance(key, PageKey):
                assert spec.paging is not None
                mapped = await read_window(
                    self.name,
                    spec.paging,
                    key,
                    lambda request: self._ask(spec, key.id, request, principal),
                    lambda data: read_record(data, spec.response.record),
                    self._base,
                )
            else:
                variables = {"id": str(key)}
                _, data = await self._ask(spec, str(key), variables, principal, dict(pushed))
                mapped = read_record(data, spec.response.record)
            return record_type.model_validate(mapped)
        except RecordNotFound as missing:
            return missing
        except (MappingError, ValidationError, TypeError) as exc:
            raise bad_upstream_data(self.name, capability, exc) from None

    async def _ask(
        self,
        spec: CapabilitySpec,
        key: str,
        request: Mapping[str, str] | yarl.URL,
        principal: Principal | None,
        pushed: Mapping[str, str] | None = None,
    ) -> tuple[yarl.URL, Any]:
        """One request of a read (template variables, or a next link rest_paging checked):
        the URL asked and the JSON of a 200; RecordNotFound or the status's error else."""
        if isinstance(request, yarl.URL):
            url, query = request, dict[str, str]()
        else:
            try:
                url, query = request_url(self._base, spec, request)
            except UnsafePathValue:
                raise RecordNotFound(self.name, key) from None
            query |= pushed or {}
        status, data = await self._call(spec, url, query, None, principal)
        if spec.not_found_status is not None and status == spec.not_found_status:
            raise RecordNotFound(self.name, key)
        if status != 200:
            raise status_error(self.name, status)
        return url.update_query(query), data

    async def write(
        self, capability: str, key: str, payload: Mapping[str, Any], principal: Principal | None
    ) -> Record:
        spec = self._spec(capability)
        assert spec.body is not None
        body = write_body(payload, spec.body)
        try:
            url, query = request_url(self._base, spec, {"id": key})
        except UnsafePathValue:
            raise RecordNotFound(self.name, key) from None
        status, data = await self._call(spec, url, query, body, principal)
        if spec.not_found_status is not None and status == spec.not_found_status:
            raise RecordNotFound(self.name, key)
        if spec.validation is not None and status == spec.validation.status:
            raise validation_error(self.name, spec.validation, data)
        if status not in (200, 201):
            raise status_error(self.name, status)
        return read_answer(
            self.name, capability, self._config.record_type(capability), spec.response, data
        )

    async def _call(
        self,
        spec: CapabilitySpec,
        url: yarl.URL,
        query: Mapping[str, str],
        body: Mapping[str, Any] | None,
        principal: Principal | None,
    ) -> tuple[int, Any]:
        return await self._portal.request(
            spec.request.method, url, principal, self._read, params=query, json=body
        )

    async def health(self) -> Health:
        return await self._portal.health(build_url(self._base, self._config.health_path, {}))
