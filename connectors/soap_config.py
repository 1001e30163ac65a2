"""The registry section of a `kind: soap` connector: the WSDL, operations and mappings.

Validated when the registry loads; what only the WSDL can tell (is there such an
operation, does it take these parameters) is checked when the connector starts.

    config:
      wsdl: ${SUPPORT_URL}/soap?wsdl          # URL (fetched at start) or a file path
      capabilities:
        tickets:
          operation: GetTickets
          request: {PartyId: "{keys}"}         # "{keys}": the batch's keys as a list
          batch: {max_size: 50}
          response: {items: Ticket, key: partyId, group_as: tickets, record: {...}}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from connectors.capabilities import CAPABILITIES
from connectors.mapping import FieldSpec
from connectors.paths import check_template
from connectors.rest_config import ResponseSpec

__all__ = ["SoapBatchSpec", "SoapCapabilitySpec", "SoapConfig"]

KEYS = "{keys}"
KEY = "{id}"

# A portal's answer is read into memory and parsed, so it is bounded: 256 KiB holds about
# 1,500 tickets and costs zeep under a second to parse on the dev machine. The WSDL
# and each file it includes are bounded the same way.
_DEFAULT_MAX_BYTES = 256 << 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SoapBatchSpec(_Strict):
    """Many keys in one call: ``"{keys}"`` in `request` becomes the list of a chunk's keys."""

    max_size: int = Field(50, ge=1, le=1000)


class SoapCapabilitySpec(_Strict):
    """How one capability maps onto one operation of the WSDL.

    `request` gives the operation's parameters: a string is a template (``"{id}"``, the
    key; exactly ``"{keys}"``, the batch's keys as a list), a mapping is a nested element,
    anything else is sent as written. `body` (writes only) maps the canonical payload to
    further parameters, as `kind: rest` does. `response` reads the operation's output
    element (as plain dicts and lists) with the same mapping specs as `kind: rest`.
    A fault whose text is in `not_found_faults` means the key is unknown (single-key calls).
    """

    operation: str = Field(min_length=1)
    request: dict[str, Any] = Field(default_factory=dict)
    batch: SoapBatchSpec | None = None
    body: dict[str, FieldSpec | str] | None = None
    response: ResponseSpec
    not_found_faults: frozenset[str] = frozenset()

    @model_validator(mode="after")
    def _keys_where_needed(self) -> SoapCapabilitySpec:
        uses_keys = _mentions(self.request, KEYS)
        if self.batch is not None and not uses_keys:
            raise ValueError('a batched request must use "{keys}"')
        if self.batch is None and uses_keys:
            raise ValueError('"{keys}" needs `batch`; use "{id}" for one key per call')
        if self.batch is not None and self.response.items is None:
            raise ValueError("a batched response needs `items` and `key`")
        return self


class SoapConfig(_Strict):
    """The `config:` section of a `kind: soap` connector.

    `service` and `port` pick one port of the WSDL (default: the first of each);
    `address` replaces the endpoint the WSDL names (WSDLs often name an internal host).
    Health is ``GET health_path`` on the endpoint's host.
    """

    wsdl: str = Field(min_length=1)
    service: str | None = None
    port: str | None = None
    address: HttpUrl | None = None
    health_path: str = Field("/health", pattern=r"^/[^{}]*$")
    max_response_bytes: int = Field(_DEFAULT_MAX_BYTES, ge=1024, le=64 << 20)
    capabilities: dict[str, SoapCapabilitySpec]

    @field_validator("health_path")
    @classmethod
    def _plain(cls, path: str) -> str:
        check_template(path)
        return path

    @model_validator(mode="after")
    def _known(self) -> SoapConfig:
        for name, spec in self.capabilities.items():
            if name not in CAPABILITIES:
                raise ValueError(f"unknown capability {name!r}")
            cap = CAPABILITIES[name]
            if cap.paged:
                raise ValueError(f"{name} is paged, which `kind: soap` does not offer")
            if cap.kind == "write" and spec.body is None:
                raise ValueError(f"{name} is a write: give `body`")
            if cap.kind == "write" and spec.batch is not None:
                raise ValueError(f"{name} is a write: writes take one key, not `batch`")
        return self


def _mentions(value: Any, template: str) -> bool:
    if isinstance(value, str):
        return value == template
    if isinstance(value, dict):
        return any(_mentions(v, template) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, template) for v in value)
    return False


def render(value: Any, key: str | None, keys: list[str] | None) -> Any:
    """The request parameters for one call: ``"{keys}"`` ▶ the list, ``{id}`` ▶ the key."""
    if isinstance(value, str):
        if value == KEYS:
            return list(keys or ())
        return value.replace(KEY, key) if key is not None else value
    if isinstance(value, dict):
        return {name: render(v, key, keys) for name, v in value.items()}
    if isinstance(value, list):
        return [render(v, key, keys) for v in value]
    return value
