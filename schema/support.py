"""Support tickets and cases (claims, applications) with their steps."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from connectors.records import CASES, TICKETS, CaseRecord, TicketRecord
from resolvers.actions import case_requirements, tickets_awaiting_reply
from resolvers.viewer_lists import ViewerList
from schema.common import Node
from schema.declarations import ListField
from schema.ids import encode_global_id


@strawberry.type
class Ticket(Node):
    record: strawberry.Private[TicketRecord]

    @classmethod
    def of(cls, record: TicketRecord) -> Ticket:
        return cls(id=strawberry.ID(encode_global_id("Ticket", record.ticket_id)), record=record)

    @strawberry.field
    def number(self) -> str:
        return self.record.ticket_id

    @strawberry.field
    def subject(self) -> str:
        return self.record.subject

    @strawberry.field
    def status(self) -> str:
        return self.record.status

    @strawberry.field
    def opened_at(self) -> datetime | None:
        return self.record.opened_at

    @strawberry.field
    def updated_at(self) -> datetime | None:
        return self.record.updated_at

    @strawberry.field(description="True when the support team is waiting for your answer.")
    def awaiting_your_reply(self) -> bool:
        return self.record.awaiting_customer


@strawberry.type
class CaseStep:
    position: int
    name: str
    state: str


@strawberry.type(description="Something the case needs from you.")
class CaseRequirement:
    kind: str
    description: str
    due_on: date | None


@strawberry.type(description="A claim, application or similar process, step by step.")
class Case(Node):
    record: strawberry.Private[CaseRecord]

    @classmethod
    def of(cls, record: CaseRecord) -> Case:
        return cls(id=strawberry.ID(encode_global_id("Case", record.case_id)), record=record)

    @strawberry.field
    def number(self) -> str:
        return self.record.case_id

    @strawberry.field
    def kind(self) -> str:
        return self.record.kind

    @strawberry.field
    def title(self) -> str:
        return self.record.title

    @strawberry.field
    def status(self) -> str:
        return self.record.status

    @strawberry.field
    def steps(self) -> list[CaseStep]:
        return [
            CaseStep(position=s.position, name=s.name, state=s.state) for s in self.record.steps
        ]

    @strawberry.field
    def current_step(self) -> CaseStep | None:
        current = self.record.current_step
        step = next((s for s in self.record.steps if s.position == current), None)
        return CaseStep(position=step.position, name=step.name, state=step.state) if step else None

    @strawberry.field
    def requirements(self) -> list[CaseRequirement]:
        return [
            CaseRequirement(kind=r.kind, description=r.description, due_on=r.due_on)
            for r in self.record.requirements
        ]


TICKET_LIST = ListField(
    "tickets",
    Ticket,
    ViewerList(TICKETS, lambda r: r.tickets, lambda t: t.ticket_id, to_do=tickets_awaiting_reply),
)
CASE_LIST = ListField(
    "cases",
    Case,
    ViewerList(CASES, lambda r: r.cases, lambda c: c.case_id, to_do=case_requirements),
)
