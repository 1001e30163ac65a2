"""HTTP Basic credentials as a header value (RFC 7617), without aiohttp's deprecated BasicAuth."""

from __future__ import annotations

from base64 import b64encode
from urllib.parse import quote_plus

__all__ = ["basic_authorization", "client_authorization"]


def basic_authorization(user: str, password: str) -> str:
    """`Basic base64(user:password)` in UTF-8."""
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode("ascii")


def client_authorization(client_id: str, client_secret: str) -> str:
    """OAuth client_secret_basic: both parts form-urlencoded first (RFC 6749 §2.3.1)."""
    return basic_authorization(quote_plus(client_id), quote_plus(client_secret))
