"""The connector contract: one adapter per legacy system.

    registry ─▶ Connector(name, config, credentials)
                 start()   open the aiohttp session (inside the running loop)
                 fetch()   one batch of keys for one capability ─▶ records in key order
                 write()   one change for a write capability ─▶ the record read back
                 health()  cheap, bounded, never raises
                 aclose()  idempotent

Cache, dedup, retry, breaker and deadlines live in `gateway.data.sources`, never here.
Connectors translate aiohttp and parsing errors into `connectors.errors` at their boundary.
"""

from __future__ import annotations

import abc
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Literal, Protocol, Self

from pydantic import BaseModel

from connectors.capabilities import Key
from connectors.errors import CapabilityNotSupported, ConnectorError
from connectors.http import SessionFactory
from connectors.principal import Principal
from connectors.records import Record

__all__ = ["Connector", "CredentialProvider", "Health", "UpstreamAuth"]


@dataclass(frozen=True, slots=True)
class UpstreamAuth:
    """What to add to one upstream request: its authentication headers (never in a repr).

    `rejected` is the provider's hook for a 401 (in the spirit of ``httpx.Auth``): the
    connector's session calls it when the portal refuses these headers, and it answers
    whether fresh credentials are now available, so that the call is worth sending again
    (once). None for credentials that cannot be renewed (static secrets, the user's own
    token).
    """

    headers: Mapping[str, str] = field(repr=False)
    rejected: Callable[[], Awaitable[bool]] | None = field(default=None, repr=False, compare=False)


class CredentialProvider(Protocol):
    """Supplies upstream credentials per call (implemented in sso/)."""

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        """Credentials for one call of `connector`; raises ConnectorError when unavailable."""
        ...


@dataclass(frozen=True, slots=True)
class Health:
    """A connector's health: status, how long the probe took, and a reason if not up."""

    status: Literal["up", "degraded", "down"]
    latency_ms: float
    reason: str | None = None


class Connector(abc.ABC):
    """Base of every connector kind.

    Subclasses set `kind`, `Config` (a pydantic model with ``extra="forbid"``) and
    `capabilities` (the capability names this kind can serve), and implement `fetch`.
    """

    kind: ClassVar[str]
    Config: ClassVar[type[BaseModel]]

    def __init__(
        self,
        name: str,
        config: BaseModel,
        credentials: CredentialProvider,
        *,
        sessions: SessionFactory | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.credentials = credentials
        # How this connector's aiohttp session is built (timeouts, TLS, pool, tracing).
        self.sessions = sessions or SessionFactory()

    def capabilities(self) -> frozenset[str]:
        """Capability names this instance can serve (checked against the registry at start)."""
        return frozenset()

    async def start(self) -> None:
        """Open resources (the aiohttp session). Called once, inside the running loop."""

    async def aclose(self) -> None:
        """Release resources; safe to call more than once."""

    @abc.abstractmethod
    async def fetch(
        self, capability: str, keys: Sequence[Key], principal: Principal | None
    ) -> Sequence[Record | ConnectorError]:
        """Load one batch. Results come back in key order; a per-key failure is returned,
        a whole-batch failure raises a `ConnectorError`."""

    async def write(
        self, capability: str, key: str, payload: Mapping[str, Any], principal: Principal | None
    ) -> Record:
        """Apply one change and return the record as the portal now holds it."""
        raise CapabilityNotSupported(self.name, capability)

    async def health(self) -> Health:
        """Probe the portal cheaply; never raises."""
        return Health("up", 0.0)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
