"""Employees acting for customers: who may, and which changes stay the customer's own.

An employee acts for a customer either with a token whose RFC 8693 `act` claim names
them (issued by the identity provider's token exchange), or by sending `X-Act-As:
<customer>` with their own token, which the gateway exchanges for such a token
(`requested_subject`). Either way the principal is the customer's, with `actor` set.

Where the actor's role comes from, and why a forged `act` cannot grant it:
    X-Act-As        the employee's own token, checked by the gateway before it asked for
                    the exchange; the result must name that same employee as actor
    act claim       the roles inside it (the issuer signed them), or `employee_subjects`
                    in configuration, matched against the signed `act.sub`
A client cannot write an `act` claim: it only exists in a token the issuer signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.principal import Principal

__all__ = ["ActingPolicy"]


@dataclass(frozen=True, slots=True)
class ActingPolicy:
    """The role that may act for customers, and the mutations only customers may make."""

    employee_role: str = "customer_service"
    personal_mutations: frozenset[str] = frozenset({"updateProfile"})
    employee_subjects: frozenset[str] = frozenset()

    def may_act(self, employee: Principal) -> bool:
        """May this (employee's own) principal act for a customer?"""
        return self.employee_role in employee.roles

    def actor_allowed(self, principal: Principal) -> bool:
        """For a principal carrying an actor: does the actor hold the employee role, in
        the issuer's `act` claim or by configuration (`employee_subjects`)?"""
        actor = principal.actor
        if actor is None:
            return True
        return self.employee_role in actor.roles or actor.subject in self.employee_subjects
