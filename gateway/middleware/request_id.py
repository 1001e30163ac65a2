"""A request id for every request, on every response as `X-Request-Id`."""

from __future__ import annotations

import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["REQUEST_ID_HEADER", "RequestId", "request_id_of"]

REQUEST_ID_HEADER = "X-Request-Id"
_STATE_KEY = "request_id"


def request_id_of(request: Request) -> str:
    """The id `RequestId` gave this request."""
    request_id: str = request.state.request_id
    return request_id


class RequestId:
    """Gives each HTTP request a fresh random id, in `request.state.request_id` and in
    the response's `X-Request-Id`.

    A client's own `X-Request-Id` is not taken over: it would let a caller put any text
    in our logs and make two requests look like one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})[_STATE_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
