"""GraphQL over HTTP: methods, media types, status codes and errors with codes, never a 500."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import Gateway

GQL_RESPONSE = "application/graphql-response+json"


async def test_get_runs_a_query(gateway: Gateway) -> None:
    response = await gateway.client.get(
        "/graphql",
        params={"query": "{ viewer { profile { lastName } } }"},
        headers=gateway.auth(),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["viewer"]["profile"]["lastName"]
    assert len(response.headers["x-trace-id"]) == 32


async def test_get_refuses_a_mutation_with_405(gateway: Gateway) -> None:
    response = await gateway.client.get(
        "/graphql",
        params={"query": 'mutation { openTicket(input: {subject: "a", message: "b"}) { number } }'},
        headers=gateway.auth(),
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        (GQL_RESPONSE, GQL_RESPONSE),
        (f"application/json;q=0.5, {GQL_RESPONSE}", GQL_RESPONSE),
    ],
)
async def test_response_media_type_follows_accept(
    gateway: Gateway, accept: str | None, media_type: str
) -> None:
    headers = gateway.auth()
    if accept is not None:
        headers["Accept"] = accept
    response = await gateway.client.post(
        "/graphql", json={"query": "{ viewer { profile { lastName } } }"}, headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type


async def test_unacceptable_accept_is_406(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/graphql",
        json={"query": "{ viewer { profile { lastName } } }"},
        headers={**gateway.auth(), "Accept": "text/plain"},
    )
    assert response.status_code == 406
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(("accept", "status"), [(GQL_RESPONSE, 400), ("application/json", 200)])
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ viewer { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ viewer { ", "GRAPHQL_PARSE_FAILED"),
        ("{ a: viewer { profile { lastName } } }" * 1, None),
    ],
)
async def test_request_errors_have_codes_and_spec_status(
    gateway: Gateway, accept: str, status: int, query: str, code: str | None
) -> None:
    response = await gateway.client.post(
        "/graphql", json={"query": query}, headers={**gateway.auth(), "Accept": accept}
    )
    body = response.json()
    if code is None:
        assert response.status_code == 200
        assert "data" in body
        return
    assert response.status_code == status
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == code


async def test_too_deep_or_too_many_aliases_is_query_too_complex(gateway: Gateway) -> None:
    aliases = " ".join(f"a{i}: viewer {{ tickets {{ number }} }}" for i in range(40))
    for query in (f"{{ {aliases} }}", "{ viewer { profile { " + "x { " * 20 + "} " * 23):
        response = await gateway.client.post(
            "/graphql", json={"query": query}, headers={**gateway.auth(), "Accept": GQL_RESPONSE}
        )
        assert response.status_code == 400
        assert {e["extensions"]["code"] for e in response.json()["errors"]} & {"QUERY_TOO_COMPLEX"}


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { " + "id " * 2100 + "} }",
        "{ viewer " + "# padding\n" * 5000 + "{ id } }",  # comments count as tokens
    ],
)
async def test_a_document_over_the_token_limit_is_query_too_complex_naming_the_limit(
    gateway: Gateway, query: str
) -> None:
    response = await gateway.client.post(
        "/graphql", json={"query": query}, headers={**gateway.auth(), "Accept": GQL_RESPONSE}
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "maxTokens": 2000}


async def test_an_error_quoting_the_clients_text_keeps_its_own_code(gateway: Gateway) -> None:
    # The code comes from the rule that refused the document, not from its message.
    query = '{ viewer { orders(first: "Document contains more than") { totalCount } } }'
    response = await gateway.client.post(
        "/graphql", json={"query": query}, headers={**gateway.auth(), "Accept": GQL_RESPONSE}
    )
    assert response.status_code == 400
    codes = {e["extensions"]["code"] for e in response.json()["errors"]}
    assert codes == {"GRAPHQL_VALIDATION_FAILED"}


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('["a list"]', "application/json", 400),
        ('{"query": 5}', "application/json", 400),
        (
            '{"query": "{ viewer { tickets { number } } }", "variables": [1]}',
            "application/json",
            400,
        ),
        ("query=x", "application/x-www-form-urlencoded", 415),
        ('{"query": "{ viewer { tickets { number } } }"}', "text/plain", 415),
    ],
)
async def test_bad_http_requests_are_4xx_with_json(
    gateway: Gateway, content: str, content_type: str, status: int
) -> None:
    response = await gateway.client.post(
        "/graphql", content=content, headers={**gateway.auth(), "Content-Type": content_type}
    )
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_oversized_body_is_413(gateway: Gateway) -> None:
    padding = "#" + "x" * 300_000 + "\n"
    response = await gateway.client.post(
        "/graphql",
        content=json.dumps({"query": padding + "{ viewer { tickets { number } } }"}),
        headers={**gateway.auth(), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


async def test_other_methods_and_paths_are_json_4xx(gateway: Gateway) -> None:
    put = await gateway.client.put("/graphql", headers=gateway.auth())
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, POST"
    missing = await gateway.client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_missing_token_is_401_with_challenge(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/graphql", json={"query": "{ viewer { profile { lastName } } }"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="portalgate"'
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "claims",
    [{"exp": 1_000_000}, {"aud": "someone-else"}, {"iss": "https://evil.example"}],
    ids=["expired", "wrong-audience", "wrong-issuer"],
)
async def test_invalid_token_is_401_and_not_echoed(
    gateway: Gateway, claims: dict[str, object]
) -> None:
    token = gateway.token("cust-001", **claims)
    response = await gateway.client.post(
        "/graphql",
        json={"query": "{ viewer { profile { lastName } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert token not in response.text
    assert token.split(".")[1] not in response.text


async def test_unknown_operation_name_is_a_request_error(gateway: Gateway) -> None:
    response = await gateway.client.post(
        "/graphql",
        json={"query": "query A { viewer { tickets { number } } }", "operationName": "B"},
        headers={**gateway.auth(), "Accept": GQL_RESPONSE},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_health_reports_each_connector(gateway: Gateway) -> None:
    healthy = await gateway.client.get("/health")
    assert healthy.status_code == 200
    assert set(healthy.json()["connectors"]) == {"crm", "orders", "billing", "support"}

    await gateway.stack.orders.refuse_connections()
    degraded = await gateway.client.get("/health")

    assert degraded.status_code == 503
    assert degraded.json()["connectors"]["orders"]["status"] == "down"
    assert degraded.json()["connectors"]["crm"]["status"] == "up"
