"""Reading a REST portal's answers: batch items matched back to keys, validation refusals.

Pure functions of the registry's `ResponseSpec`/`ValidationSpec` and the decoded JSON, so
`connectors.rest` keeps only the requests. Anything that does not map is `BadUpstreamData`
with a safe detail, logged and put on the span (`connectors.mapping_failure`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from pydantic import ValidationError

from connectors.capabilities import Key
from connectors.errors import (
    BadUpstreamData,
    ConnectorError,
    ConnectorUnavailable,
    UpstreamRejected,
    UpstreamValidationFailed,
)
from connectors.mapping import MappingError, lookup, read_record
from connectors.mapping_failure import bad_upstream_data
from connectors.records import Record
from connectors.rest_config import ResponseSpec, ValidationSpec

__all__ = [
    "read_answer",
    "read_batch",
    "read_json",
    "status_error",
    "validation_error",
]

_MAX_MESSAGE = 200


def read_batch(
    connector: str,
    record_type: type[Record],
    response: ResponseSpec,
    keys: Sequence[Key],
    data: Any,
    capability: str | None = None,
) -> dict[Key, Record | ConnectorError]:
    """The records of a batch answer for the keys asked for; a key the answer leaves out
    is absent (objects for keys not asked for are ignored, never handed out).

    `items: $` is an answer that is itself the list; `$parent.` in the record reaches the
    whole answer (e.g. a currency given once for all items). `capability` names the
    failure in logs and spans (a kind that does not pass it is named by its record type).
    """
    assert response.items is not None and response.key is not None
    wanted = {str(k): k for k in keys}
    grouped: dict[Key, list[dict[str, Any]]] = {}
    results: dict[Key, Record | ConnectorError] = {}
    try:
        items = lookup(data, response.items)
        if not isinstance(items, list):
            raise MappingError(f"`{response.items}` is not a list", ("(answer)",))
        for item in items:
            item_key = lookup(item, response.key, (data,))
            if not isinstance(item_key, str | int) or str(item_key) not in wanted:
                continue
            mapped = read_record(item, response.record, (data,))
            key = wanted[str(item_key)]
            if response.group_as is not None:
                grouped.setdefault(key, []).append(mapped)
            else:
                results[key] = record_type.model_validate(mapped)
        if response.group_as is not None:
            for key in keys:
                results[key] = record_type.model_validate({response.group_as: grouped.get(key, [])})
    except (MappingError, ValidationError, TypeError) as exc:
        raise bad_upstream_data(connector, capability or record_type.__name__, exc) from None
    return results


def read_answer(
    connector: str, capability: str, record_type: type[Record], response: ResponseSpec, data: Any
) -> Record:
    """The record of an answer that is one record (a write's answer, say)."""
    try:
        return record_type.model_validate(read_record(data, response.record))
    except (MappingError, ValidationError, TypeError) as exc:
        raise bad_upstream_data(connector, capability, exc) from None


def validation_error(connector: str, spec: ValidationSpec, data: Any) -> UpstreamValidationFailed:
    """The portal's refusal of user input, as the client will see it."""
    # The portal's own validation message is passed on only when it is short, printable
    # text: it is meant for the customer, and anything else may be an internal dump.
    message = lookup(data, spec.message)
    field = lookup(data, spec.field) if spec.field else None
    if not (isinstance(message, str) and message.isprintable() and len(message) <= _MAX_MESSAGE):
        message = f"{connector} did not accept the input"
    if not (isinstance(field, str) and field.isprintable() and len(field) <= _MAX_MESSAGE):
        field = None
    return UpstreamValidationFailed(connector, message, field)


def status_error(connector: str, status: int) -> ConnectorError:
    """The error for an answer that is neither a record nor a refusal the spec names."""
    if 400 <= status < 500:
        return UpstreamRejected(connector, status)
    # 5xx, and a redirect, which is not followed (see connectors.portal_session).
    return ConnectorUnavailable(connector, f"{connector} failed (HTTP {status})")


async def read_json(connector: str, resp: aiohttp.ClientResponse) -> tuple[int, Any]:
    """Status and decoded JSON; no body is read from a 401, 403 or 5xx."""
    if resp.status >= 500 or resp.status in (401, 403):
        return resp.status, None
    try:
        return resp.status, await resp.json(content_type=None)
    except ValueError as exc:
        if resp.status == 200:
            raise BadUpstreamData(connector) from exc
        return resp.status, None
