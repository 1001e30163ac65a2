"""From verified token claims to the `Principal` the rest of the gateway sees.

Claims arrive verified but not typed: a JSON value can be anything. A claim that grants
something (roles, scopes, tenant, actor) with the wrong type refuses the token rather than
being guessed at; only `links` drops individual non-string values, as documented.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeGuard

from connectors.principal import Actor, Principal
from sso.errors import InvalidToken

__all__ = ["build_principal"]


def build_principal(
    claims: Mapping[str, Any],
    token: str,
    *,
    link_claim: str = "links",
    tenant_claim: str = "tenant",
    roles_claim: str = "roles",
) -> Principal:
    """The principal for verified `claims` (from `TokenValidator.validate`).

    Scopes come from `scope` and/or `scp` (a space-separated string or a list), the
    actor from an RFC 8693 `act` claim. Raises InvalidToken("required claim missing")
    when `sub` or `iss` is not a non-empty string, "token is malformed" when another
    claim has the wrong type.
    """
    subject = claims.get("sub")
    issuer = claims.get("iss")
    if not _is_text(subject) or not _is_text(issuer):
        raise InvalidToken("required claim missing")
    tenant = claims.get(tenant_claim)
    if tenant is not None and not _is_text(tenant):
        raise InvalidToken("token is malformed")
    return Principal(
        subject=subject,
        issuer=issuer,
        tenant=tenant,
        roles=_names(claims.get(roles_claim)),
        scopes=_names(claims.get("scope")) | _names(claims.get("scp")),
        links=_links(claims.get(link_claim)),
        actor=_actor(claims.get("act"), roles_claim),
        token=token,
    )


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value)


def _names(value: object) -> frozenset[str]:
    """A space-separated string or a list of strings (IdPs emit both), as a set."""
    if value is None:
        return frozenset()
    items: Iterable[object]
    if isinstance(value, str):
        items = value.split()
    elif isinstance(value, list):
        items = value
    else:
        raise InvalidToken("token is malformed")
    names: set[str] = set()
    for item in items:
        if not isinstance(item, str):
            raise InvalidToken("token is malformed")
        if item:
            names.add(item)
    return frozenset(names)


def _links(value: object) -> Mapping[str, str]:
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise InvalidToken("token is malformed")
    return MappingProxyType(
        {
            name: account
            for name, account in value.items()
            if isinstance(name, str) and isinstance(account, str) and account
        }
    )


def _actor(value: object, roles_claim: str) -> Actor | None:
    """The immediate actor of an RFC 8693 `act` claim; nested `act` (earlier actors) is not used."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidToken("token is malformed")
    subject = value.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("token is malformed")
    return Actor(subject=subject, roles=_names(value.get(roles_claim)))
