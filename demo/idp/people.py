"""Who can sign on at the dev issuer: demo customers and demo employees.

Everyone's password is `DEMO_PASSWORD`. A customer's claims carry the identity links
(the customer's id in each portal) and, for B2B customers, the tenant; an employee's
claims carry the employee's roles and no links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from demo.data import DemoCustomer, DemoEmployee
from demo.portals.base import same_secret

__all__ = ["DEMO_PASSWORD", "Directory"]

DEMO_PASSWORD = "demo"  # every demo customer's and employee's password


class Directory:
    """The people the issuer knows, by subject."""

    def __init__(self, customers: Sequence[DemoCustomer], employees: Sequence[DemoEmployee]):
        self._customers = {c.subject: c for c in customers}
        self._employees = {e.subject: e for e in employees}
        overlap = self._customers.keys() & self._employees.keys()
        if overlap:
            raise ValueError(f"subjects used by a customer and an employee: {sorted(overlap)}")
        self._by_email = {c.email.lower(): c.subject for c in customers}
        self._by_email.update((e.email.lower(), e.subject) for e in employees)

    def customer(self, subject: str) -> DemoCustomer | None:
        return self._customers.get(subject)

    def employee(self, subject: str) -> DemoEmployee | None:
        return self._employees.get(subject)

    @property
    def employees(self) -> list[DemoEmployee]:
        return list(self._employees.values())

    def sign_in(self, username: str, password: str) -> str | None:
        """The subject for a subject or e-mail address and the right password, else None."""
        name = username.strip()
        subject = name if self.knows(name) else self._by_email.get(name.lower())
        # The password is checked even for an unknown user, so timing reveals nothing.
        password_ok = same_secret(password, DEMO_PASSWORD)
        return subject if subject is not None and password_ok else None

    def knows(self, subject: str) -> bool:
        return subject in self._customers or subject in self._employees

    def claims(self, subject: str) -> dict[str, Any]:
        """`sub`, `name`, `email`, `roles` and, for customers, `links` and `tenant`.

        Raises KeyError for an unknown subject.
        """
        employee = self._employees.get(subject)
        if employee is not None:
            return {
                "sub": employee.subject,
                "name": employee.name,
                "email": employee.email,
                "roles": list(employee.roles),
            }
        customer = self._customers[subject]
        claims: dict[str, Any] = {
            "sub": customer.subject,
            "name": f"{customer.first_name} {customer.last_name}",
            "email": customer.email,
            "links": {
                "crm": customer.crm_id,
                "orders": customer.shop_no,
                "billing": customer.billing_account,
                "support": customer.support_party,
            },
        }
        if customer.tenant is None:
            claims["roles"] = ["customer"]
        else:
            claims["tenant"] = customer.tenant
            claims["roles"] = ["org_admin" if customer.org_role == "admin" else "org_member"]
        return claims
