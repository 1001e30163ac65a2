"""GraphQL over HTTP, as the GraphQL-over-HTTP specification describes it.

    GET  /graphql?query=...   queries only (a mutation over GET is 405); no body type
                              but application/json (415)
    POST /graphql             application/json body {query, variables, operationName, extensions}

Subscriptions are not served over this transport (a request error). A document with
several operations needs `operationName`. JSON nested deeper than `max_json_depth`, in the
body or in GET's `variables`/`extensions`, is a 400. Every cookie-authenticated request,
whatever its method, must carry the session's CSRF header.

Responses are `application/graphql-response+json` when the client accepts it (request
errors are then 400) or `application/json` (request errors are 200, as legacy clients
expect). A missing or invalid bearer token is 401 with `WWW-Authenticate`. Every body is
JSON with `errors[].extensions.code`; nothing here returns a stack trace.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from opentelemetry import propagate, trace
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from config.settings import Settings
from connectors.errors import ErrorCode
from gateway.auth import csrf_failure
from gateway.context import RequestContext
from gateway.data.loaders import LoaderSet
from gateway.execution import classify_request_errors
from gateway.runtime import Runtime
from resolvers.errors import GatewayError
from sso.errors import InvalidToken

__all__ = ["graphql_endpoint", "json_error"]

logger = logging.getLogger(__name__)

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# Beyond the request deadline, resolvers are already failing fast; this is the last guard.
_DEADLINE_GRACE_S = 1.0


def json_error(
    status: int,
    message: str,
    code: ErrorCode,
    *,
    headers: dict[str, str] | None = None,
    media_type: str = JSON,
) -> JSONResponse:
    """A request-level error in the GraphQL response shape (no `data`)."""
    body = {"errors": [{"message": message, "extensions": {"code": str(code)}}]}
    return JSONResponse(body, status_code=status, headers=headers, media_type=media_type)


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


def _negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or None if we can offer none."""
    if not accept:
        return JSON
    offered: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if quality <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            offered.append((quality, -index, GRAPHQL_RESPONSE))
        elif media in (JSON, "application/*", "*/*"):
            offered.append((quality, -index, JSON))
    return max(offered)[2] if offered else None


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
    max_bytes = settings.max_body_bytes
    if content_type != JSON:
        raise BadRequest(415, "POST bodies must be application/json.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise BadRequest(413, "The request body is too large.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise BadRequest(413, "The request body is too large.")
    return _params(_decode_json(bytes(body), settings.max_json_depth, "The request body"))


def _wants_ide(request: Request, runtime: Runtime) -> bool:
    return (
        runtime.settings.development
        and request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


async def graphql_endpoint(request: Request) -> Response:
    """The one GraphQL endpoint."""
    runtime: Runtime = request.state.runtime
    if request.method not in ("GET", "POST"):
        return json_error(
            405, "Use GET or POST.", ErrorCode.BAD_USER_INPUT, headers={"Allow": "GET, POST"}
        )
    if _wants_ide(request, runtime):
        return HTMLResponse(get_graphql_ide_html(graphql_ide="graphiql"))
    media_type = _negotiate(request.headers.get("accept"))
    if media_type is None:
        return json_error(406, f"Accept {GRAPHQL_RESPONSE} or {JSON}.", ErrorCode.BAD_USER_INPUT)
    try:
        params = await _read_params(request, runtime.settings)
    except BadRequest as exc:
        return json_error(exc.status, exc.message, exc.code, media_type=media_type)

    tracer = runtime.tracer_provider.get_tracer(__name__)
    parent = propagate.extract(request.headers)
    with tracer.start_as_current_span(
        "graphql.request", context=parent, kind=trace.SpanKind.SERVER
    ) as span:
        span.set_attribute("http.request.method", request.method)
        trace_id = format(span.get_span_context().trace_id, "032x")
        request_id = uuid.uuid4().hex
        headers = {"X-Request-Id": request_id, "X-Trace-Id": trace_id}
        try:
            authentication = await runtime.authenticator.authenticate(request)
        except (GatewayError, InvalidToken) as exc:
            if isinstance(exc, InvalidToken):
                span.set_attribute("portalgate.auth.failure", exc.reason)
            limited = await runtime.rate_limits.check_graphql(
                request, None, params.query, None, headers=headers, media_type=media_type
            )
            return limited or _refusal(exc, headers, media_type)
        principal = authentication.principal
        limited = await runtime.rate_limits.check_graphql(
            request,
            principal,
            params.query,
            params.operation_name,
            headers=headers,
            media_type=media_type,
        )
        if limited is not None:
            return limited
        # Every method: a cookie-authenticated GET reads personal data too.
        if authentication.session is not None:
            refused = csrf_failure(request, authentication.session, runtime.allowed_origins())
            if refused is not None:
                return json_error(
                    403,
                    f"Refused: {refused}.",
                    ErrorCode.FORBIDDEN,
                    headers=headers,
                    media_type=media_type,
                )
        deadline = runtime.deadline()
        span.set_attribute("portalgate.acting", principal.actor is not None)
        context = RequestContext(
            principal=principal,
            loaders=LoaderSet(runtime.sources, principal, deadline),
            deadline=deadline,
            request_id=request_id,
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
                    headers=headers,
                    media_type=media_type,
                )
            headers["Allow"] = "POST"
            return json_error(
                405,
                "Mutations must be sent with POST.",
                ErrorCode.BAD_USER_INPUT,
                headers=headers,
                media_type=media_type,
            )
        except (MissingQueryError, CannotGetOperationTypeError):
            status = 400 if media_type == GRAPHQL_RESPONSE else 200
            return json_error(
                status,
                "The document has no operation of that name (or needs `operationName`).",
                ErrorCode.GRAPHQL_VALIDATION_FAILED,
                headers=headers,
                media_type=media_type,
            )
        except TimeoutError:
            return json_error(
                504,
                "The request ran out of time.",
                ErrorCode.DEADLINE_EXCEEDED,
                headers=headers,
                media_type=media_type,
            )
        span.set_attribute("portalgate.errors", len(result.errors or ()))
        return _render(result, headers, media_type)


def _refusal(
    exc: GatewayError | InvalidToken, headers: dict[str, str], media_type: str
) -> JSONResponse:
    """The response for a request whose caller could not be authenticated or is refused."""
    if isinstance(exc, GatewayError):
        status = {ErrorCode.FORBIDDEN: 403, ErrorCode.UNAUTHENTICATED: 401}.get(exc.code, 400)
        return json_error(status, exc.message, exc.code, headers=headers, media_type=media_type)
    if exc.reason == "identity provider unavailable":
        # Not the client's fault: its token may be fine once keys can be fetched.
        return json_error(
            503,
            "Sign-in is unavailable right now; try again shortly.",
            ErrorCode.UPSTREAM_UNAVAILABLE,
            headers={**headers, "Retry-After": "5"},
            media_type=media_type,
        )
    headers = {**headers, "WWW-Authenticate": exc.www_authenticate()}
    message = "Sign in first." if exc.is_missing else f"Invalid token: {exc.reason}."
    return json_error(
        401, message, ErrorCode.UNAUTHENTICATED, headers=headers, media_type=media_type
    )


def _render(result: ExecutionResult, headers: dict[str, str], media_type: str) -> JSONResponse:
    """The GraphQL response: request errors have no `data` (and are 400 when the client
    accepts application/graphql-response+json); executed operations are always 200."""
    request_error = classify_request_errors(result)
    body: dict[str, Any] = {} if request_error else {"data": result.data}
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    status = 400 if request_error and media_type == GRAPHQL_RESPONSE else 200
    return JSONResponse(body, status_code=status, headers=headers, media_type=media_type)
