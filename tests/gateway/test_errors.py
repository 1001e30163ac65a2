"""Error rendering: typed errors keep their code and message, anything else is masked."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError

from connectors.errors import ConnectorTimeout
from gateway.errors import MaskUnexpectedErrors
from resolvers.errors import Forbidden


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("db password=hunter2 at /srv/app.py line 3")

    @strawberry.field
    def slow(self) -> str | None:
        raise ConnectorTimeout("billing")

    @strawberry.field
    def denied(self) -> str | None:
        raise Forbidden("Only admins.")

    @strawberry.field
    def fine(self) -> str:
        return "ok"

    @strawberry.field
    def echo(self, n: int) -> int:
        return n

    @strawberry.field
    def leaky(self) -> str | None:
        raise GraphQLError("upstream said: token=abc123")


SCHEMA = strawberry.Schema(query=Query, extensions=[MaskUnexpectedErrors])


async def test_an_unexpected_exception_is_masked_with_a_stable_code() -> None:
    result = await SCHEMA.execute("{ broken fine }")

    assert result.data == {"broken": None, "fine": "ok"}
    (error,) = result.errors or []
    assert error.formatted["message"] == "Unexpected error."
    assert error.formatted["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in str(error.formatted)


async def test_typed_errors_keep_their_public_message_and_code() -> None:
    result = await SCHEMA.execute("{ slow denied fine }")

    formatted = {e.formatted["path"][0]: e.formatted for e in result.errors or []}
    assert formatted["slow"]["message"] == "billing did not answer in time"
    assert formatted["slow"]["extensions"] == {"code": "UPSTREAM_TIMEOUT", "connector": "billing"}
    assert formatted["denied"]["extensions"] == {"code": "FORBIDDEN"}
    assert result.data == {"slow": None, "denied": None, "fine": "ok"}


async def test_variable_errors_are_public_but_a_resolvers_graphql_error_is_masked() -> None:
    # graphql-core wraps its coercion error in another GraphQLError (original_error set,
    # no path); it describes the client's own input, so it must not become INTERNAL.
    refused = await SCHEMA.execute("query ($n: Int!) { echo(n: $n) }", variable_values={"n": "x"})
    raised = await SCHEMA.execute("{ leaky fine }")

    (coercion,) = refused.errors or []
    assert coercion.formatted["message"].startswith("Variable '$n' has invalid value")
    assert "Int" in coercion.formatted["message"]
    (leak,) = raised.errors or []
    assert leak.formatted["message"] == "Unexpected error."
    assert "abc123" not in str(leak.formatted)
