"""The backend-for-frontend login, walked over HTTP against the development issuer:

login ▶ issuer login form ▶ callback ▶ cookie ▶ query ▶ refresh ▶ logout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import PUBLIC, QUERY, UI, Browser
from tests.integration.conftest import Gateway, open_gateway


async def _browser(gateway: Gateway, stack: DemoStack) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(base_url=stack.issuer.url) as issuer:
        yield Browser(gateway, issuer)


@pytest.fixture
async def browser(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[Browser]:
    async with open_gateway(
        stack,
        tracer_provider,
        public_url=PUBLIC,
        ui_origins=(UI,),
        post_logout_url=f"{PUBLIC}/auth/session",
    ) as gateway:
        async for b in _browser(gateway, stack):
            yield b


async def test_login_sets_a_secure_httponly_cookie_and_no_token_reaches_the_browser(
    browser: Browser,
) -> None:
    landed = await browser.sign_in()

    assert landed.status_code == 302
    assert landed.headers["location"] == "/auth/session"
    name = browser.gateway.runtime.settings.cookie_name
    (set_cookie,) = [
        h.lower() for h in landed.headers.get_list("set-cookie") if h.startswith(f"{name}=")
    ]
    for attribute in ("httponly", "secure", "samesite=lax", "path=/"):
        assert attribute in set_cookie
    assert "eyj" not in set_cookie  # no JWT in the cookie
    session = await browser.gateway.client.get("/auth/session", headers=browser.headers())
    body = session.json()
    assert body["authenticated"] is True
    assert body["subject"] == "cust-001"
    assert "eyJ" not in session.text
    assert session.headers["cache-control"] == "no-store"


async def test_cookie_queries_work_and_posts_need_the_csrf_token(browser: Browser) -> None:
    await browser.sign_in()
    client = browser.gateway.client

    ok = await client.post(
        "/graphql", json=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
    )
    no_csrf = await client.post("/graphql", json=QUERY, headers=browser.headers())
    wrong_origin = await client.post(
        "/graphql",
        json=QUERY,
        headers=browser.headers(**{"X-CSRF-Token": browser.csrf, "Origin": "https://evil.example"}),
    )
    ui_origin = await client.post(
        "/graphql",
        json=QUERY,
        headers=browser.headers(**{"X-CSRF-Token": browser.csrf, "Origin": UI}),
    )
    get = await client.get(
        "/graphql", params=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
    )

    customer = browser.gateway.stack.customers[0]
    assert ok.json()["data"]["viewer"]["profile"]["lastName"] == customer.last_name
    assert no_csrf.status_code == 403
    assert no_csrf.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert wrong_origin.status_code == 403
    assert ui_origin.status_code == 200
    assert get.status_code == 200


async def test_a_wrong_password_or_replayed_callback_creates_no_session(browser: Browser) -> None:
    refused = await browser.sign_in(password="wrong")
    assert refused.status_code == 200
    assert 'id="error"' in refused.text

    start = await browser.gateway.client.get("/auth/login")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    forged = await browser.gateway.client.get(f"/auth/callback?code=made-up&state={state}")
    replayed = await browser.gateway.client.get(f"/auth/callback?code=made-up&state={state}")
    assert forged.status_code == 400
    assert replayed.status_code == 400
    assert "set-cookie" not in forged.headers
    assert replayed.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_login_refuses_an_open_redirect(browser: Browser) -> None:
    for target in ("https://evil.example/", "//evil.example/x"):
        response = await browser.gateway.client.get("/auth/login", params={"return_to": target})
        assert response.status_code == 400
    allowed = await browser.gateway.client.get("/auth/login", params={"return_to": f"{UI}/home"})
    assert allowed.status_code == 302


async def test_tokens_are_refreshed_before_they_expire(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    # A margin longer than the token's life makes every request refresh it.
    async with open_gateway(
        stack, tracer_provider, public_url=PUBLIC, session_refresh_margin_s=10_000
    ) as gateway:
        async for browser in _browser(gateway, stack):
            await browser.sign_in()
            before = stack.issuer.requests["token"]
            for _ in range(3):
                response = await gateway.client.get(
                    "/graphql",
                    params=QUERY,
                    headers=browser.headers(**{"X-CSRF-Token": browser.csrf}),
                )
                assert response.json()["data"]["viewer"]["profile"]["lastName"]
            assert stack.issuer.requests["token"] - before >= 3  # one refresh grant each


async def test_no_refresh_while_the_token_is_fresh(browser: Browser) -> None:
    await browser.sign_in()
    before = browser.gateway.stack.issuer.requests["token"]
    for _ in range(3):
        answer = await browser.gateway.client.get(
            "/graphql", params=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
        )
        assert answer.status_code == 200
    assert browser.gateway.stack.issuer.requests["token"] == before


async def test_logout_ends_the_session_here_and_at_the_issuer(browser: Browser) -> None:
    await browser.sign_in()
    client = browser.gateway.client

    no_csrf = await client.post("/auth/logout", headers=browser.headers())
    assert no_csrf.status_code == 403
    out = await client.post(
        "/auth/logout", headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
    )
    assert out.status_code == 200
    assert (
        "max-age=0" in out.headers["set-cookie"].lower()
        or "expires=" in out.headers["set-cookie"].lower()
    )
    end_session = out.json()["endSessionUrl"]
    assert end_session.startswith(browser.gateway.stack.issuer.url)

    at_issuer = await browser.issuer.get(end_session)
    assert at_issuer.status_code == 302
    assert at_issuer.headers["location"].startswith(f"{PUBLIC}/auth/session")

    after = await client.get("/auth/session", headers=browser.headers())
    query = await client.get("/graphql", params=QUERY, headers=browser.headers())
    assert after.status_code == 401
    assert query.status_code == 401
    # The issuer's own session is gone too: the next login shows the form again.
    start = await client.get("/auth/login")
    again = await browser.issuer.get(start.headers["location"])
    assert again.status_code == 200
    assert 'id="login"' in again.text


async def test_bearer_tokens_keep_working_beside_sessions(browser: Browser) -> None:
    response = await browser.gateway.client.post(
        "/graphql", json=QUERY, headers=browser.gateway.auth()
    )
    assert response.status_code == 200


async def test_cookie_gets_need_the_csrf_token_too(browser: Browser) -> None:
    # A cross-site page can make the browser send the cookie on a GET (an <img>, a link,
    # a timed fetch) as easily as on a POST; only our UI can add the header.
    await browser.sign_in()
    client = browser.gateway.client

    no_csrf = await client.get("/graphql", params=QUERY, headers=browser.headers())
    wrong_csrf = await client.get(
        "/graphql", params=QUERY, headers=browser.headers(**{"X-CSRF-Token": "guessed"})
    )
    wrong_origin = await client.get(
        "/graphql",
        params=QUERY,
        headers=browser.headers(**{"X-CSRF-Token": browser.csrf, "Origin": "https://evil.example"}),
    )
    ours = await client.get(
        "/graphql", params=QUERY, headers=browser.headers(**{"X-CSRF-Token": browser.csrf})
    )

    for refused in (no_csrf, wrong_csrf, wrong_origin):
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "data" not in refused.json()
    assert ours.status_code == 200
    assert ours.json()["data"]["viewer"]["profile"]["lastName"]
