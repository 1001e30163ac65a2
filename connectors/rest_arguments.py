"""Filter arguments of a REST read: pushed to the portal as query parameters, or left to
the gateway, and never answered from a request the registry declares narrowed.

    ListKey(id, filters) ─▶ a filter outside `narrows` (or none where it narrows)
                              ─▶ UpstreamRejected, nothing is asked
                          ─▶ filters with an `arguments` entry ─▶ query parameters
                          ─▶ the rest                          ─▶ ignored here: the
                                                                  gateway filters the answer

Pushing is an optimisation only; the resolver filters what comes back either way, so a
portal that ignores a parameter still gives the right answer.
"""

from __future__ import annotations

from collections.abc import Mapping

import yarl

from connectors.capabilities import Filters, Key, ListKey
from connectors.errors import ConnectorError, UpstreamRejected
from connectors.paths import build_url, template_fields
from connectors.rest_config import CapabilitySpec

__all__ = ["Plan", "key_id", "plan_request", "pushed_query", "request_url"]

# One single-key request: the key the portal is asked with and the parameters pushed.
Plan = tuple[Key, tuple[tuple[str, str], ...]]


def key_id(key: Key) -> Key:
    """The key a portal is asked with: a ListKey's id, any other key as it is."""
    return key.id if isinstance(key, ListKey) else key


def key_filters(key: Key) -> Filters:
    return key.filters if isinstance(key, ListKey) else ()


def pushed_query(connector: str, spec: CapabilitySpec, key: Key) -> dict[str, str]:
    """The query parameters that push `key`'s filters to the portal.

    Raises UpstreamRejected (before anything is sent) when the request template narrows
    the capability (`narrows`) and the key asks for more than it lets through: an answer
    would silently miss records.
    """
    asked = dict(key_filters(key))
    for name, allowed in spec.narrows.items():
        values = asked.get(name)
        if values is None or not set(values) <= allowed:
            listed = ", ".join(sorted(allowed))
            raise UpstreamRejected(
                connector, 400, f"{connector} lists only {name} {listed}: ask with that {name}"
            )
    query: dict[str, str] = {}
    for name, values in asked.items():
        argument = spec.arguments.get(name)
        if argument is None or (len(values) > 1 and argument.separator is None):
            continue
        table = argument.map
        if table is not None and any(value not in table for value in values):
            continue
        sent = [table[value] for value in values] if table is not None else list(values)
        query[argument.param] = (argument.separator or "").join(sent)
    return query


def plan_request(connector: str, spec: CapabilitySpec, key: Key) -> Plan | ConnectorError:
    """The request `key` makes, or the refusal of one outside what the request narrows to."""
    try:
        pushed = pushed_query(connector, spec, key)
    except UpstreamRejected as refused:
        return refused
    return key_id(key), tuple(sorted(pushed.items()))


def request_url(
    base: yarl.URL, spec: CapabilitySpec, variables: Mapping[str, str]
) -> tuple[yarl.URL, dict[str, str]]:
    """The request's URL and query; raises UnsafePathValue (see connectors.paths)."""
    url = build_url(base, spec.request.path, variables)
    query = {
        name: value.format_map(variables)
        for name, value in spec.request.query.items()
        # The first page of a cursor walk is asked without the cursor.
        if "cursor" in variables or "cursor" not in template_fields(value)
    }
    return url, query
