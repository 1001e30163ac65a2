"""The schema is derived from the declarations: one new declaration, every list follows."""

from __future__ import annotations

from datetime import date

import pytest
import strawberry

from connectors.records import Capability, Record
from resolvers.viewer_lists import ViewerList
from schema.build import NODE_TYPES, VIEWER_LISTS, build_schema, node_types
from schema.common import Node
from schema.declarations import ListField
from schema.ids import encode_global_id
from schema.profile import PROFILE_NODE
from schema.support import TICKET_LIST

# A capability the product does not have, declared here the way a domain module would:
# its record and catalogue entry, its schema type and its viewer list. Nothing else.


class DocumentRecord(Record):
    document_id: str
    title: str
    received_on: date


class DocumentListRecord(Record):
    documents: tuple[DocumentRecord, ...]


DOCUMENTS = Capability("documents", DocumentListRecord, description="the customer's documents")


@strawberry.type(description="A document the customer was sent.")
class Document(Node):
    record: strawberry.Private[DocumentRecord]

    @classmethod
    def of(cls, record: DocumentRecord) -> Document:
        global_id = encode_global_id("Document", record.document_id)
        return cls(id=strawberry.ID(global_id), record=record)

    @strawberry.field
    def title(self) -> str:
        return self.record.title


DOCUMENT_LIST = ListField(
    "documents",
    Document,
    ViewerList(DOCUMENTS, lambda r: r.documents, lambda d: d.document_id),
)


def _type_block(sdl: str, name: str) -> str:
    start = sdl.index(f"type {name} ")
    return sdl[start : sdl.index("\n}", start)]


def test_node_types_are_derived_from_the_declarations() -> None:
    assert set(node_types(VIEWER_LISTS, NODE_TYPES)) == {
        "Profile",
        "Order",
        "Invoice",
        "Ticket",
        "Case",
    }


def test_a_capability_declared_in_one_module_joins_the_viewer_and_node_types() -> None:
    sdl = build_schema(lists=(*VIEWER_LISTS, DOCUMENT_LIST)).as_str()

    assert "documents: [Document!]" in _type_block(sdl, "Viewer")
    assert "type Document implements Node {" in sdl
    assert "Document" in node_types((*VIEWER_LISTS, DOCUMENT_LIST), NODE_TYPES)
    # It has no to-do rule, so it is not an action-item source: the cost stays one per source.
    assert 'actionItems: [ActionItem]! @cost(weight: "3")' in sdl


def test_declaring_a_list_registers_nothing_globally() -> None:
    sdl = build_schema().as_str()

    assert "documents" not in _type_block(sdl, "Viewer")
    assert "type Document " not in sdl


def test_action_items_cost_one_per_source() -> None:
    sdl = build_schema(lists=(TICKET_LIST,)).as_str()

    viewer = _type_block(sdl, "Viewer")
    assert 'actionItems: [ActionItem]! @cost(weight: "1")' in viewer
    assert "invoices" not in viewer
    assert "cases" not in viewer


def test_a_node_type_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'Profile' is declared twice"):
        node_types(VIEWER_LISTS, (*NODE_TYPES, PROFILE_NODE))
