"""From verified token claims to the `Principal` the rest of the gateway sees.

    claims ─▶ ClaimMapping (the registry's identity.claims and identity.links)
           ─▶ roles: names at `roles`, plus group_roles[name] for names at `groups`
           ─▶ tenant at `tenant`; links per portal (the links object, or flat claims)
           ─▶ Principal

Claims arrive verified but not typed: a JSON value can be anything. A claim that grants
something (roles, groups, scopes, tenant, actor) with the wrong type refuses the token
rather than being guessed at. Identity link ids may be text or integers (converted to
text); a link the registry does not know, or an id of another type, is not dropped in
silence: the principal carries the problem (`Principal.link_problems`) and the fields
that would have needed a link fail with IDENTITY_LINK_INVALID.
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
    """Where one identity link is read: a claim path (in the links object or of its own)."""

    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClaimMapping:
    """Which claims `build_principal` reads; the default is the gateway's own token shape.

    With `links` None, the links object at `link_object` is the principal's links as
    it is; otherwise each link name is read at its own `LinkClaim`, and an entry of the
    links object that no `LinkClaim` reads is a link problem (a misspelt or foreign name).
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
                by_connector[name] = LinkClaim(spec.path)
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
    links, link_problems = _links(claims, mapping)
    return Principal(
        subject=subject,
        issuer=issuer,
        tenant=tenant,
        roles=_roles(claims, mapping),
        scopes=_names(claims.get("scope")) | _names(claims.get("scp")),
        links=links,
        link_problems=link_problems,
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


def _links(
    claims: Mapping[str, Any], mapping: ClaimMapping
) -> tuple[Mapping[str, str], tuple[str, ...]]:
    """The links the mapping reads, and a problem per link that cannot be used.

    A missing or null id is no problem (the customer has no account there); an empty or
    non-text, non-integer id is one, and so is an entry of the links object that no
    configured link reads. Problems name claims, never their values.
    """
    links = _at(claims, mapping.link_object)
    if links is not None and not isinstance(links, Mapping):
        raise InvalidToken("token is malformed")
    found: dict[str, str] = {}
    problems: list[str] = []
    object_name = ".".join(mapping.link_object)
    if mapping.links is None:
        for name, value in (links or {}).items():
            _take(found, problems, str(name), f"{object_name}.{name}", value)
        return MappingProxyType(found), tuple(problems)
    read_in_object: set[str] = set()
    for name, where in mapping.links.items():
        depth = len(mapping.link_object)
        if len(where.path) > depth and where.path[:depth] == mapping.link_object:
            read_in_object.add(where.path[depth])
        _take(found, problems, name, ".".join(where.path), _at(claims, where.path))
    known = ", ".join(sorted(read_in_object)) or "none"
    for name in links or {}:
        if name not in read_in_object:
            problems.append(
                f"`{object_name}.{_printable(name)}` names no portal of this gateway"
                f" (it reads: {known})"
            )
    return MappingProxyType(found), tuple(problems)


def _take(found: dict[str, str], problems: list[str], name: str, claim: str, value: object) -> None:
    """Record the id `value` under `name`, or the problem with it."""
    if value is None:
        return
    if _is_text(value):
        found[name] = value
    # bool is an int to Python, but `true` is no account number.
    elif isinstance(value, int) and not isinstance(value, bool):
        found[name] = str(value)
    else:
        problems.append(f"`{_printable(claim)}` is not an id (text or an integer)")


def _printable(name: object, limit: int = 60) -> str:
    """A claim name as a client may read it back: printable and bounded."""
    text = "".join(c if c.isprintable() and c != "`" else "?" for c in str(name))
    return text if len(text) <= limit else text[:limit] + "..."


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
