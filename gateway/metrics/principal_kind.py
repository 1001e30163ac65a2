"""Who the usage figures count: customers, employees acting for them, service clients."""

from __future__ import annotations

from connectors.principal import Principal

__all__ = ["principal_kind"]


def principal_kind(principal: Principal | None, *, employee_role: str, service_role: str) -> str:
    """`customer`, `employee`, `service` or `anonymous`, for the `principal_kind` label.

    An employee acting for a customer is an employee: the seed need is to count real
    customer use apart from staff traffic.
    """
    if principal is None:
        return "anonymous"
    if principal.actor is not None or employee_role in principal.roles:
        return "employee"
    if service_role in principal.roles:
        return "service"
    return "customer"
