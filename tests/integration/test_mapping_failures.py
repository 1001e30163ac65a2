"""Through the whole gateway: an answer that does not map costs only its fields, the
client sees UPSTREAM_BAD_RESPONSE, and the SRE finds the record path and the reason on the
`source.load` span and in one log line, without the portal's value."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from demo.stack import DemoStack
from tests.integration.conftest import open_gateway


def invoice_ids_as_numbers(data: dict[str, Any]) -> None:
    """A mapping mistake: the billing portal's invoice ids (INV-...) read as integers."""
    billing = data["connectors"]["billing"]["config"]["capabilities"]["invoices"]
    fields = billing["response"]["record"]["invoices"]["fields"]
    fields["invoice_id"] = {"path": "invoiceId", "as": "integer"}


async def test_a_mapping_failure_is_on_the_connector_span_and_in_the_log_without_values(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    spans: InMemorySpanExporter,
    caplog: pytest.LogCaptureFixture,
    registry_variant: Callable[[Callable[[dict[str, Any]], None]], Path],
) -> None:
    caplog.set_level(logging.INFO, logger="connectors.mapping")
    customer = next(c for c in stack.customers if stack.dataset.invoices.get(c.billing_account))
    invoice_ids = [i.invoice_id for i in stack.dataset.invoices[customer.billing_account]]
    path = registry_variant(invoice_ids_as_numbers)

    async with open_gateway(stack, tracer_provider, registry_path=path) as gateway:
        body = await gateway.query(
            "{ viewer { profile { firstName } invoices { number } } }", customer.subject
        )

    assert body["data"]["viewer"]["profile"]["firstName"] == customer.first_name
    assert body["data"]["viewer"]["invoices"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UPSTREAM_BAD_RESPONSE"
    assert error["extensions"]["connector"] == "billing"
    assert error["message"] == "billing returned an unreadable response"

    [fetch] = [
        s
        for s in spans.get_finished_spans()
        if s.name == "source.load" and (s.attributes or {}).get("portalgate.connector") == "billing"
    ]
    attributes = dict(fetch.attributes or {})
    assert attributes["portalgate.capability"] == "invoices"
    assert attributes["portalgate.mapping.path"] == "invoices[0].invoice_id"
    assert (
        attributes["portalgate.mapping.reason"] == "`invoiceId` as integer: expected a whole number"
    )

    [line] = [r.getMessage() for r in caplog.records if r.name == "connectors.mapping"]
    assert "connector=billing capability=invoices path=invoices[0].invoice_id" in line
    everything = caplog.text + repr(attributes) + repr(body)
    assert not any(invoice_id in everything for invoice_id in invoice_ids)
