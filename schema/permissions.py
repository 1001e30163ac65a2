"""Who may resolve which field, declared on the fields themselves (strawberry permissions).

    IsSignedIn                  any principal                     else UNAUTHENTICATED
    IsOrganisationAdmin         tenant + the organisation admin role  else FORBIDDEN
    CustomerInPerson            not an employee acting for the customer, for the mutations
                                the access policy lists as personal    else FORBIDDEN

Denials raise gateway errors, so they reach the client with their code and no masking.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from resolvers._types import Info
from resolvers.errors import Forbidden, Unauthenticated

__all__ = ["ORG_ADMIN_ROLE", "CustomerInPerson", "IsOrganisationAdmin", "IsSignedIn"]

ORG_ADMIN_ROLE = "org_admin"


class IsSignedIn(BasePermission):
    message = "Sign in to see this."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None

    def on_unauthorized(self) -> None:
        raise Unauthenticated(self.message or "")


class IsOrganisationAdmin(BasePermission):
    """Organisation-wide data is for the organisation's admins; members see their own."""

    message = "Only an administrator of your organisation can see this."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None:
            raise Unauthenticated("Sign in to see this.")
        return principal.tenant is not None and ORG_ADMIN_ROLE in principal.roles

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message or "")


class CustomerInPerson(BasePermission):
    """Some changes only the customer may make, never an employee acting for them."""

    message = "The customer must make this change personally."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is None or principal.actor is None:
            return True
        return info.field_name not in info.context.policy.personal_mutations

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message or "")
