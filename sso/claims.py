"""From verified token claims to the `Principal` the rest of the gateway sees.

    claims ─▶ ClaimMapping (the registry's identity.claims and identity.links)
           ─▶ roles: names at `roles`, plus group_roles[name] for names at `groups`
           ─▶ tenant at `tenant`; links per portal (the links object, or flat claims)
           ─▶ Principal

Claims arrive verified but not typed: a JSON value can be anything. A claim that grants
something (roles, groups, scopes, tenant, actor) with the wrong type refuses the token
rather than being guessed at; identity links drop individual values of the wrong type,
as documented (an id is data about the customer, a missing one only hides data).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeGuard

from config.claims import ClaimsSpec
from config.registry import LinkSpec
from connectors.principal import Actor, Principal
from sso.errors import InvalidToken

__all__ = ["ClaimMapping", "LinkClaim", "build_principal"]

_NO_GROUPS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """Where one identity link is read: a claim path, and whether integer ids count.

    Flat claims (`identity.links.<portal>.path`) come from provider user attributes,
    which are often numbers; entries of the links object stay strings only, as they
    always were.
    """

    path: tuple[str, ...]
    integer_ids: bool = False


@dataclass(frozen=True, slots=True)
class ClaimMapping:
    """Which claims `build_principal` reads; the default is the gateway's own token shape.

    With `links` None, the links object at `link_object` is the principal's links as
    it is; otherwise each link name is read at its own `LinkClaim`.
    """

    roles: tuple[str, ...] = ("roles",)
    tenant: tuple[str, ...] = ("tenant",)
    link_object: tuple[str, ...] = ("links",)
    groups: tuple[str, ...] | None = None
    group_roles: Mapping[str, str] = field(default_factory=lambda: _NO_GROUPS)
    links: Mapping[str, LinkClaim] | None = None

    @classmethod
    def from_registry(cls, claims: ClaimsSpec, links: Mapping[str, LinkSpec]) -> ClaimMapping:
        """The mapping for the registry's `identity` section: links named by connector."""
        by_connector: dict[str, LinkClaim] = {}
        for name, spec in links.items():
            if spec.path is not None:
                by_connector[name] = LinkClaim(spec.path, integer_ids=True)
            elif spec.claim is not None:
                by_connector[name] = LinkClaim((*claims.links, spec.claim))
        return cls(
            roles=claims.roles,
            tenant=claims.tenant,
            link_object=claims.links,
            groups=claims.groups,
            group_roles=MappingProxyType(dict(claims.group_roles)),
            links=MappingProxyType(by_connector),
        )


_DEFAULT_MAPPING = ClaimMapping()


def build_principal(
    claims: Mapping[str, Any], token: str, mapping: ClaimMapping = _DEFAULT_MAPPING
) -> Principal:
    """The principal for verified `claims` (from `TokenValidator.validate`).

    Scopes come from `scope` and/or `scp` (a space-separated string or a list), the
    actor from an RFC 8693 `act` claim (its roles read with the same mapping). Raises
    InvalidToken("required claim missing") when `sub` or `iss` is not a non-empty
    string, "token is malformed" when another claim has the wrong type.
    """
    subject = claims.get("sub")
    issuer = claims.get("iss")
    if not _is_text(subject) or not _is_text(issuer):
        raise InvalidToken("required claim missing")
    tenant = _at(claims, mapping.tenant)
    if tenant is not None and not _is_text(tenant):
        raise InvalidToken("token is malformed")
    return Principal(
        subject=subject,
        issuer=issuer,
        tenant=tenant,
        roles=_roles(claims, mapping),
        scopes=_names(claims.get("scope")) | _names(claims.get("scp")),
        links=_links(claims, mapping),
        actor=_actor(claims.get("act"), mapping),
        token=token,
    )


def _at(claims: Mapping[str, Any], path: tuple[str, ...]) -> object:
    """The value at a claim path, or None where any step is missing or not an object."""
    value: object = claims
    for segment in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(segment)
    return value


def _roles(claims: Mapping[str, Any], mapping: ClaimMapping) -> frozenset[str]:
    roles = _names(_at(claims, mapping.roles))
    if mapping.groups is None:
        return roles
    groups = _names(_at(claims, mapping.groups))
    granted = {mapping.group_roles[g] for g in groups if g in mapping.group_roles}
    return roles | granted


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


def _links(claims: Mapping[str, Any], mapping: ClaimMapping) -> Mapping[str, str]:
    links = _at(claims, mapping.link_object)
    if links is not None and not isinstance(links, Mapping):
        raise InvalidToken("token is malformed")
    if mapping.links is None:
        return MappingProxyType(
            {
                name: account
                for name, account in (links or {}).items()
                if isinstance(name, str) and _is_text(account)
            }
        )
    found: dict[str, str] = {}
    for name, where in mapping.links.items():
        account = _link_id(_at(claims, where.path), where.integer_ids)
        if account is not None:
            found[name] = account
    return MappingProxyType(found)


def _link_id(value: object, integer_ids: bool) -> str | None:
    if _is_text(value):
        return value
    # bool is an int to Python, but `true` is no account number.
    if integer_ids and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _actor(value: object, mapping: ClaimMapping) -> Actor | None:
    """The immediate actor of an RFC 8693 `act` claim; nested `act` (earlier actors) is not used."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidToken("token is malformed")
    subject = value.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("token is malformed")
    return Actor(subject=subject, roles=_roles(value, mapping))
