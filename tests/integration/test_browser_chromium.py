"""The login flow walked in a real headless Chromium (Debian's `chromium`), end to end:
gateway /auth/login ▶ issuer's login page ▶ callback ▶ cookie ▶ GraphQL ▶ logout.

Required in CI; skipped with a reason where no browser is installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
from collections.abc import AsyncIterator

import pytest
import uvicorn
from opentelemetry.sdk.trace import TracerProvider
from playwright.async_api import async_playwright

from config.settings import Settings
from demo.stack import DemoStack
from gateway.app import create_app
from gateway.cli import GatewayServer
from tests.integration.conftest import EXAMPLE_REGISTRY

SESSION_COOKIE = Settings.model_fields["cookie_name"].default
LOGIN_COOKIE = Settings.model_fields["login_cookie_name"].default
BROWSER_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# What a UI's JavaScript does: same-origin fetches with the cookie and the CSRF token.
POST_GRAPHQL = """async ([query, csrf]) => {
    const headers = {"Content-Type": "application/json"};
    if (csrf) headers["X-CSRF-Token"] = csrf;
    const init = {method: "POST", body: query, headers, credentials: "include"};
    const r = await fetch("/graphql", init);
    return [r.status, await r.json()];
}"""
GET_GRAPHQL = """async ([query, csrf]) => {
    const headers = csrf ? {"X-CSRF-Token": csrf} : {};
    const url = "/graphql?query=" + encodeURIComponent(query);
    const r = await fetch(url, {headers, credentials: "include"});
    return [r.status, await r.json()];
}"""
POST_LOGOUT = """async (csrf) => {
    const init = {method: "POST", headers: {"X-CSRF-Token": csrf}};
    return await (await fetch("/auth/logout", init)).json();
}"""


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (Debian package `chromium`); see .ci/run")
        pytest.skip("no Chromium installed (apt-get install chromium) to walk the login flow")
    return path


class _Server(GatewayServer):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config, banner=None)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@pytest.fixture
async def served_gateway(stack: DemoStack, tracer_provider: TracerProvider) -> AsyncIterator[str]:
    """The gateway on a real socket (the browser needs one); yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        registry_path=EXAMPLE_REGISTRY,
        issuer=stack.issuer.url,
        client_id=stack.env["PORTALGATE_CLIENT_ID"],
        client_secret=stack.env["PORTALGATE_CLIENT_SECRET"],
        public_url=base,
        post_logout_url=f"{base}/auth/session",
    )
    app = create_app(settings, tracer_provider=tracer_provider, environ=stack.env)
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(15):
            await server.ready.wait()
        yield base
    finally:
        server.should_exit = True
        await serving
        sock.close()


async def test_a_customer_signs_in_queries_and_signs_out_in_chromium(served_gateway: str) -> None:
    executable = _chromium()
    base = served_gateway
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=BROWSER_FLAGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{base}/auth/login?return_to=/auth/session")
            await page.fill("#username", "cust-001")
            await page.fill("#password", "demo")
            await page.click("#login")
            await page.wait_for_url(f"{base}/auth/session")
            session = json.loads(await page.inner_text("body"))
            assert session["authenticated"] is True
            assert session["subject"] == "cust-001"

            cookies = {c["name"]: c for c in await page.context.cookies(base)}
            # The prefixed default name: Chromium stores it only as Secure, host-only, Path=/.
            cookie = cookies[SESSION_COOKIE]
            assert cookie["httpOnly"] is True
            assert cookie["secure"] is True
            assert cookie["sameSite"] == "Lax"
            assert cookie["path"] == "/"
            assert SESSION_COOKIE not in await page.evaluate("document.cookie")
            assert LOGIN_COOKIE not in cookies  # the pre-login cookie ends at the callback

            query = json.dumps(
                {"query": "{ viewer { profile { lastName } actionItems { kind } } }"}
            )
            fetch = POST_GRAPHQL
            status, body = await page.evaluate(fetch, [query, session["csrfToken"]])
            assert status == 200
            assert body["data"]["viewer"]["profile"]["lastName"]
            refused, _ = await page.evaluate(fetch, [query, None])
            assert refused == 403
            read = "{ viewer { profile { lastName } } }"
            status, body = await page.evaluate(GET_GRAPHQL, [read, session["csrfToken"]])
            assert status == 200
            assert body["data"]["viewer"]["profile"]["lastName"]
            refused, _ = await page.evaluate(GET_GRAPHQL, [read, None])
            assert refused == 403

            logout = await page.evaluate(POST_LOGOUT, session["csrfToken"])
            await page.goto(logout["endSessionUrl"])
            await page.wait_for_url(f"{base}/auth/session*")
            assert json.loads(await page.inner_text("body")) == {"authenticated": False}
            status, _ = await page.evaluate(fetch, [query, session["csrfToken"]])
            assert status == 401
        finally:
            await browser.close()
