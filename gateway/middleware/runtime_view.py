"""What the middleware need of the gateway's runtime, as a protocol.

The runtime (`gateway/runtime.py`) wires every part together and so sits above the
middleware; naming only these members keeps `gateway.middleware` below it (see
tests/test_architecture.py) while mypy still checks that the runtime provides them.
"""

from __future__ import annotations

from typing import Protocol

from gateway.metrics import Metrics
from gateway.middleware.authenticator import RequestAuthenticator
from gateway.middleware.rate_limiter import RateLimits

__all__ = ["MiddlewareRuntime"]


class MiddlewareRuntime(Protocol):
    """The runtime in the lifespan state, as the middleware read it."""

    @property
    def authenticator(self) -> RequestAuthenticator: ...

    @property
    def rate_limits(self) -> RateLimits: ...

    @property
    def metrics(self) -> Metrics: ...

    def allowed_origins(self) -> frozenset[str]: ...
