"""The one health probe every HTTP connector kind uses.

    GET <url> within timeout_s, no redirects  ─▶ 2xx          up
                                               ─▶ 2xx, a JSON body that does not parse
                                                              degraded  "malformed answer"
                                               ─▶ other       down  "HTTP <status>"
                                               ─▶ no answer   down  "no answer within <t> s"
                                               ─▶ refused ... down  "unreachable"
    no open session                            ─▶ down  "not started"

It never raises: `/health` asks every connector, and one broken portal must not break it.
"""

from __future__ import annotations

import json
import time

import aiohttp
import yarl

from connectors.base import Health

__all__ = ["probe_health"]


async def probe_health(
    session: aiohttp.ClientSession | None, url: yarl.URL, timeout_s: float = 2.0
) -> Health:
    """Probe `url` with `session`; the portal's body is read and dropped, never reported."""
    if session is None or session.closed:
        return Health("down", 0.0, "not started")
    started = time.perf_counter()
    try:
        async with session.get(
            url, timeout=aiohttp.ClientTimeout(total=timeout_s), allow_redirects=False
        ) as resp:
            body = await resp.read()
            status = resp.status
            is_json = resp.content_type == "application/json"
    except TimeoutError:  # aiohttp's own timeout errors are TimeoutErrors too
        return Health("down", _elapsed_ms(started), f"no answer within {timeout_s} s")
    except aiohttp.ClientError:
        return Health("down", _elapsed_ms(started), "unreachable")
    if 200 <= status < 300:
        if is_json and not _parses(body):
            return Health("degraded", _elapsed_ms(started), "malformed answer")
        return Health("up", _elapsed_ms(started))
    return Health("down", _elapsed_ms(started), f"HTTP {status}")


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


def _parses(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return False
    return True
