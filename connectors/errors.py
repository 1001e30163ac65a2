"""Errors a connector raises or returns, with the stable codes clients see.

    ConnectorError(connector, message)      code
    ├── ConnectorUnavailable                UPSTREAM_UNAVAILABLE   refused, reset, 5xx
    ├── ConnectorTimeout                    UPSTREAM_TIMEOUT       no answer in time
    ├── BadUpstreamData                     UPSTREAM_BAD_RESPONSE  unparseable or wrong shape
    ├── UpstreamRejected(status)            UPSTREAM_REJECTED      4xx other than 404 / validation
    │   ├── UpstreamThrottled(retry_after)  UPSTREAM_REJECTED      429, retried when time allows
    │   └── UpstreamValidationFailed        BAD_USER_INPUT         the portal refused the input
    ├── RecordNotFound                      NOT_FOUND
    └── CapabilityNotSupported              INTERNAL_SERVER_ERROR  registry/connector mismatch

Messages are written for clients: they name the connector, never echo the portal's body.
A per-key failure is *returned* in the batch result; a whole-batch failure is *raised*.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = [
    "BadUpstreamData",
    "CapabilityNotSupported",
    "ConnectorError",
    "ConnectorSetupError",
    "ConnectorTimeout",
    "ConnectorUnavailable",
    "ErrorCode",
    "MappingDetail",
    "RecordNotFound",
    "UpstreamRejected",
    "UpstreamThrottled",
    "UpstreamValidationFailed",
]


class ErrorCode(StrEnum):
    """Public error codes (``extensions.code``); renaming one breaks clients."""

    UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT"
    UPSTREAM_BAD_RESPONSE = "UPSTREAM_BAD_RESPONSE"
    UPSTREAM_REJECTED = "UPSTREAM_REJECTED"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    RATE_LIMITED = "RATE_LIMITED"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"
    CAPABILITY_NOT_CONFIGURED = "CAPABILITY_NOT_CONFIGURED"
    IDENTITY_LINK_INVALID = "IDENTITY_LINK_INVALID"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ConnectorError(Exception):
    """Base of every connector failure; carries the connector's name and a public code."""

    code: ErrorCode = ErrorCode.UPSTREAM_UNAVAILABLE

    def __init__(self, connector: str, message: str | None = None) -> None:
        self.connector = connector
        self.message = message or f"{connector} is unavailable"
        super().__init__(self.message)

    @property
    def extensions(self) -> dict[str, Any]:
        """Copied by graphql-core into the GraphQL error's ``extensions``."""
        return {"code": str(self.code), "connector": self.connector}


class ConnectorUnavailable(ConnectorError):
    """The portal could not be reached or answered with a server error."""

    code = ErrorCode.UPSTREAM_UNAVAILABLE

    def __init__(self, connector: str, message: str | None = None) -> None:
        super().__init__(connector, message or f"{connector} is unavailable")


class ConnectorTimeout(ConnectorError):
    """The portal did not answer within the connector's timeout or the request deadline."""

    code = ErrorCode.UPSTREAM_TIMEOUT

    def __init__(self, connector: str, message: str | None = None) -> None:
        super().__init__(connector, message or f"{connector} did not answer in time")


@dataclass(frozen=True, slots=True)
class MappingDetail:
    """Why an answer did not map: the record's field path and what was expected, no value.

    For logs and spans (`connectors.mapping_failure`), never for the client.
    """

    capability: str
    path: str
    reason: str


class BadUpstreamData(ConnectorError):
    """The portal answered, but not in the shape the connector maps from."""

    code = ErrorCode.UPSTREAM_BAD_RESPONSE

    def __init__(
        self, connector: str, message: str | None = None, *, detail: MappingDetail | None = None
    ) -> None:
        super().__init__(connector, message or f"{connector} returned an unreadable response")
        self.detail = detail


class UpstreamRejected(ConnectorError):
    """The portal refused the request with a 4xx status (kept as ``status``)."""

    code = ErrorCode.UPSTREAM_REJECTED

    def __init__(self, connector: str, status: int, message: str | None = None) -> None:
        super().__init__(connector, message or f"{connector} rejected the request (HTTP {status})")
        self.status = status


class UpstreamThrottled(UpstreamRejected):
    """The portal answered 429; `retry_after_s` is its Retry-After (None: it did not say).

    The gateway retries a read after that long when the request's time allows it, and
    otherwise gives the client UPSTREAM_REJECTED at once (gateway/data/guard.py).
    """

    def __init__(self, connector: str, retry_after_s: float | None) -> None:
        super().__init__(connector, 429, f"{connector} is throttling requests (HTTP 429)")
        self.retry_after_s = retry_after_s


class UpstreamValidationFailed(UpstreamRejected):
    """The portal refused user input; the message is the connector's, safe for clients."""

    code = ErrorCode.BAD_USER_INPUT

    def __init__(self, connector: str, message: str, field: str | None = None) -> None:
        super().__init__(connector, 422, message)
        self.field = field

    @property
    def extensions(self) -> dict[str, Any]:
        ext = super().extensions
        if self.field:
            ext["field"] = self.field
        return ext


class RecordNotFound(ConnectorError):
    """The portal has no record for this key."""

    code = ErrorCode.NOT_FOUND

    def __init__(self, connector: str, key: str | None = None) -> None:
        super().__init__(connector, f"{connector} has no such record")
        self.key = key


class CapabilityNotSupported(ConnectorError):
    """The registry bound a capability to a connector that cannot serve it."""

    code = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(self, connector: str, capability: str) -> None:
        super().__init__(connector, f"{connector} does not serve {capability}")
        self.capability = capability


class ConnectorSetupError(Exception):
    """A connector cannot start because its configuration does not fit the portal (a WSDL
    without the operation the registry names); raised by `start()`, never per request.

    The connectors layer knows neither the registry file nor `ConfigError`; the runtime
    turns this into one, naming the file and `connectors.<name>.<key>`.
    """

    def __init__(self, connector: str, key: str, problem: str) -> None:
        super().__init__(f"connector {connector}: {key}: {problem}")
        self.connector = connector
        self.key = key
        self.problem = problem
