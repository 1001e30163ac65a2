"""The aiohttp plumbing every connector kind shares: one session factory, one error map.

    SessionFactory(connect_timeout_s, limit_per_host, ssl, trace_configs).open()
        ─▶ aiohttp.ClientSession   (no total timeout, no raise_for_status)
    with map_client_errors(connector):
        TimeoutError (aiohttp's own too)  ─▶ ConnectorTimeout
        aiohttp.ClientError               ─▶ ConnectorUnavailable

Sessions are opened in `Connector.start` (inside the running loop), never at import.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import aiohttp

from connectors.errors import ConnectorTimeout, ConnectorUnavailable

__all__ = ["SessionFactory", "map_client_errors"]


@dataclass(frozen=True, slots=True)
class SessionFactory:
    """How a connector's aiohttp session is built: the one place for transport settings.

    `connect_timeout_s` bounds acquiring a connection only: the call's overall time limit
    is the gateway's (`asyncio.timeout` in gateway/data/sources), and a session-wide total
    would silently undercut it. `limit_per_host` caps concurrent connections to one portal
    (0 = no cap, aiohttp's default). `ssl` is the TLS context for https portals (e.g. one
    built by `ssl.create_default_context(cafile=...)` for a private CA); None verifies with
    the system's CAs. `trace_configs` are aiohttp client tracing hooks
    (see `connectors.tracing`).
    """

    connect_timeout_s: float = 5.0
    limit_per_host: int = 0
    ssl: ssl.SSLContext | None = None
    trace_configs: tuple[aiohttp.TraceConfig, ...] = ()

    def __post_init__(self) -> None:
        if self.connect_timeout_s <= 0:
            raise ValueError("connect_timeout_s must be positive")
        if self.limit_per_host < 0:
            raise ValueError("limit_per_host must be 0 (no cap) or positive")

    def open(self) -> aiohttp.ClientSession:
        """A new session; the caller owns it and closes it (in `aclose`)."""
        connector = aiohttp.TCPConnector(
            limit_per_host=self.limit_per_host,
            ssl=self.ssl if self.ssl is not None else True,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, connect=self.connect_timeout_s),
            raise_for_status=False,
            trace_configs=list(self.trace_configs) or None,
        )


@contextmanager
def map_client_errors(connector: str) -> Iterator[None]:
    """Re-raise aiohttp's errors as `connectors.errors`, ``from`` the original.

    Cancellation (the gateway's ``asyncio.timeout`` around a call) is not an error here and
    passes through untouched; so does a `ConnectorError` raised inside.
    """
    try:
        yield
    except TimeoutError as exc:  # aiohttp.ServerTimeoutError is one too, so it goes first
        raise ConnectorTimeout(connector) from exc
    except aiohttp.ClientError as exc:
        raise ConnectorUnavailable(connector) from exc
