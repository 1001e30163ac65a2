"""Where the identity provider puts who the customer is: the registry's `identity.claims`.

Providers disagree on claim names and shapes (Keycloak nests roles under
`realm_access.roles`, Auth0 wants URL-namespaced names, Entra ID sends group object ids),
so the gateway reads roles, tenant and identity links at configured claim paths.

A claim path is a dotted string (`realm_access.roles`: the `roles` member of the
`realm_access` object) or a list of segments taken literally, for names that contain
dots themselves (`["https://portalgate.example.com/roles"]`). A dotted string holding
`://` is refused: split on its dots it would never match, so the list form is required.
"""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

__all__ = ["ClaimPath", "ClaimsSpec"]

# A role name as `_names` in sso/claims.py reads it: a space would split it in two.
_ROLE = re.compile(r"^\S+$")


def _parse_claim_path(value: object) -> tuple[str, ...]:
    """A claim path from its YAML form; ValueError says what was expected."""
    if isinstance(value, str):
        if "://" in value:
            raise ValueError(
                f"{value!r} looks like a URL-namespaced claim; a dotted path would split it "
                f"at its dots, so write it as a list of segments: [{value!r}]"
            )
        segments = value.split(".")
    elif isinstance(value, list | tuple):
        segments = list(value)
    else:
        raise ValueError("a claim path is a dotted string or a list of segments")
    if not segments or not all(isinstance(s, str) and s for s in segments):
        raise ValueError("a claim path must not be empty or have empty segments")
    return tuple(segments)


ClaimPath = Annotated[tuple[str, ...], BeforeValidator(_parse_claim_path)]


class ClaimsSpec(BaseModel):
    """Claim paths for roles, tenant and the identity-links object, and groups as roles.

    The defaults are the gateway's own token shape: `roles`, `tenant`, `links`. Roles
    are the names at `roles` plus the role each name at `groups` maps to through
    `group_roles`; unmapped group names grant nothing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    roles: ClaimPath = ("roles",)
    tenant: ClaimPath = ("tenant",)
    links: ClaimPath = ("links",)
    groups: ClaimPath | None = None
    group_roles: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _groups_need_roles(self) -> Self:
        if self.groups is None and self.group_roles:
            raise ValueError("`group_roles` needs `groups` (the claim that lists the groups)")
        if self.groups is not None and not self.group_roles:
            raise ValueError("`groups` needs `group_roles` (which group grants which role)")
        return self

    @field_validator("group_roles")
    @classmethod
    def _role_names(cls, group_roles: dict[str, str]) -> dict[str, str]:
        for group, role in group_roles.items():
            if not group:
                raise ValueError("a group name must not be empty")
            if not _ROLE.match(role):
                raise ValueError(f"{group}: {role!r} is not a role name (non-empty, no spaces)")
        return group_roles
