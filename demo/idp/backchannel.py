"""Back-channel logout from the dev issuer (OpenID Connect Back-Channel Logout 1.0 §2.5).

    end_session ─▶ ended browser sessions ─▶ one logout token per (sid, sub)
                ─▶ POST <backchannel_logout_uri> logout_token=... (form), all at once

The issuer waits for the answers (bounded by a timeout) before it answers the browser, so
once end_session has returned, the client has heard about it; a failed delivery is
logged and otherwise ignored, as the specification lets a provider do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import aiohttp

__all__ = ["send_logout_tokens"]

logger = logging.getLogger(__name__)

_TIMEOUT = aiohttp.ClientTimeout(total=5)


async def send_logout_tokens(uri: str, tokens: Sequence[str]) -> list[int | None]:
    """POST each logout token to `uri`; the HTTP status of each (None when unreachable)."""
    if not tokens:
        return []
    async with aiohttp.ClientSession(timeout=_TIMEOUT) as session:
        return list(await asyncio.gather(*(_send(session, uri, token) for token in tokens)))


async def _send(session: aiohttp.ClientSession, uri: str, token: str) -> int | None:
    try:
        async with session.post(uri, data={"logout_token": token}, allow_redirects=False) as resp:
            await resp.read()
            if resp.status != 200:
                logger.warning("back-channel logout to %s answered %d", uri, resp.status)
            return resp.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("back-channel logout to %s failed: %s", uri, type(exc).__name__)
        return None
