"""The support portal's XML, both ways: request envelopes out, tickets and cases in.

    envelope(action, fields)  ─▶ <Envelope><Body><{action}>{fields}</{action}></Body></Envelope>
    read_ticket(<Ticket>)     ─▶ (party id, TicketRecord)
    read_case(<Case>)         ─▶ (party id, CaseRecord)

Elements are matched by local name, so a namespaced SOAP envelope reads the same. A
required element or attribute that is absent or empty raises `MissingPart`; a bad value
raises `ValueError` (pydantic's ValidationError is one): the connector turns both into
`BadUpstreamData`. Responses are parsed by defusedxml in the connector, never here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # builds requests and walks parsed trees only
from collections.abc import Sequence
from datetime import date, datetime

from connectors.records import CaseRecord, CaseRequirement, CaseStep, TicketRecord

__all__ = [
    "MissingPart",
    "child",
    "children",
    "envelope",
    "is_sendable",
    "local_name",
    "read_case",
    "read_ticket",
]


class MissingPart(LookupError):
    """A required element or attribute is absent or empty."""


def read_ticket(element: ET.Element) -> tuple[str, TicketRecord]:
    """A ``<Ticket partyId id>`` element as its party id and record."""
    raw_status = _text(element, "Status")
    record = TicketRecord(
        ticket_id=_attr(element, "id"),
        subject=_text(element, "Subject", allow_empty=True),
        status=raw_status.lower(),
        opened_at=_datetime(_text(element, "Opened")),
        updated_at=_datetime(_text(element, "LastUpdate")),
        awaiting_customer=raw_status == "WAITING_ON_CUSTOMER",
    )
    return _attr(element, "partyId"), record


def read_case(element: ET.Element) -> tuple[str, CaseRecord]:
    """A ``<Case partyId id type>`` element as its party id and record."""
    # Empty containers (<Steps/>, <Requirements/>) may also be left out by the portal.
    steps_el = child(element, "Steps")
    steps = [
        CaseStep(
            position=int(_attr(step, "seq")),
            name=_own_text(step),
            state=_attr(step, "state").lower(),
        )
        for step in (children(steps_el, "Step") if steps_el is not None else [])
    ]
    requirements_el = child(element, "Requirements")
    requirements = tuple(
        CaseRequirement(
            kind=_attr(req, "kind").lower(),
            description=_own_text(req),
            due_on=date.fromisoformat(req.attrib["due"]) if req.get("due") else None,
        )
        for req in (children(requirements_el, "Requirement") if requirements_el is not None else [])
    )
    current = child(element, "CurrentStep")
    current_text = (current.text or "").strip() if current is not None else ""
    record = CaseRecord(
        case_id=_attr(element, "id"),
        kind=_attr(element, "type").lower(),
        title=_text(element, "Title", allow_empty=True),
        status=_text(element, "Status").lower(),
        steps=tuple(sorted(steps, key=lambda step: step.position)),
        current_step=int(current_text) if current_text else None,
        requirements=requirements,
    )
    return _attr(element, "partyId"), record


def envelope(action: str, fields: Sequence[tuple[str, str]]) -> bytes:
    """The request document; ElementTree escapes the text (callers check `is_sendable`)."""
    root = ET.Element("Envelope")
    operation = ET.SubElement(ET.SubElement(root, "Body"), action)
    for tag, value in fields:
        ET.SubElement(operation, tag).text = value
    encoded: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return encoded


def is_sendable(value: str) -> bool:
    """False for characters XML 1.0 cannot carry even escaped (control characters,
    surrogates, U+FFFE/U+FFFF)."""
    return all(
        ch in "\t\n\r" or 0x20 <= ord(ch) < 0xD800 or 0xE000 <= ord(ch) < 0xFFFE or ord(ch) > 0xFFFF
        for ch in value
    )


def local_name(tag: str) -> str:
    """Tag name without a ``{namespace}``."""
    return tag.rpartition("}")[2]


def children(parent: ET.Element, name: str) -> list[ET.Element]:
    """The direct children named `name` (any namespace)."""
    return [element for element in parent if local_name(element.tag) == name]


def child(parent: ET.Element, name: str) -> ET.Element | None:
    """The first direct child named `name` (any namespace), or None."""
    return next((element for element in parent if local_name(element.tag) == name), None)


def _own_text(element: ET.Element) -> str:
    return (element.text or "").strip()


def _text(element: ET.Element, name: str, *, allow_empty: bool = False) -> str:
    found = child(element, name)
    if found is None:
        raise MissingPart(name)
    text = _own_text(found)
    if not text and not allow_empty:
        raise MissingPart(name)
    return text


def _attr(element: ET.Element, name: str) -> str:
    value = (element.get(name) or "").strip()
    if not value:
        raise MissingPart(name)
    return value


def _datetime(value: str) -> datetime:
    """An ISO 8601 timestamp with an offset; a naive one is as bad as an unreadable one."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("timestamp without offset")
    return parsed
