"""The response cache at the GraphQL endpoint: look up before execution, store after it.

    authenticated, rate-limited request ─▶ ResponseLookup.start ─▶ hit? ─▶ bytes (or 304)
                                                               └─ miss ─▶ execute
      ─▶ ResponseLookup.finish(result): stored when storable ─▶ ETag (or 304)

A hit is served after authentication, CSRF, the rate limits and body limits (all in front
of the endpoint), without parsing or validating the document: an entry exists only for a
document that passed the same validation before, and validation depends on the document
and the settings alone. Stored only: queries that executed without any error, read at
least one capability, every one with a cache policy, and wrote nothing. An employee acting
for a customer always executes, so every such operation reaches the audit log.

Every request is counted in `portalgate_response_cache_total{outcome}` and its access
line carries `response_cache`: hit, miss (executed and stored), uncacheable or bypass.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import ExecutionResult

from connectors.principal import Principal
from gateway.data.loaders import LoaderSet
from gateway.middleware.access_line import note_response_cache
from gateway.response_cache import CachedResponse, ResponseCache
from gateway.response_cache_key import ResponseKey, response_key
from gateway.runtime import Runtime

__all__ = ["ResponseLookup", "etag_matches"]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: `*` or any listed tag, compared weakly (a `W/` prefix is ignored)."""
    if not if_none_match:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)


class ResponseLookup:
    """One request's use of the response cache; built by the GraphQL endpoint."""

    def __init__(self, request: Request, runtime: Runtime) -> None:
        self._request = request
        self._runtime = runtime
        self._cache: ResponseCache | None = runtime.response_cache
        self._key: ResponseKey | None = None
        self._epoch = 0

    def _done(self, outcome: str) -> None:
        note_response_cache(self._request, outcome)
        trace.get_current_span().set_attribute("portalgate.response_cache", outcome)
        self._runtime.metrics.response_cache(outcome)

    async def start(
        self,
        principal: Principal,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        media_type: str,
    ) -> Response | None:
        """The cached response, ready to send, or None: then execute and call `finish`."""
        if self._cache is None:
            return None
        if principal.actor is not None:
            self._done("bypass")
            return None
        self._key = response_key(principal, query, operation_name, variables, media_type)
        cached = await self._cache.get(self._key)
        if cached is not None:
            self._done("hit")
            return self._reply(cached)
        self._epoch = self._cache.epoch
        return None

    async def finish(
        self,
        result: ExecutionResult,
        rendered: Response,
        loaders: LoaderSet,
        query: str,
        operation_name: str | None,
    ) -> Response:
        """The response to send for an executed operation: stored (with its ETag) when it
        may be, as rendered otherwise."""
        cache = self._cache
        if cache is None:
            return rendered
        if loaders.wrote:
            await cache.settle()  # the write's invalidations land before its answer does
        if self._key is None:
            return rendered
        storable = (
            rendered.status_code == 200
            and not result.errors
            and result.data is not None
            and not loaders.wrote
            and cache.cacheable(loaders.used_capabilities)
            and cache.is_query(query, operation_name)
        )
        stored = None
        if storable:
            stored = await cache.put(
                self._key,
                loaders.used_capabilities,
                bytes(rendered.body),
                rendered.media_type or "application/json",
                since_epoch=self._epoch,
            )
        if stored is None:
            self._done("uncacheable")
            return rendered
        self._done("miss")
        return self._reply(stored)

    def _reply(self, cached: CachedResponse) -> Response:
        headers = {"ETag": cached.etag}
        if etag_matches(self._request.headers.get("if-none-match"), cached.etag):
            return Response(status_code=304, headers=headers)
        return Response(cached.body, media_type=cached.media_type, headers=headers)
