"""Response media types, and the JSON body of every request-level refusal.

Shared by the GraphQL endpoint and the middleware that refuses requests before it runs
(body limit, CSRF, rate limits), so a refusal is shaped the same wherever it comes from:

    {"errors": [{"message": ..., "extensions": {"code": ...}}]}   (no `data`)

in `application/graphql-response+json` when the client asks for it, else
`application/json`.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from connectors.errors import ErrorCode

__all__ = ["GRAPHQL_RESPONSE", "JSON", "error_media_type", "json_error", "negotiate"]

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def negotiate(accept: str | None) -> str | None:
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


def error_media_type(headers: Headers) -> str:
    """The media type of a refusal: what the client accepts, else plain JSON (a refusal
    is still worth reading when Accept names nothing we offer)."""
    return negotiate(headers.get("accept")) or JSON


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
