"""The audit trail of employees acting for customers: who, for whom, what, when.

The default sink writes one JSON line per event to the `portalgate.audit` logger, which
deployments route to their audit store. Events hold subjects and operation names only:
no tokens, no arguments, no record data.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["AuditEvent", "AuditSink", "LoggingAuditSink", "MemoryAuditSink"]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One operation performed by `actor` on behalf of `subject`."""

    at: datetime
    actor: str
    subject: str
    operation_type: str
    operation_name: str | None
    fields: tuple[str, ...]
    outcome: str
    request_id: str

    def as_json(self) -> str:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return json.dumps(data, sort_keys=True)


class AuditSink(Protocol):
    """Where audit events go; `record` must not raise for a sink that is merely slow."""

    def record(self, event: AuditEvent) -> None: ...


class LoggingAuditSink:
    """Writes each event as one JSON line to the `portalgate.audit` logger."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("portalgate.audit")

    def record(self, event: AuditEvent) -> None:
        self._logger.info(event.as_json())


class MemoryAuditSink:
    """Keeps events in a list (tests, and the demo's /health view if wanted)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)
