"""Small, bounded JSON fetches from the identity provider (discovery document, JWKS).

Both documents are public, a few KiB, and fetched on the request path or at start-up,
so every fetch is bounded in time and size, never follows redirects, and turns every
failure into IdentityProviderError.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from typing import Any

import aiohttp
from yarl import URL

from sso.errors import IdentityProviderError

__all__ = ["MAX_DOCUMENT_BYTES", "fetch_json", "require_secure_url"]

# A JWKS or discovery document is a few KiB; anything far larger is a fault or an attack.
MAX_DOCUMENT_BYTES = 256 * 1024


def require_secure_url(url: str, what: str) -> str:
    """`url` if it is https, or plain http to a loopback host (development and tests).

    Raises ValueError otherwise: keys fetched over plain http could be swapped in transit.
    """
    parsed = URL(url)
    host = parsed.host or ""
    if parsed.scheme == "https" and host:
        return url
    if parsed.scheme == "http" and _is_loopback(host):
        return url
    raise ValueError(f"{what} must be an https URL (plain http only on loopback), got {url!r}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def fetch_json(session: aiohttp.ClientSession, url: str, timeout_s: float) -> dict[str, Any]:
    """GET a JSON object from the identity provider; raises IdentityProviderError on any failure."""
    try:
        async with asyncio.timeout(timeout_s):
            async with session.get(
                url, headers={"Accept": "application/json"}, allow_redirects=False
            ) as resp:
                if resp.status != 200:
                    raise IdentityProviderError(f"{url}: HTTP {resp.status}")
                if (resp.content_length or 0) > MAX_DOCUMENT_BYTES:
                    raise IdentityProviderError(f"{url}: document too large")
                body = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    body += chunk
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise IdentityProviderError(f"{url}: document too large")
        document = json.loads(body)
    except TimeoutError as exc:
        raise IdentityProviderError(f"{url}: no answer within {timeout_s}s") from exc
    except aiohttp.ClientError as exc:
        raise IdentityProviderError(f"{url}: {type(exc).__name__}") from exc
    except (ValueError, RecursionError) as exc:
        raise IdentityProviderError(f"{url}: not a JSON document") from exc
    if not isinstance(document, dict):
        raise IdentityProviderError(f"{url}: expected a JSON object")
    return document
