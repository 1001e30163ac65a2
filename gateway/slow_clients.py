"""Slow and greedy clients, cut off at the connection, before the app sees them.

uvicorn closes idle keep-alive connections (`timeout_keep_alive`) but gives a client all
the time it likes to send a request: half a header block, or headers and half a body,
holds a connection (and its buffers) for as long as the client keeps it open. Neither
uvicorn nor h11 has a read timeout, so `GuardedH11Protocol` is uvicorn's h11 protocol
with two additions, driven by the `ConnectionGuard` of its server:

    connection made ─▶ over `max_connections_per_address` for this address?
                         yes ─▶ 429 (RATE_LIMITED), closed
                         no  ─▶ read deadline armed (`request_read_timeout_s`)
    first byte of a later request on the connection ─▶ read deadline armed
    request complete (headers and body) ─▶ deadline cancelled; the app answers as usual
    deadline passes ─▶ 408 if nothing was answered yet, connection closed

The deadline is not pushed back by each chunk, so a request fed a byte at a time gets no
more time than a stalled one. The address is the socket's peer (behind a proxy, the
proxy's), since the request's headers are what a slow client has not sent yet.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from config.settings import Settings
from connectors.errors import ErrorCode

__all__ = ["ConnectionGuard", "GuardedConfig", "GuardedH11Protocol"]

# h11's view of the client while its request is still arriving.
_READING = (h11.IDLE, h11.SEND_BODY)


def _raw_response(status: int, reason: str, message: str, code: ErrorCode) -> bytes:
    """A whole HTTP/1.1 response, for when h11 cannot send one (no request was read)."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": str(code)}}]})
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n"
    )
    if status == 429:
        head += "retry-after: 1\r\n"
    return (head + "\r\n" + body).encode()


_TOO_MANY_CONNECTIONS = _raw_response(
    429,
    "Too Many Requests",
    "Too many open connections from your address.",
    ErrorCode.RATE_LIMITED,
)
_REQUEST_TIMEOUT = _raw_response(
    408,
    "Request Timeout",
    "The request did not arrive in time.",
    ErrorCode.BAD_USER_INPUT,
)


class ConnectionGuard:
    """The limits, and the open connections per client address, of one server."""

    def __init__(self, request_read_timeout_s: float, max_connections_per_address: int) -> None:
        self.request_read_timeout_s = request_read_timeout_s
        self.max_connections_per_address = max_connections_per_address
        self._open: Counter[str] = Counter()

    @classmethod
    def from_settings(cls, settings: Settings) -> ConnectionGuard:
        return cls(settings.request_read_timeout_s, settings.max_connections_per_address)

    def admit(self, address: str) -> bool:
        """Count a new connection from `address`, unless it already has its share."""
        if self._open[address] >= self.max_connections_per_address:
            return False
        self._open[address] += 1
        return True

    def release(self, address: str) -> None:
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]


class GuardedConfig(uvicorn.Config):
    """uvicorn's Config serving with `GuardedH11Protocol`; one per server, like its guard."""

    def __init__(self, app: Any, *, guard: ConnectionGuard, **options: Any) -> None:
        super().__init__(app, http=GuardedH11Protocol, **options)
        self.guard = guard


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request read deadline and a per-address cap."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if not isinstance(config, GuardedConfig):
            raise TypeError("GuardedH11Protocol needs a GuardedConfig (it holds the guard)")
        super().__init__(config, server_state, app_state, _loop)
        self._guard = config.guard
        self._address: str | None = None
        self._read_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else "unknown"
        if not self._guard.admit(address):
            transport.write(_TOO_MANY_CONNECTIONS)
            transport.close()
            return
        self._address = address
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._address is not None:
            self._guard.release(self._address)
            self._address = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._address is None:
            return  # refused in connection_made; closing already
        if self._read_deadline is None and self.conn.their_state in _READING:
            self._arm()  # the first bytes of a new request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state not in _READING:
            self._disarm()  # the whole request is in (or the connection is done)

    def _arm(self) -> None:
        self._disarm()
        self._read_deadline = self.loop.call_later(
            self._guard.request_read_timeout_s, self._read_timed_out
        )

    def _disarm(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _read_timed_out(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(_REQUEST_TIMEOUT)
        self.transport.close()
