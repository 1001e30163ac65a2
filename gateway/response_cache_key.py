"""What a cached GraphQL response is keyed by: who asks, what they ask, how it is rendered.

    scope    sha256(principal.cache_scope)           what an invalidation names
    variant  sha256 of: the rest of the principal (tenant, roles, scopes, identity links),
             sha256(document text), operation name, canonical variables, response media type

Everything the response body can depend on is in the key: the principal decides data and
permissions, the document, operation and variables decide the selection, and `Accept`
decides the media type (and the status of request errors, which are never stored). The
acting-for headers become `principal.actor`; acting principals never use the cache.
No customer id, token or variable value is written into a key in clear.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from connectors.principal import Principal

__all__ = ["ResponseKey", "response_key", "scope_digest"]


@dataclass(frozen=True, slots=True)
class ResponseKey:
    """Where one response is stored: `scope` groups the entries an invalidation drops."""

    scope: str
    variant: str


def scope_digest(cache_scope: str) -> str:
    """The scope as it appears in keys (never the customer id in clear)."""
    return hashlib.sha256(cache_scope.encode()).hexdigest()[:32]


def response_key(
    principal: Principal,
    query: str,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    media_type: str,
) -> ResponseKey:
    """The key of this request's response; raises TypeError/ValueError for variables JSON
    cannot hold (they came from JSON, so this does not happen for a real request)."""
    parts = [
        principal.tenant,
        sorted(principal.roles),
        sorted(principal.scopes),
        sorted(principal.links.items()),
        hashlib.sha256(query.encode()).hexdigest(),
        operation_name,
        # Omitted variables and `{}` mean the same to GraphQL.
        variables or {},
        media_type,
    ]
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    variant = hashlib.sha256(canonical.encode()).hexdigest()[:40]
    return ResponseKey(scope_digest(principal.cache_scope), variant)
