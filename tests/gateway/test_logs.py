"""The log formatters: one JSON object per record with our field names, or text for humans."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.logs import (
    UVICORN_ACCESS_LOGGER,
    PortalgateJsonFormatter,
    TextFormatter,
    configure_logging,
    logging_config,
)

UTC_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _record(
    message: str = "breaker %s: %s -> %s",
    args: tuple[object, ...] = ("crm", "closed", "open"),
    *,
    level: int = logging.WARNING,
    extra: dict[str, Any] | None = None,
    exc_info: Any = None,
) -> logging.LogRecord:
    logger = logging.getLogger("portalgate.breaker")
    return logger.makeRecord(logger.name, level, __file__, 1, message, args, exc_info, extra=extra)


def test_a_record_is_one_json_object_with_time_level_logger_message_first() -> None:
    record = _record(extra={"connector": "crm", "from": "closed", "to": "open"})
    line = PortalgateJsonFormatter().format(record)

    assert "\n" not in line
    parsed = json.loads(line)
    assert list(parsed)[:4] == ["time", "level", "logger", "message"]
    assert parsed == {
        "time": parsed["time"],
        "level": "WARNING",
        "logger": "portalgate.breaker",
        "message": "breaker crm: closed -> open",
        "connector": "crm",
        "from": "closed",
        "to": "open",
    }


def test_time_is_utc_iso_8601_with_milliseconds() -> None:
    record = _record()
    record.created = datetime(2026, 12, 3, 13, 37, 16, 123456, tzinfo=UTC).timestamp()

    assert json.loads(PortalgateJsonFormatter().format(record))["time"] == (
        "2026-12-03T13:37:16.123Z"
    )
    assert UTC_MILLIS.fullmatch(json.loads(PortalgateJsonFormatter().format(_record()))["time"])


def test_structured_extra_fields_keep_their_json_types() -> None:
    calls = [{"connector": "crm", "capability": "profile", "outcome": "ok", "duration_ms": 1.5}]
    record = _record("done", (), extra={"status": 200, "trace_id": None, "connectors": calls})
    parsed = json.loads(PortalgateJsonFormatter().format(record))

    assert parsed["status"] == 200
    assert parsed["trace_id"] is None
    assert parsed["connectors"] == calls


def test_uvicorns_coloured_copy_of_the_message_is_left_out() -> None:
    record = _record("Started server process [%d]", (42,), level=logging.INFO)
    record.color_message = "Started server process [\x1b[36m%d\x1b[0m]"

    assert "color_message" not in json.loads(PortalgateJsonFormatter().format(record))
    assert TextFormatter().format(record).endswith("Started server process [42]")


def test_an_exception_is_one_field_with_the_traceback_and_no_locals() -> None:
    secret_local = "s3cr3t-value"
    try:
        raise ValueError("broken")
    except ValueError:
        record = _record("failed", (), level=logging.ERROR, exc_info=sys.exc_info())
    line = PortalgateJsonFormatter().format(record)
    parsed = json.loads(line)

    assert parsed["message"] == "failed"
    assert parsed["exception"].startswith("Traceback (most recent call last):")
    assert parsed["exception"].endswith("ValueError: broken")
    assert "exc_info" not in parsed
    assert secret_local not in line  # only source lines, never frame values
    assert secret_local  # (the local exists while the record is made)


def test_text_format_puts_extra_fields_after_the_message() -> None:
    record = _record(extra={"connector": "crm", "to": "open"})
    line = TextFormatter().format(record)

    assert re.fullmatch(
        UTC_MILLIS.pattern + r" WARNING portalgate.breaker: breaker crm: closed -> open "
        r"connector=crm to=open",
        line,
    )


def test_configured_logging_writes_every_logger_as_json_uvicorns_included(
    restored_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)  # the handler's stream, resolved when configured
    # As uvicorn leaves them after its own dictConfig: a handler and no propagation.
    logging.getLogger("uvicorn").addHandler(logging.StreamHandler(io.StringIO()))
    logging.getLogger("uvicorn").propagate = False
    configure_logging("json", "INFO")

    logging.getLogger("uvicorn.error").info("Uvicorn running on %s", "http://127.0.0.1:8000")
    logging.getLogger("aiohttp.client").warning("a library line")
    logging.getLogger("portalgate.test").debug("below the level")
    logging.getLogger(UVICORN_ACCESS_LOGGER).info("uvicorn's access line: never written")

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("uvicorn.error", "Uvicorn running on http://127.0.0.1:8000"),
        ("aiohttp.client", "a library line"),
    ]


def test_text_and_level_settings_choose_the_formatter_and_the_threshold() -> None:
    config = logging_config("text", "DEBUG")

    assert config["formatters"]["portalgate"]["()"] is TextFormatter
    assert config["root"]["level"] == "DEBUG"
    assert logging_config("json", "INFO")["formatters"]["portalgate"]["()"] is (
        PortalgateJsonFormatter
    )
