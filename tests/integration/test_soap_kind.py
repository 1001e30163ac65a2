"""The demo support desk through `kind: soap`: the gateway serves what the Python class does.

Two gateways on the same demo stack: one with config/registry.example.yaml (the desk as
`kind: demo.support_xml`), one with its support connector replaced by the section of
config/registry.soap.example.yaml (`kind: soap`, driven by the desk's WSDL).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider

from config.errors import ConfigError
from demo.stack import DemoStack
from tests.connectors.soap_registry import write_soap_registry
from tests.integration.conftest import Gateway, open_gateway

SUPPORT_PART = """
query Support {
  viewer {
    tickets { id number subject status awaitingYourReply openedAt updatedAt }
    cases { id number kind title status steps { position name state } currentStep { name }
            requirements { kind description dueOn } }
    actionItems { kind title dueOn overdue source sourceId }
  }
}
"""


@pytest.fixture
async def through_wsdl(
    stack: DemoStack, tracer_provider: TracerProvider, tmp_path: Path
) -> AsyncIterator[Gateway]:
    registry = write_soap_registry(tmp_path)
    async with open_gateway(stack, tracer_provider, registry_path=registry) as running:
        yield running


async def test_the_wsdl_kind_is_the_one_serving_the_desk(through_wsdl: Gateway) -> None:
    assert type(through_wsdl.runtime.connectors["support"]).kind == "soap"


@pytest.mark.parametrize("subject", ["cust-001", "cust-002", "cust-007", "cust-023", "cust-050"])
async def test_tickets_and_cases_are_the_same_through_either_kind(
    gateway: Gateway, through_wsdl: Gateway, subject: str
) -> None:
    through_class = await gateway.query(SUPPORT_PART, subject)
    through_soap = await through_wsdl.query(SUPPORT_PART, subject)

    assert "errors" not in through_soap
    assert through_soap == through_class
    customer = next(c for c in gateway.stack.customers if c.subject == subject)
    tickets = gateway.stack.dataset.tickets.get(customer.support_party, ())
    assert len(through_soap["data"]["viewer"]["tickets"]) == len(tickets)


async def test_the_desk_costs_one_call_per_capability(through_wsdl: Gateway) -> None:
    through_wsdl.reset_counts()

    body = await through_wsdl.query(SUPPORT_PART)

    assert "errors" not in body
    # actionItems reads invoices too (from billing), and tickets and cases once more: free.
    assert through_wsdl.counts() == {
        "soap.GetTickets": 1,
        "soap.GetCases": 1,
        "invoices.by_account": 1,
    }


async def test_a_ticket_opened_through_the_wsdl_kind_shows_up(through_wsdl: Gateway) -> None:
    through_wsdl.reset_counts()

    opened = await through_wsdl.query(
        'mutation { openTicket(input: {subject: "Where is my parcel?", message: "SO-1"}) '
        "{ number subject status } }"
    )
    after = await through_wsdl.query("{ viewer { tickets { number } } }")

    ticket = opened["data"]["openTicket"]
    assert ticket["subject"] == "Where is my parcel?"
    assert ticket["number"] in {t["number"] for t in after["data"]["viewer"]["tickets"]}
    assert through_wsdl.counts()["soap.OpenTicket"] == 1


async def test_a_failing_desk_costs_only_its_own_fields(through_wsdl: Gateway) -> None:
    through_wsdl.stack.support.knobs.fail_status = 500

    body = await through_wsdl.query("{ viewer { profile { firstName } tickets { number } } }")

    assert body["data"]["viewer"]["profile"]["firstName"]
    assert body["data"]["viewer"]["tickets"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
    assert error["extensions"]["connector"] == "support"


async def test_an_operation_the_wsdl_lacks_stops_the_start_naming_file_and_key(
    stack: DemoStack, tracer_provider: TracerProvider, tmp_path: Path
) -> None:
    registry = write_soap_registry(tmp_path)
    text = registry.read_text(encoding="utf-8")
    assert "operation: GetTickets" in text
    registry.write_text(text.replace("operation: GetTickets", "operation: GetTicketz"), "utf-8")

    with pytest.raises(ConfigError) as refused:
        async with open_gateway(stack, tracer_provider, registry_path=registry):
            pass

    assert refused.value.file == str(registry)
    assert refused.value.key == "connectors.support.config.capabilities.tickets.operation"
    assert "GetTickets" in refused.value.problem  # what the WSDL offers instead
