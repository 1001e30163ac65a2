"""The declarative REST connector kind: a portal described entirely in the registry file.

    fetch(capability, keys)
      ─▶ batch? one request per chunk of keys  : one request per key (concurrently)
           a chunk refused with a `split_on` status, or answered with keys left out
           ─▶ one request per key of it
      ─▶ URL template ({id} {keys} {page} {size}) via connectors.paths (a value that
         could change the path is not found, and nothing is sent) + credentials per call
      ─▶ JSON ─▶ connectors.rest_answers / mapping ─▶ record model ─▶ results in key order

The session, credentials (and their renewal after a 401), redirects, aiohttp errors and
health are the shared `connectors.portal_session`; parsing errors are translated here.
The call's overall time limit is the gateway's (asyncio.timeout in gateway/data/sources).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import aiohttp
import yarl
from pydantic import BaseModel, ValidationError

from connectors.base import Connector, CredentialProvider, Health
from connectors.capabilities import Key, PageKey
from connectors.errors import (
    BadUpstreamData,
    CapabilityNotSupported,
    ConnectorError,
    ConnectorUnavailable,
    RecordNotFound,
    UpstreamRejected,
)
from connectors.http import SessionFactory
from connectors.mapping import MappingError, read_record, write_body
from connectors.mapping_failure import bad_upstream_data
from connectors.paths import UnsafePathValue, build_url, is_safe_path_value, template_fields
from connectors.portal_session import PortalSession
from connectors.principal import Principal
from connectors.records import Record
from connectors.rest_answers import read_answer, read_batch, validation_error
from connectors.rest_config import CapabilitySpec, RestConfig

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
            size = spec.batch.max_size
            sendable = [key for key in keys if self._fits_path(spec, key)]
            chunks = [list(sendable[i : i + size]) for i in range(0, len(sendable), size)]
            parts = await asyncio.gather(
                *(self._fetch_chunk(capability, spec, chunk, principal) for chunk in chunks)
            )
            by_key: dict[Key, Record | ConnectorError] = {}
            for part in parts:
                by_key.update(part)
            return [by_key.get(key, RecordNotFound(self.name, str(key))) for key in keys]
        calls = [
            asyncio.ensure_future(self._fetch_one(capability, spec, record_type, key, principal))
            for key in keys
        ]
        try:
            return await asyncio.gather(*calls)
        except BaseException:
            # One key failed the batch: the other requests are no longer wanted.
            for call in calls:
                call.cancel()
            raise

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
            raise self._status_error(status)
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
                raise self._status_error(status)
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
        url, query = self._url(spec, {"keys": joined})
        return await self._call(spec, url, query, None, principal)

    async def _fetch_one(
        self,
        capability: str,
        spec: CapabilitySpec,
        record_type: type[Record],
        key: Key,
        principal: Principal | None,
    ) -> Record | ConnectorError:
        variables, skip = self._variables(spec, key)
        try:
            url, query = self._url(spec, variables)
        except UnsafePathValue:
            return RecordNotFound(self.name, str(key))
        status, data = await self._call(spec, url, query, None, principal)
        if spec.not_found_status is not None and status == spec.not_found_status:
            return RecordNotFound(self.name, str(key))
        if status != 200:
            raise self._status_error(status)
        try:
            mapped = read_record(data, spec.response.record)
            if skip and spec.paging is not None:
                listed = mapped.get(spec.paging.list_field)
                if isinstance(listed, list):
                    mapped[spec.paging.list_field] = listed[skip:]
            return record_type.model_validate(mapped)
        except (MappingError, ValidationError, TypeError) as exc:
            raise bad_upstream_data(self.name, capability, exc) from None

    def _variables(self, spec: CapabilitySpec, key: Key) -> tuple[dict[str, str], int]:
        if not isinstance(key, PageKey):
            return {"id": str(key)}, 0
        paging = spec.paging
        assert paging is not None
        if key.offset % key.limit == 0:
            page, size, skip = key.offset // key.limit + paging.page_base, key.limit, 0
        else:
            page, size, skip = paging.page_base, key.offset + key.limit, key.offset
        if size > paging.max_size:
            raise UpstreamRejected(self.name, 400, f"{self.name} cannot page that far")
        values = {"id": key.id, "page": str(page), "size": str(size)}
        values |= {"offset": str(key.offset), "limit": str(key.limit)}
        return values, skip

    async def write(
        self, capability: str, key: str, payload: Mapping[str, Any], principal: Principal | None
    ) -> Record:
        spec = self._spec(capability)
        assert spec.body is not None
        body = write_body(payload, spec.body)
        try:
            url, query = self._url(spec, {"id": key})
        except UnsafePathValue:
            raise RecordNotFound(self.name, key) from None
        status, data = await self._call(spec, url, query, body, principal)
        if spec.not_found_status is not None and status == spec.not_found_status:
            raise RecordNotFound(self.name, key)
        if spec.validation is not None and status == spec.validation.status:
            raise validation_error(self.name, spec.validation, data)
        if status not in (200, 201):
            raise self._status_error(status)
        return read_answer(
            self.name, capability, self._config.record_type(capability), spec.response, data
        )

    def _status_error(self, status: int) -> ConnectorError:
        if 400 <= status < 500:
            return UpstreamRejected(self.name, status)
        # 5xx, and a redirect, which is not followed (see connectors.portal_session).
        return ConnectorUnavailable(self.name, f"{self.name} failed (HTTP {status})")

    def _url(
        self, spec: CapabilitySpec, variables: Mapping[str, str]
    ) -> tuple[yarl.URL, dict[str, str]]:
        """The request's URL and query; raises UnsafePathValue (see connectors.paths)."""
        url = build_url(self._base, spec.request.path, variables)
        query = {name: value.format_map(variables) for name, value in spec.request.query.items()}
        return url, query

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

    async def _read(self, resp: aiohttp.ClientResponse) -> tuple[int, Any]:
        """Status and decoded JSON; no body is read from a 401, 403 or 5xx."""
        if resp.status >= 500 or resp.status in (401, 403):
            return resp.status, None
        try:
            return resp.status, await resp.json(content_type=None)
        except ValueError as exc:
            if resp.status == 200:
                raise BadUpstreamData(self.name) from exc
            return resp.status, None

    async def health(self) -> Health:
        return await self._portal.health(build_url(self._base, self._config.health_path, {}))
