"""A viewer list declared once, in this module, is served end to end over HTTP.

`SupportRequest` is a view this product does not have, over the real `tickets`
capability of the real support portal: from its one `ListField` the gateway serves
`viewer.supportRequests`, `node(id:)` for one request, and its action items.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from connectors.records import TICKETS, TicketRecord
from resolvers.actions import tickets_awaiting_reply
from resolvers.viewer_lists import ViewerList
from schema.build import build_schema
from schema.common import Node
from schema.declarations import ListField
from schema.ids import decode_global_id, encode_global_id
from schema.invoices import INVOICE_LIST
from schema.support import CASE_LIST
from tests.schema.conftest import ServeSchema


@strawberry.type(description="A question the customer asked customer service.")
class SupportRequest(Node):
    record: strawberry.Private[TicketRecord]

    @classmethod
    def of(cls, record: TicketRecord) -> SupportRequest:
        return cls(
            id=strawberry.ID(encode_global_id("SupportRequest", record.ticket_id)), record=record
        )

    @strawberry.field
    def subject(self) -> str:
        return self.record.subject

    @strawberry.field
    def opened_at(self) -> datetime:
        return self.record.opened_at


SUPPORT_REQUESTS = ListField(
    "support_requests",
    SupportRequest,
    ViewerList(TICKETS, lambda r: r.tickets, lambda t: t.ticket_id, to_do=tickets_awaiting_reply),
)
LISTS = (INVOICE_LIST, SUPPORT_REQUESTS, CASE_LIST)


async def test_the_list_is_a_viewer_field_read_from_its_capability(
    serve_schema: ServeSchema,
) -> None:
    async with serve_schema(build_schema(lists=LISTS)) as gateway:
        gateway.reset_counts()
        body = await gateway.query("{ viewer { supportRequests { id subject openedAt } } }")

        assert "errors" not in body, body
        requests = body["data"]["viewer"]["supportRequests"]
        assert requests
        assert {decode_global_id(r["id"])[0] for r in requests} == {"SupportRequest"}
        assert gateway.counts() == {"soap.GetTickets": 1}


async def test_node_serves_the_declared_type_only_among_the_viewers_own(
    serve_schema: ServeSchema,
) -> None:
    async with serve_schema(build_schema(lists=LISTS)) as gateway:
        mine = await gateway.query("{ viewer { supportRequests { id subject } } }")
        first = mine["data"]["viewer"]["supportRequests"][0]
        node = "query($id: ID!) { node(id: $id) { id ... on SupportRequest { subject } } }"

        found = await gateway.query(node, variables={"id": first["id"]})
        theirs = await gateway.query(node, "cust-004", variables={"id": first["id"]})

        assert found["data"]["node"] == first
        assert theirs["data"]["node"] is None
        assert theirs["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_its_action_items_point_at_the_declared_type(serve_schema: ServeSchema) -> None:
    async with serve_schema(build_schema(lists=LISTS)) as gateway:
        gateway.reset_counts()
        body = await gateway.query(
            "{ viewer { supportRequests { id } actionItems { kind source sourceId } } }"
        )

        assert "errors" not in body, body
        answers = [i for i in body["data"]["viewer"]["actionItems"] if i["kind"] == "ANSWER_TICKET"]
        assert answers
        ids = {r["id"] for r in body["data"]["viewer"]["supportRequests"]}
        assert {a["sourceId"] for a in answers} <= ids
        assert {a["source"] for a in answers} == {"TICKET"}
        # The list and its action items share one load.
        assert gateway.counts()["soap.GetTickets"] == 1
