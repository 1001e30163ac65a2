"""A refusal from the token endpoint carries the provider's `error` and
`error_description`: bounded, printable, and never what the gateway sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from demo.data import demo_customers
from demo.issuer import DevIssuer
from sso.client_auth import ClientSecretPost
from sso.token_endpoint import MAX_DESCRIPTION_CHARS, TokenEndpointClient, TokenEndpointError

SECRET = SecretStr("the-client-secret-value")


@pytest.fixture
async def issuer() -> AsyncIterator[DevIssuer]:
    async with DevIssuer(demo_customers(3)) as running:
        yield running


async def test_the_dev_issuers_reason_reaches_the_error(
    issuer: DevIssuer, session: aiohttp.ClientSession
) -> None:
    client = TokenEndpointClient(f"{issuer.url}/token", issuer.client_id, SECRET, session)

    with pytest.raises(TokenEndpointError) as caught:
        await client.client_credentials("support-portal")

    error = caught.value
    assert (error.error, error.status) == ("invalid_client", 401)
    assert error.description == "unknown client or wrong secret"
    assert str(error) == (
        "token endpoint: invalid_client (HTTP 401): unknown client or wrong secret"
    )
    assert SECRET.get_secret_value() not in str(error)


async def test_a_refused_refresh_token_says_why_without_the_token(
    issuer: DevIssuer, session: aiohttp.ClientSession
) -> None:
    client = TokenEndpointClient(
        f"{issuer.url}/token",
        issuer.client_id,
        None,
        session,
        authentication=ClientSecretPost(SecretStr(issuer.client_secret)),
    )
    with pytest.raises(TokenEndpointError) as caught:
        await client.refresh("not-a-refresh-token")
    assert caught.value.error == "invalid_grant"
    assert caught.value.description
    assert "not-a-refresh-token" not in str(caught.value)


@pytest.fixture
async def echoing_provider() -> AsyncIterator[str]:
    """A token endpoint that, like a careless provider, quotes what it got in a long
    description with control characters."""

    async def token(request: web.Request) -> web.Response:
        form = await request.post()
        quoted = " ".join(f"{k}={v}" for k, v in form.items())
        body: dict[str, Any] = {
            "error": "invalid_grant",
            "error_description": f"bad\r\nrequest\x1b[31m {quoted} " + "x" * 1000,
        }
        return web.json_response(body, status=400)

    app = web.Application()
    app.router.add_post("/token", token)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    try:
        yield str(server.make_url("/token"))
    finally:
        await server.close()


async def test_a_description_is_bounded_printable_and_blanks_what_was_sent(
    echoing_provider: str, session: aiohttp.ClientSession
) -> None:
    client = TokenEndpointClient(
        echoing_provider,
        "portalgate",
        None,
        session,
        authentication=ClientSecretPost(SECRET),
    )
    with pytest.raises(TokenEndpointError) as caught:
        await client.refresh("the-users-refresh-token")

    description = caught.value.description
    assert description is not None
    assert description.startswith("bad  request")
    assert len(description) <= MAX_DESCRIPTION_CHARS
    assert description.isprintable()
    assert "the-users-refresh-token" not in str(caught.value)
    assert SECRET.get_secret_value() not in str(caught.value)
    assert "refresh_token=[redacted]" in description
