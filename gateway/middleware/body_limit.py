"""Request bodies no larger than `max_body_bytes`, on every route: 413 otherwise.

A declared `Content-Length` over the limit is refused before the app runs; a body that
arrives without one (chunked) is counted as the app reads it, and refused the moment it
grows past the limit, so no route ever holds more than the limit in memory.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from connectors.errors import ErrorCode
from gateway.middleware.media import error_media_type, json_error

__all__ = ["BodyLimit"]


class _BodyTooLarge(Exception):
    """Raised from `receive` inside the app; caught again by `BodyLimit` alone."""


class BodyLimit:
    """Refuses request bodies over `max_bytes` with a JSON 413 (BAD_USER_INPUT)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
            await self._refuse(scope, receive, send, headers)
            return
        received = 0
        started = False

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._max_bytes:
                    raise _BodyTooLarge
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_counted, send_tracked)
        except _BodyTooLarge:
            if not started:  # an app that answered before reading has nothing more to say
                await self._refuse(scope, receive, send, headers)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        response = json_error(
            413,
            "The request body is too large.",
            ErrorCode.BAD_USER_INPUT,
            media_type=error_media_type(headers),
        )
        await response(scope, receive, send)
