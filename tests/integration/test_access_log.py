"""No code, state, token or cookie value reaches any log line (issue 6, point 18), with the
gateway on its real uvicorn server, logging as `portalgate serve` does:

    browser sign-in (callback ?code=&state=) ─▶ cookie GraphQL ─▶ logout
    bearer requests, a token in a URL, a refused token, a forged callback
    ─▶ every record of every logger, uvicorn.access included, at DEBUG
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from tests.integration.browser_client import QUERY, Browser
from tests.integration.conftest import Gateway, InProcessServer, serve_in_process

# uvicorn's own loggers do not propagate to the root, where caplog listens.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.access")
# The test's own HTTP client logs the URLs it calls; the gateway does not use httpx.
CLIENT_LOGGERS = ("httpx", "httpcore")


@contextmanager
def capture_everything(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in UVICORN_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(caplog.handler)
            logger.setLevel(level)


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record's message, its raw arguments and its exception text, one per line."""
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    lines = [
        f"{record.name} {handler.format(record)} {record.args!r} {record.exc_text or ''}"
        for record in records
        if record.name.partition(".")[0] not in CLIENT_LOGGERS
    ]
    return "\n".join(lines)


async def test_no_code_state_token_or_cookie_reaches_any_log_line(
    stack: DemoStack, tracer_provider: TracerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve_in_process(stack, tracer_provider) as server:
        with capture_everything(caplog):
            secrets = await walk_everything(server, stack)

    logged = everything_logged(caplog.records)
    assert "/auth/callback?code=***&state=***" in logged  # the access log did run
    assert 'POST /graphql HTTP/1.1" 401' in logged
    leaked = sorted(name for name, value in secrets.items() if value in logged)
    assert leaked == []


async def walk_everything(server: InProcessServer, stack: DemoStack) -> dict[str, str]:
    """A sign-in, cookie and bearer requests, logout; returns every secret value seen."""
    async with (
        httpx.AsyncClient(base_url=server.url) as client,
        httpx.AsyncClient(base_url=stack.issuer.url) as issuer,
    ):
        gateway = Gateway(client, stack, {"runtime": server.runtime})
        browser = Browser(gateway, issuer, public=server.url)
        landed = await browser.sign_in()
        assert landed.status_code == 302
        answer = {k: v[0] for k, v in parse_qs(landed.request.url.query.decode()).items()}
        session_id = browser.session_cookie
        login = server.runtime.browser_login
        assert login is not None
        session = await login.current(session_id)
        assert session is not None and session.refresh_token and session.id_token

        as_cookie = browser.headers(**{"X-CSRF-Token": browser.csrf})
        ok = await client.post("/graphql", json=QUERY, headers=as_cookie)
        assert ok.status_code == 200, ok.text

        bearer = gateway.token()
        ok = await client.post("/graphql", json=QUERY, headers=gateway.auth())
        assert ok.status_code == 200, ok.text
        in_url = await client.get(
            "/graphql", params={"query": QUERY["query"], "access_token": bearer}
        )
        assert in_url.status_code == 401  # not a way to authenticate, and not logged
        refused = await client.post(
            "/graphql", json=QUERY, headers={"Authorization": f"Bearer {session.id_token}x"}
        )
        assert refused.status_code == 401
        forged = await client.get(
            "/auth/callback", params={"code": "forged-code-4711", "state": "forged-state-0815"}
        )
        assert forged.status_code < 500

        out = await client.post("/auth/logout", headers=as_cookie)
        assert out.status_code == 200, out.text

    return {
        "code": answer["code"],
        "state": answer["state"],
        "session cookie": session_id,
        "csrf token": browser.csrf,
        "session access token": session.access_token,
        "session refresh token": session.refresh_token,
        "session id token": session.id_token,
        "bearer token": bearer,
        "bearer token payload": bearer.split(".")[1],
        "forged code": "forged-code-4711",
        "forged state": "forged-state-0815",
        "client secret": stack.env["PORTALGATE_CLIENT_SECRET"],
    }
