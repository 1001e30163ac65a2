"""GatewaySchema.process_errors: a connector error is a DEBUG line with its code, no WARNING."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from graphql import GraphQLError
from opentelemetry.sdk.trace import TracerProvider

from config.settings import Settings
from connectors.errors import ConnectorUnavailable
from gateway.execution import build_gateway_schema
from gateway.logs import record_extra
from resolvers.errors import DeadlineExceeded


def _error(original: Exception) -> GraphQLError:
    return GraphQLError(
        "the portal's own words, which may hold a token",
        path=["viewer", "invoices"],
        original_error=original,
    )


def test_a_connector_error_is_logged_at_debug_with_its_code_and_connector(
    tmp_path: Path, tracer_provider: TracerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    schema = build_gateway_schema(Settings(registry_path=tmp_path / "r.yaml"), tracer_provider)
    caplog.set_level(logging.DEBUG, "gateway.execution")
    schema.process_errors([_error(ConnectorUnavailable("billing", "billing said: t0ken"))])

    [record] = caplog.records
    assert record.levelno == logging.DEBUG
    assert record_extra(record) == {"code": "UPSTREAM_UNAVAILABLE", "connector": "billing"}
    assert record.getMessage() == (
        "connector error code=UPSTREAM_UNAVAILABLE connector=billing path=viewer.invoices"
    )


def test_at_info_a_portal_outage_writes_nothing_per_request(
    tmp_path: Path, tracer_provider: TracerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    schema = build_gateway_schema(Settings(registry_path=tmp_path / "r.yaml"), tracer_provider)
    caplog.set_level(logging.INFO, "gateway.execution")
    for _ in range(100):
        schema.process_errors([_error(ConnectorUnavailable("billing"))])
    schema.process_errors([_error(DeadlineExceeded("out of time"))])

    assert [(r.levelname, record_extra(r)) for r in caplog.records] == [
        ("INFO", {"code": "DEADLINE_EXCEEDED"})
    ]
