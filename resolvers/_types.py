"""The typed `info` every resolver receives, and the narrow context behind it.

Resolvers and the schema see only what these protocols declare: the principal, the
acting policy the schema's permissions read, and loaders by capability. The gateway's
`RequestContext` and the data plane's `LoaderSet` satisfy them structurally (checked by
mypy in `gateway/context.py`), so nothing here imports the gateway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import strawberry

from connectors.capabilities import Key
from connectors.principal import Principal
from connectors.records import Record
from sso.acting import ActingPolicy

__all__ = ["Info", "Loaders", "ResolverContext"]


class Loaders(Protocol):
    """Records by capability for one request; the owning portal stays out of sight."""

    def serves(self, capability: str) -> bool:
        """True when the registry has an owner for `capability` (optional ones may not)."""
        ...

    async def load(self, capability: str, key: Key) -> Record:
        """The record for `key`; raises the connector's error if it could not be loaded."""
        ...

    async def viewer_key(self, capability: str) -> str | None:
        """The viewer's id in the system that owns `capability`, or None if they have none."""
        ...

    async def write(self, capability: str, key: str, payload: Mapping[str, Any]) -> Record:
        """Apply a write through the owner; later reads in the request see the change."""
        ...


class ResolverContext(Protocol):
    """What a resolver may read from `info.context`."""

    @property
    def principal(self) -> Principal | None: ...

    @property
    def loaders(self) -> Loaders: ...

    @property
    def policy(self) -> ActingPolicy: ...


Info = strawberry.Info[ResolverContext, None]
