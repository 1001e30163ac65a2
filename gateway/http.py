"""GraphQL over HTTP, as the GraphQL-over-HTTP specification describes it.

    GET  /graphql?query=...   queries only (a mutation over GET is 405); no body type
                              but application/json (415)
    POST /graphql             application/json body {query, variables, operationName, extensions}

Subscriptions are not served over this transport (a request error). A document with
several operations needs `operationName`. JSON nested deeper than `max_json_depth`, in the
body or in GET's `variables`/`extensions`, is a 400.

Responses are `application/graphql-response+json` when the client accepts it (request
errors are then 400) or `application/json` (request errors are 200, as legacy clients
expect). A request without a principal is 401 with `WWW-Authenticate`, checked after the
protocol's own 4xx. Queries may be answered from the response cache (ETag, 304 for
`If-None-Match`; gateway/response_cache_http.py), after every limit. Every body is JSON
with `errors[].extensions.code`; nothing here returns a stack trace. Request ids, the
server span, body size, authentication, CSRF and the per-request rate limit are ASGI
middleware in front of every route (`gateway/app.py`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from opentelemetry import trace
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from config.settings import Settings
from connectors.errors import ErrorCode
from gateway.context import RequestContext
from gateway.data.loaders import LoaderSet
from gateway.execution import classify_request_errors
from gateway.middleware.access_line import connector_calls_of, note_operation
from gateway.middleware.authentication import authentication_of, refusal_response
from gateway.middleware.media import GRAPHQL_RESPONSE, JSON, json_error, negotiate
from gateway.middleware.metrics import upstream_wait_of
from gateway.middleware.request_id import request_id_of
from gateway.response_cache_http import ResponseLookup
from gateway.runtime import Runtime

__all__ = ["graphql_endpoint"]

logger = logging.getLogger(__name__)

# Beyond the request deadline, resolvers are already failing fast; this is the last guard.
_DEADLINE_GRACE_S = 1.0


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


class BadRequest(Exception):
    """The HTTP request is not a GraphQL request; carries the status and a public message."""

    def __init__(self, status: int, message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _object_or_none(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest(400, f"`{name}` must be a JSON object.")
    return value


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """True when JSON arrays and objects in `value` nest more than `limit` levels.

    Iterative, so the check itself cannot run out of stack.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _decode_json(raw: str | bytes, max_depth: int, what: str) -> Any:
    """`json.loads`, with every failure a 400 that names `what` was wrong.

    The decoder recurses once per level and raises RecursionError near the interpreter's
    limit (about 1,000 levels: a 2 KB body); below that, `max_depth` keeps values that no
    input type needs away from everything downstream.
    """
    too_deep = BadRequest(400, f"{what} nests JSON more than {max_depth} levels deep.")
    try:
        value = json.loads(raw)
    except RecursionError:
        raise too_deep from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(400, f"{what} is not valid JSON.") from None
    if _nested_deeper_than(value, max_depth):
        raise too_deep
    return value


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _params(data: Any) -> GraphQLParams:
    if not isinstance(data, dict):
        raise BadRequest(400, "The request body must be a JSON object.")
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest(400, "`query` must be a non-empty string.")
    operation_name = data.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest(400, "`operationName` must be a string.")
    _object_or_none(data.get("extensions"), "extensions")
    return GraphQLParams(query, _object_or_none(data.get("variables"), "variables"), operation_name)


async def _read_params(request: Request, settings: Settings) -> GraphQLParams:
    content_type = _media_type(request)
    if request.method == "GET":
        # A GET has no body; one that claims a form or text body is a cross-site
        # "simple request" a browser sends without preflight (GHSA-hff2-gcpx-8f4p).
        if content_type not in ("", JSON):
            raise BadRequest(415, "A GET request may only carry Content-Type application/json.")
        raw: dict[str, Any] = dict(request.query_params)
        for name in ("variables", "extensions"):
            if name in raw:
                raw[name] = _decode_json(raw[name], settings.max_json_depth, f"`{name}`")
        return _params(raw)
    if content_type != JSON:
        raise BadRequest(415, "POST bodies must be application/json.")
    # No larger than `max_body_bytes`: gateway.middleware.body_limit sees to that.
    body = await request.body()
    return _params(_decode_json(body, settings.max_json_depth, "The request body"))


def _wants_ide(request: Request, runtime: Runtime) -> bool:
    return (
        runtime.settings.development
        and request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


async def graphql_endpoint(request: Request) -> Response:
    """The one GraphQL endpoint; identity, CSRF, limits and tracing are the middleware's."""
    runtime: Runtime = request.state.runtime
    if request.method not in ("GET", "POST"):
        return json_error(
            405, "Use GET or POST.", ErrorCode.BAD_USER_INPUT, headers={"Allow": "GET, POST"}
        )
    if _wants_ide(request, runtime):
        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
    media_type = negotiate(request.headers.get("accept"))
    if media_type is None:
        return json_error(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}.", ErrorCode.BAD_USER_INPUT)
    try:
        params = await _read_params(request, runtime.settings)
    except BadRequest as exc:
        return json_error(exc.status, exc.message, exc.code, media_type=media_type)
    note_operation(request, params.operation_name)
    authentication = authentication_of(request)
    if isinstance(authentication, Exception):
        return refusal_response(authentication, media_type)
    principal = authentication.principal
    limited = await runtime.rate_limits.check_root_fields(
        principal, params.query, params.operation_name, media_type
    )
    if limited is not None:
        return limited
    lookup = ResponseLookup(request, runtime)
    cached = await lookup.start(
        principal, params.query, params.operation_name, params.variables, media_type
    )
    if cached is not None:
        return cached  # gateway/response_cache_http.py: why a hit needs no validation
    span = trace.get_current_span()  # the request's server span (gateway.middleware.tracing)
    deadline = runtime.deadline()
    span.set_attribute("portalgate.acting", principal.actor is not None)
    context = RequestContext(
        principal=principal,
        loaders=LoaderSet(
            runtime.sources,
            principal,
            deadline,
            upstream_wait_of(request),
            connector_calls_of(request),
        ),
        deadline=deadline,
        request_id=request_id_of(request),
        policy=runtime.acting,
        audit=runtime.audit,
        operation_name=params.operation_name,
    )
    allowed = (
        (OperationType.QUERY,)
        if request.method == "GET"
        else (OperationType.QUERY, OperationType.MUTATION)
    )
    try:
        async with asyncio.timeout(deadline - time.monotonic() + _DEADLINE_GRACE_S):
            result = await runtime.schema.execute(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
            )
    except InvalidOperationTypeError as exc:
        if exc.operation_type == OperationType.SUBSCRIPTION:
            return json_error(
                400 if media_type == GRAPHQL_RESPONSE else 200,
                "Subscriptions are not served over this transport; send queries or mutations.",
                ErrorCode.BAD_USER_INPUT,
                media_type=media_type,
            )
        return json_error(
            405,
            "Mutations must be sent with POST.",
            ErrorCode.BAD_USER_INPUT,
            headers={"Allow": "POST"},
            media_type=media_type,
        )
    except (MissingQueryError, CannotGetOperationTypeError):
        return json_error(
            400 if media_type == GRAPHQL_RESPONSE else 200,
            "The document has no operation of that name (or needs `operationName`).",
            ErrorCode.GRAPHQL_VALIDATION_FAILED,
            media_type=media_type,
        )
    except TimeoutError:
        return json_error(
            504, "The request ran out of time.", ErrorCode.DEADLINE_EXCEEDED, media_type=media_type
        )
    span.set_attribute("portalgate.errors", len(result.errors or ()))
    rendered = _render(result, media_type)
    return await lookup.finish(
        result, rendered, context.loaders, params.query, params.operation_name
    )


def _render(result: ExecutionResult, media_type: str) -> JSONResponse:
    """The GraphQL response: request errors have no `data` (and are 400 when the client
    accepts application/graphql-response+json); executed operations are always 200."""
    request_error = classify_request_errors(result)
    body: dict[str, Any] = {} if request_error else {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
    return JSONResponse(body, status_code=status, media_type=media_type)
