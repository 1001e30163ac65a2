"""Customer-service employees acting for a customer: allowed for that role only, audited,
and never for the changes a customer must make personally."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from demo.stack import DemoStack
from sso.audit import MemoryAuditSink
from tests.integration.conftest import Gateway, open_gateway

SERVICE = {"sub": "emp-001", "roles": ["customer_service"]}


@pytest.fixture
def audit() -> MemoryAuditSink:
    return MemoryAuditSink()


@pytest.fixture
async def audited(
    stack: DemoStack, tracer_provider: TracerProvider, audit: MemoryAuditSink
) -> AsyncIterator[Gateway]:
    async with open_gateway(stack, tracer_provider, audit=audit) as gateway:
        yield gateway


async def test_an_employee_acting_for_a_customer_reads_and_is_audited(
    audited: Gateway, audit: MemoryAuditSink
) -> None:
    body = await audited.query(
        "query Look { viewer { profile { lastName } invoices { number } } }", act=SERVICE
    )

    assert "errors" not in body
    assert body["data"]["viewer"]["profile"]["lastName"]
    (event,) = audit.events
    assert (event.actor, event.subject) == ("emp-001", "cust-001")
    assert (event.operation_type, event.operation_name) == ("query", "Look")
    assert event.fields == ("viewer",)
    assert event.outcome == "ok"


async def test_customers_own_requests_are_not_audited(
    audited: Gateway, audit: MemoryAuditSink
) -> None:
    await audited.query("{ viewer { profile { lastName } } }")
    assert audit.events == []


async def test_personal_mutations_are_refused_when_acting(
    audited: Gateway, audit: MemoryAuditSink
) -> None:
    audited.reset_counts()
    body = await audited.query(
        'mutation { updateProfile(input: {firstName: "Mallory"}) { firstName } }', act=SERVICE
    )

    assert body["data"]["updateProfile"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert audited.counts() == {}
    assert audit.events[-1].outcome == "denied"


async def test_other_mutations_are_allowed_when_acting(audited: Gateway) -> None:
    body = await audited.query(
        'mutation { openTicket(input: {subject: "Called us", message: "by phone"}) { number } }',
        act=SERVICE,
    )
    assert body["data"]["openTicket"]["number"]


async def test_an_act_claim_without_the_employee_role_is_refused(audited: Gateway) -> None:
    response = await audited.client.post(
        "/graphql",
        json={"query": "{ viewer { profile { lastName } } }"},
        headers=audited.auth("cust-001", act={"sub": "emp-002", "roles": ["marketing"]}),
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_acting_is_marked_on_the_request_span(
    audited: Gateway, spans: InMemorySpanExporter
) -> None:
    await audited.query("{ viewer { tickets { number } } }", act=SERVICE)

    request = next(s for s in spans.get_finished_spans() if s.name == "graphql.request")
    assert request.attributes is not None
    assert request.attributes["portalgate.acting"] is True


async def test_x_act_as_exchanges_the_employees_token_at_the_issuer(
    audited: Gateway, audit: MemoryAuditSink
) -> None:
    response = await audited.client.post(
        "/graphql",
        json={"query": "{ viewer { profile { lastName } } }"},
        headers={**audited.auth("emp-001"), "X-Act-As": "cust-003"},
    )

    customer = next(c for c in audited.stack.customers if c.subject == "cust-003")
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["profile"]["lastName"] == customer.last_name
    assert (audit.events[-1].actor, audit.events[-1].subject) == ("emp-001", "cust-003")


async def test_x_act_as_is_refused_for_other_roles_and_for_customers(audited: Gateway) -> None:
    before = audited.stack.issuer.requests["token"]
    for subject in ("emp-002", "cust-001"):
        response = await audited.client.post(
            "/graphql",
            json={"query": "{ viewer { profile { lastName } } }"},
            headers={**audited.auth(subject), "X-Act-As": "cust-003"},
        )
        assert response.status_code == 403
        assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert audited.stack.issuer.requests["token"] == before  # refused before asking the issuer


async def test_x_act_as_an_unknown_customer_is_refused(audited: Gateway) -> None:
    response = await audited.client.post(
        "/graphql",
        json={"query": "{ viewer { profile { lastName } } }"},
        headers={**audited.auth("emp-001"), "X-Act-As": "cust-999"},
    )
    assert response.status_code == 403
