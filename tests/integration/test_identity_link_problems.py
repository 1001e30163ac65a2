"""Token links that do not fit the registry are an error the client sees, never empty data.

A misspelt link name or an id of an unusable type makes every field that needed a missing
link fail with IDENTITY_LINK_INVALID, while the fields whose links are fine still answer.
(Ids that are JSON numbers are read as text: tests/integration/test_declared_data.py,
whose loyalty portal numbers its members.)
"""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.conftest import open_gateway

QUERY = "{ viewer { profile { lastName } invoices { number } } }"


async def test_a_misspelt_link_is_a_coded_error_not_an_empty_answer(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    customer = stack.customers[0]
    async with open_gateway(stack, tracer_provider) as gateway:
        body = await gateway.query(
            QUERY, links={"crm": customer.crm_id, "biling": customer.billing_account}
        )

    assert body["data"]["viewer"]["profile"] == {"lastName": customer.last_name}
    assert body["data"]["viewer"]["invoices"] is None
    [error] = body["errors"]
    assert error["path"] == ["viewer", "invoices"]
    assert error["extensions"] == {"code": "IDENTITY_LINK_INVALID"}
    assert "`links.biling` names no portal of this gateway" in error["message"]
    assert customer.billing_account not in error["message"]


async def test_an_unusable_id_is_a_coded_error(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    customer = stack.customers[0]
    async with open_gateway(stack, tracer_provider) as gateway:
        body = await gateway.query(
            QUERY, links={"crm": {"id": customer.crm_id}, "billing": customer.billing_account}
        )

    assert body["data"]["viewer"]["profile"] is None
    assert body["data"]["viewer"]["invoices"] is not None
    [error] = body["errors"]
    assert error["path"] == ["viewer", "profile"]
    assert error["extensions"]["code"] == "IDENTITY_LINK_INVALID"
    assert "`links.crm` is not an id (text or an integer)" in error["message"]
    assert customer.crm_id not in error["message"]


async def test_action_items_keep_the_viewer_when_links_do_not_fit(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    customer = stack.customers[0]
    async with open_gateway(stack, tracer_provider) as gateway:
        body = await gateway.query(
            "{ viewer { profile { lastName } actionItems { title } } }",
            links={"crm": customer.crm_id, "biling": customer.billing_account},
        )

    viewer = body["data"]["viewer"]
    assert viewer["profile"] == {"lastName": customer.last_name}
    # One null entry per source whose id is missing (invoices, tickets, cases), each with
    # its error; the viewer and its other fields survive.
    assert viewer["actionItems"] == [None, None, None]
    assert [e["path"] for e in body["errors"]] == [["viewer", "actionItems", i] for i in range(3)]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"IDENTITY_LINK_INVALID"}


async def test_many_bad_links_give_a_short_message(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    bad = {f"portal{i}": "x" for i in range(7)}
    async with open_gateway(stack, tracer_provider) as gateway:
        body = await gateway.query("{ viewer { profile { lastName } } }", links=bad)

    [error] = body["errors"]
    assert error["extensions"]["code"] == "IDENTITY_LINK_INVALID"
    assert error["message"].count("names no portal of this gateway") == 5
    assert error["message"].endswith("; and 2 more.")
