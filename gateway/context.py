"""The typed per-request context every resolver receives as `info.context`.

Resolvers declare what they read from it as `resolvers._types.ResolverContext`; the
check at the bottom lets mypy prove this class satisfies that protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectors.principal import Principal
from gateway.data.loaders import LoaderSet
from sso.acting import ActingPolicy
from sso.audit import AuditSink

if TYPE_CHECKING:
    from resolvers._types import ResolverContext

__all__ = ["RequestContext"]


@dataclass(frozen=True, slots=True)
class RequestContext:
    """Built once per GraphQL request by the HTTP endpoint; never shared between requests."""

    principal: Principal | None
    loaders: LoaderSet
    deadline: float
    request_id: str
    policy: ActingPolicy
    audit: AuditSink
    # As the client sent it: None means it named no operation (strawberry's own
    # `operation_name` falls back to the document's first one).
    operation_name: str | None = None


if TYPE_CHECKING:

    def _resolvers_see(context: RequestContext) -> ResolverContext:
        return context
