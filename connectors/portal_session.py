"""One connector's HTTP session to its portal: what every HTTP kind does the same way.

    request(method, url, principal, read)
      ─▶ not started?                    ConnectorUnavailable ("<name> is not started")
      ─▶ credentials.for_call(...)       headers for this call
      ─▶ send, never following redirects (a redirect would resend the credential headers
         to wherever the portal points, even another host)
      ─▶ 401 and the credentials renew   send once more with fresh ones (UpstreamAuth.rejected)
      ─▶ read(response)                  the kind's own status and body handling
    aiohttp errors ─▶ connectors.errors (connectors.http.map_client_errors)

A kind keeps one `PortalSession`, opens it in `start`, closes it in `aclose`, and writes only
its requests and mappings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import aiohttp
import yarl

from connectors.base import CredentialProvider, Health, UpstreamAuth
from connectors.errors import ConnectorUnavailable, UpstreamThrottled
from connectors.health import probe_health
from connectors.http import SessionFactory, map_client_errors
from connectors.principal import Principal

__all__ = ["PortalSession", "retry_after_s"]

T = TypeVar("T")


class PortalSession:
    """The aiohttp session of connector `name`, with its credentials applied per call."""

    def __init__(self, name: str, credentials: CredentialProvider, factory: SessionFactory):
        self._name = name
        self._credentials = credentials
        self._factory = factory
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the session (inside the running loop); a second call keeps the open one."""
        if self._session is None or self._session.closed:
            self._session = self._factory.open()

    async def aclose(self) -> None:
        """Close the session; safe to call more than once."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def request(
        self,
        method: str,
        url: yarl.URL,
        principal: Principal | None,
        read: Callable[[aiohttp.ClientResponse], Awaitable[T]],
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send one request with the connector's credentials and return `read(response)`.

        Raises `ConnectorUnavailable` before start or after `aclose`, `UpstreamThrottled`
        for a 429 (with its Retry-After), the credential provider's `ConnectorError`s, and
        aiohttp's errors mapped to `connectors.errors`.
        """
        session = self._session
        if session is None or session.closed:
            # To the gateway a closed connector is an unavailable one.
            raise ConnectorUnavailable(self._name, f"{self._name} is not started")
        for last_try in (False, True):
            auth = await self._credentials.for_call(self._name, principal)
            with map_client_errors(self._name):
                async with session.request(
                    method,
                    url,
                    params=dict(params) if params is not None else None,
                    json=json,
                    data=data,
                    headers={**auth.headers, **(headers or {})},
                    allow_redirects=False,
                ) as resp:
                    if resp.status == 429:  # every kind: the gateway decides on a retry
                        wait = retry_after_s(resp.headers.get("Retry-After"))
                        raise UpstreamThrottled(self._name, wait)
                    if last_try or not await _renewed(auth, resp.status):
                        return await read(resp)
        raise AssertionError("unreachable: the second try always reads")

    async def health(self, url: yarl.URL, timeout_s: float = 2.0) -> Health:
        """`connectors.health.probe_health` on this session; never raises."""
        return await probe_health(self._session, url, timeout_s)


async def _renewed(auth: UpstreamAuth, status: int) -> bool:
    """True when the portal refused `auth` with a 401 and its provider has fresh ones."""
    return status == 401 and auth.rejected is not None and await auth.rejected()


def retry_after_s(value: str | None) -> float | None:
    """Seconds a Retry-After header asks to wait (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
