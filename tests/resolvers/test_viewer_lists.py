"""`actionItems` reads exactly the declared lists that have a to-do rule, over the real portals."""

from __future__ import annotations

from connectors.records import TICKETS
from resolvers.viewer_lists import ViewerList
from schema.build import build_schema
from schema.declarations import ListField
from schema.invoices import INVOICE_LIST
from schema.support import CASE_LIST, TICKET_LIST, Ticket
from tests.schema.conftest import ServeSchema

# The tickets list, declared without a rule: a list, a node type, but no action items.
TICKETS_WITHOUT_RULE = ListField(
    "tickets", Ticket, ViewerList(TICKETS, lambda r: r.tickets, lambda t: t.ticket_id)
)


async def test_a_list_without_a_rule_is_not_an_action_item_source(
    serve_schema: ServeSchema,
) -> None:
    schema = build_schema(lists=(INVOICE_LIST, TICKETS_WITHOUT_RULE, CASE_LIST))
    async with serve_schema(schema) as gateway:
        gateway.reset_counts()
        body = await gateway.query("{ viewer { actionItems { kind } } }")

        assert "errors" not in body, body
        kinds = {i["kind"] for i in body["data"]["viewer"]["actionItems"]}
        assert "PAY_INVOICE" in kinds
        assert "ANSWER_TICKET" not in kinds
        # Only the sources were read: no ticket request at all.
        assert gateway.counts() == {"invoices.by_account": 1, "soap.GetCases": 1}

        tickets = await gateway.query("{ viewer { tickets { number } } }")
        assert tickets["data"]["viewer"]["tickets"]


async def test_action_items_come_only_from_the_lists_given(serve_schema: ServeSchema) -> None:
    async with serve_schema(build_schema(lists=(TICKET_LIST,))) as gateway:
        gateway.reset_counts()
        body = await gateway.query("{ viewer { actionItems { kind source } } }")

        assert "errors" not in body, body
        items = body["data"]["viewer"]["actionItems"]
        assert items
        assert {(i["kind"], i["source"]) for i in items} == {("ANSWER_TICKET", "TICKET")}
        assert gateway.counts() == {"soap.GetTickets": 1}


async def test_a_failing_source_is_one_null_entry_after_the_others(
    serve_schema: ServeSchema,
) -> None:
    async with serve_schema(build_schema(lists=(INVOICE_LIST, TICKET_LIST))) as gateway:
        gateway.stack.billing.knobs.fail_status = 503
        body = await gateway.query("{ viewer { actionItems { kind } } }")

        items = body["data"]["viewer"]["actionItems"]
        assert items[-1] is None
        assert None not in items[:-1]
        assert {i["kind"] for i in items[:-1]} == {"ANSWER_TICKET"}
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "UPSTREAM_UNAVAILABLE", "connector": "billing"}
        ]
