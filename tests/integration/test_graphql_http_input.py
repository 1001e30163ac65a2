"""GraphQL over HTTP with bad input: deep JSON, variables that do not fit, ambiguous or
unserved operations, and GETs with a body type. Each is a request error with a code,
never a 500, never an executed operation, and never an ERROR log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import Gateway

GQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
TICKETS = "{ viewer { tickets { number } } }"
OPEN_TICKET = "mutation Open($i: OpenTicketInput!) { openTicket(input: $i) { number } }"


@pytest.fixture
def errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Fails the test if anything was logged at ERROR while it ran (a client's mistake)."""
    caplog.set_level(logging.INFO)
    records: list[logging.LogRecord] = []
    yield records
    records.extend(r for r in caplog.get_records("call") if r.levelno >= logging.ERROR)
    assert not records, [r.getMessage() for r in records]


def _request_error(body: dict[str, Any], code: str) -> None:
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code] * len(body["errors"])
    assert "Traceback" not in str(body)


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("token", [True, False], ids=["with-token", "no-token"])
@pytest.mark.parametrize(
    "body",
    [
        f'{{"query": "{TICKETS}", "variables": {{"a": {_nested(1000)}}}}}',
        f'{{"query": "{TICKETS}", "extensions": {{"a": {_nested(1000)}}}}}',
        _nested(1000),
        f'{{"query": "{TICKETS}", "variables": {{"a": {_nested(40)}}}}}',
    ],
    ids=["variables-1000", "extensions-1000", "body-1000", "variables-40"],
)
async def test_deeply_nested_json_body_is_400(
    gateway: Gateway, errors_logged: list[logging.LogRecord], body: str, token: bool
) -> None:
    headers = {"Content-Type": JSON, "Accept": GQL_RESPONSE}
    if token:
        headers.update(gateway.auth())
    response = await gateway.client.post("/graphql", content=body, headers=headers)

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GQL_RESPONSE)
    _request_error(response.json(), "BAD_USER_INPUT")
    assert "nests JSON more than" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("param", ["variables", "extensions"])
@pytest.mark.parametrize("levels", [1000, 40])
async def test_deeply_nested_get_params_are_400(
    gateway: Gateway, errors_logged: list[logging.LogRecord], param: str, levels: int
) -> None:
    response = await gateway.client.get(
        "/graphql",
        params={"query": TICKETS, param: f'{{"a": {_nested(levels)}}}'},
        headers=gateway.auth(),
    )

    assert response.status_code == 400
    _request_error(response.json(), "BAD_USER_INPUT")


VARIABLE_ERRORS = [
    pytest.param({"i": 5}, "to be an object", id="wrong-type"),
    pytest.param({}, "non-null type", id="missing-required"),
    pytest.param({"i": {"subject": "a", "message": "b", "zzz": 1}}, "'zzz'", id="unknown-field"),
    pytest.param({"i": {"subject": 7, "message": "b"}}, "String", id="wrong-field-type"),
]


@pytest.mark.parametrize(("variables", "says"), VARIABLE_ERRORS)
async def test_variables_that_do_not_fit_are_a_request_error(
    gateway: Gateway,
    errors_logged: list[logging.LogRecord],
    variables: dict[str, Any],
    says: str,
) -> None:
    gateway.reset_counts()
    response = await gateway.client.post(
        "/graphql",
        json={"query": OPEN_TICKET, "variables": variables},
        headers={**gateway.auth(), "Accept": GQL_RESPONSE},
    )

    assert response.status_code == 400
    assert response.headers["content-type"].startswith(GQL_RESPONSE)
    _request_error(response.json(), "BAD_USER_INPUT")
    assert says in response.json()["errors"][0]["message"]
    assert sum(gateway.counts().values()) == 0  # nothing reached a portal


@pytest.mark.parametrize(("variables", "says"), VARIABLE_ERRORS[:1])
async def test_variables_that_do_not_fit_are_200_without_data_for_legacy_json(
    gateway: Gateway,
    errors_logged: list[logging.LogRecord],
    variables: dict[str, Any],
    says: str,
) -> None:
    response = await gateway.client.post(
        "/graphql",
        json={"query": OPEN_TICKET, "variables": variables},
        headers={**gateway.auth(), "Accept": JSON},
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JSON)
    _request_error(response.json(), "BAD_USER_INPUT")


@pytest.mark.parametrize(("accept", "status"), [(GQL_RESPONSE, 400), (JSON, 200)])
async def test_two_operations_without_operation_name_run_neither(
    gateway: Gateway, errors_logged: list[logging.LogRecord], accept: str, status: int
) -> None:
    document = (
        'mutation Open { openTicket(input: {subject: "s", message: "m"}) { number } } '
        f"query Read {TICKETS}"
    )
    gateway.reset_counts()
    response = await gateway.client.post(
        "/graphql", json={"query": document}, headers={**gateway.auth(), "Accept": accept}
    )

    assert response.status_code == status
    _request_error(response.json(), "GRAPHQL_VALIDATION_FAILED")
    assert "operationName" in response.json()["errors"][0]["message"]
    assert sum(gateway.counts().values()) == 0  # no ticket was opened

    named = await gateway.client.post(
        "/graphql",
        json={"query": document, "operationName": "Read"},
        headers={**gateway.auth(), "Accept": accept},
    )
    assert named.status_code == 200
    assert named.json()["data"]["viewer"]["tickets"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("accept", "status"), [(GQL_RESPONSE, 400), (JSON, 200)])
async def test_a_subscription_is_refused_as_not_served_here(
    gateway: Gateway,
    errors_logged: list[logging.LogRecord],
    method: str,
    accept: str,
    status: int,
) -> None:
    query = "subscription { ticketUpdates { number } }"
    headers = {**gateway.auth(), "Accept": accept}
    if method == "GET":
        response = await gateway.client.get("/graphql", params={"query": query}, headers=headers)
    else:
        response = await gateway.client.post("/graphql", json={"query": query}, headers=headers)

    assert response.status_code == status
    _request_error(response.json(), "BAD_USER_INPUT")
    message = response.json()["errors"][0]["message"]
    assert "Subscriptions are not served" in message
    assert "Mutations" not in message


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
@pytest.mark.parametrize("token", [True, False], ids=["with-token", "no-token"])
async def test_a_get_with_a_non_json_content_type_is_415_before_auth(
    gateway: Gateway, content_type: str, token: bool
) -> None:
    headers = {"Content-Type": content_type, **(gateway.auth() if token else {})}
    response = await gateway.client.get("/graphql", params={"query": TICKETS}, headers=headers)

    assert response.status_code == 415
    _request_error(response.json(), "BAD_USER_INPUT")
    if token:  # the same GET with JSON, or no Content-Type at all, runs
        for extra in ({}, {"Content-Type": "application/json; charset=utf-8"}):
            ran = await gateway.client.get(
                "/graphql", params={"query": TICKETS}, headers={**gateway.auth(), **extra}
            )
            assert ran.status_code == 200
            assert ran.json()["data"]["viewer"]["tickets"]
