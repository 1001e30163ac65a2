"""The typed per-request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.principal import Principal
from gateway.data.loaders import LoaderSet
from sso.acting import ActingPolicy
from sso.audit import AuditSink

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
