"""Who is asking: the principal every request carries from sign-on to connector.

It is part of the connector contract (every `fetch` receives one), so it lives here, at
the lowest part that needs it; `sso` builds it from a token.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Actor", "Principal"]


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class Actor:
    """An employee acting for a customer (the token's `act` claim or an act-as request)."""

    subject: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated customer (or employee acting for one).

    `links` holds the customer's account id in each portal, keyed by link name (for
    example ``{"crm": "C-10001"}``); the gateway resolves missing links once per request.
    `link_problems` says, in words safe for the client (names, never values), which links
    of the token could not be used (a name no portal here has, an id that is neither text
    nor an integer): a field whose link is missing then fails with IDENTITY_LINK_INVALID
    instead of answering an empty list.
    `token` is the raw bearer token, kept only so that sso/ can forward or exchange it
    upstream; it is excluded from ``repr`` so it never lands in a log line.
    """

    subject: str
    issuer: str
    tenant: str | None = None
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    links: Mapping[str, str] = field(default_factory=_frozen)
    actor: Actor | None = None
    link_problems: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False, compare=False)

    @property
    def cache_scope(self) -> str:
        """The key prefix that keeps one customer's cached records away from another's."""
        return f"{self.issuer}|{self.subject}"
