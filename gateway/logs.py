"""The process's log output: one JSON object per line (or plain text for humans).

Every record of every logger (ours, uvicorn's, libraries') goes through one handler on
the root logger, so an SRE's collector parses a single shape:

    {"time": "2026-12-03T13:37:16.123Z", "level": "INFO", "logger": "portalgate.access",
     "message": "POST /graphql 200", "route": "/graphql", "status": 200, ...}

`time` (UTC, ISO-8601, milliseconds), `level`, `logger` and `message` come first, then
the record's `extra` fields as they were passed; an exception is one `exception` field
with the standard traceback text (no frame locals). The JSON itself is
python-json-logger's; this module only names the fields and wires the handler.
"""

from __future__ import annotations

import logging
import logging.config
from datetime import UTC, datetime
from typing import Any, Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

__all__ = [
    "LogFormat",
    "LogLevel",
    "PortalgateJsonFormatter",
    "TextFormatter",
    "configure_logging",
    "record_extra",
]

LogFormat = Literal["json", "text"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# The standard LogRecord attributes (and python-json-logger's own) are not `extra`, nor
# uvicorn's `color_message`, the message again with terminal colour codes.
_NOT_FIELDS = frozenset(RESERVED_ATTRS) | {"color_message"}
_NOT_EXTRA = _NOT_FIELDS | {"message", "asctime"}
# uvicorn's loggers: with `log_config=None` uvicorn leaves them unconfigured, and they
# reach the root handler by propagation. The access logger stays silent: the gateway's
# own access line (gateway/middleware/access_line.py) replaces it.
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi")
UVICORN_ACCESS_LOGGER = "uvicorn.access"


def _utc_millis(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record_extra(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller passed with `extra=`, in the order they were given."""
    return {k: v for k, v in record.__dict__.items() if k not in _NOT_EXTRA}


class PortalgateJsonFormatter(JsonFormatter):
    """python-json-logger's formatter with our field names and a millisecond UTC time."""

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            reserved_attrs=sorted(_NOT_FIELDS),
            json_ensure_ascii=False,
        )

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = _utc_millis(record.created)
        super().add_fields(log_data, record, message_dict)


class TextFormatter(logging.Formatter):
    """`time level logger: message key=value ...` for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_millis(record.created)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = record_extra(record)
        if not extra:
            return line
        head, newline, rest = line.partition("\n")  # keep a traceback below the fields
        fields = " ".join(f"{key}={value}" for key, value in extra.items())
        return f"{head} {fields}{newline}{rest}"


def logging_config(log_format: LogFormat, level: LogLevel) -> dict[str, Any]:
    """The `logging.config.dictConfig` document for the whole process."""
    formatter = PortalgateJsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"portalgate": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "portalgate",
            }
        },
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            **{name: {"handlers": [], "propagate": True} for name in _UVICORN_LOGGERS},
            UVICORN_ACCESS_LOGGER: {"handlers": [], "propagate": False},
        },
    }


def configure_logging(log_format: LogFormat, level: LogLevel) -> None:
    """Send every log record of the process to stderr in `log_format`, from `level` up.

    Called by `portalgate serve` and `portalgate demo` once the settings are read; pass
    uvicorn `log_config=None` so that it does not put its own handlers back.
    """
    logging.config.dictConfig(logging_config(log_format, level))
