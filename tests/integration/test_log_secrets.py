"""No code, state, token, cookie, password or query string of `/auth/*` reaches any log
line (issue 6, point 18; issue 9), with the gateway on its real uvicorn server and every
record of every logger written as `portalgate serve` writes it (JSON, here at DEBUG):

    browser sign-in through the development issuer (callback ?code=&state=)
      ─▶ cookie GraphQL (the dashboard) ─▶ bearer requests, a token in a URL,
      a refused token, a forged callback ─▶ logout
    ─▶ every value seen on the way is searched for in every line
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
from opentelemetry.sdk.trace import TracerProvider

from demo.stack import DemoStack
from gateway.logs import PortalgateJsonFormatter
from tests.integration.browser_client import QUERY as PROFILE
from tests.integration.browser_client import Browser
from tests.integration.conftest import Gateway, InProcessServer, serve_in_process
from tests.integration.test_partial_failures import DASHBOARD

# Left as uvicorn or an earlier test configured them, these might not reach the root.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.asgi", "uvicorn.access")
# The test's own HTTP client logs the URLs it calls; the gateway does not use httpx.
CLIENT_LOGGERS = ("httpx", "httpcore")
PASSWORD = "demo"  # the development issuer's one password


@contextmanager
def json_lines() -> Iterator[io.StringIO]:
    """Every record of the process as the gateway's JSON lines, at DEBUG, into a buffer;
    uvicorn's loggers propagate to the root as `configure_logging` leaves them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PortalgateJsonFormatter())
    handler.addFilter(lambda record: record.name.partition(".")[0] not in CLIENT_LOGGERS)
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in UVICORN_LOGGERS]
    saved = [(logger.handlers[:], logger.propagate, logger.level) for logger in loggers]
    root_level = root.level
    for logger in loggers:
        logger.handlers[:] = []
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(root_level)
        for logger, (handlers, propagate, level) in zip(loggers, saved, strict=True):
            logger.handlers[:] = handlers
            logger.propagate = propagate
            logger.setLevel(level)


async def test_no_code_state_token_cookie_password_or_auth_query_reaches_any_log_line(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    with json_lines() as stream:
        async with serve_in_process(stack, tracer_provider) as server:
            secrets = await walk_everything(server, stack)
    written = stream.getvalue()
    lines = [json.loads(line) for line in written.splitlines()]

    access = [
        (line["method"], line["route"], line["status"])
        for line in lines
        if line["logger"] == "portalgate.access"
    ]
    assert ("GET", "/auth/callback", 302) in access  # the access line did run
    assert ("POST", "/graphql", 401) in access
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    assert any(line["level"] == "DEBUG" for line in lines)
    leaked = sorted(name for name, value in secrets.items() if value in written)
    assert leaked == []


async def walk_everything(server: InProcessServer, stack: DemoStack) -> dict[str, str]:
    """A sign-in, cookie and bearer requests, logout; returns every secret value seen."""
    auth_queries: list[str] = []  # every query string of /auth/* the browser sent or was sent to

    async def note_auth_query(request: httpx.Request) -> None:
        if request.url.path.startswith("/auth/") and request.url.query:
            auth_queries.append(request.url.query.decode())

    async def note_redirect(response: httpx.Response) -> None:
        location = response.headers.get("location")
        if location and urlsplit(location).query:
            auth_queries.append(urlsplit(location).query)  # to the issuer and back: state, nonce

    async with (
        httpx.AsyncClient(
            base_url=server.url,
            event_hooks={"request": [note_auth_query], "response": [note_redirect]},
        ) as client,
        httpx.AsyncClient(
            base_url=stack.issuer.url, event_hooks={"response": [note_redirect]}
        ) as issuer,
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
        ok = await client.post("/graphql", json={"query": DASHBOARD}, headers=as_cookie)
        assert ok.status_code == 200 and "errors" not in ok.json(), ok.text

        bearer = gateway.token()
        ok = await client.post("/graphql", json=PROFILE, headers=gateway.auth())
        assert ok.status_code == 200, ok.text
        in_url = await client.get(
            "/graphql", params={"query": PROFILE["query"], "access_token": bearer}
        )
        assert in_url.status_code == 401  # not a way to authenticate, and not logged
        refused = await client.post(
            "/graphql", json=PROFILE, headers={"Authorization": f"Bearer {session.id_token}x"}
        )
        assert refused.status_code == 401
        forged = await client.get(
            "/auth/callback", params={"code": "forged-code-4711", "state": "forged-state-0815"}
        )
        assert forged.status_code < 500

        out = await client.post("/auth/logout", headers=as_cookie)
        assert out.status_code == 200, out.text

    redirects = {
        f"{name} in a redirect": value
        for query in auth_queries
        for name, values in parse_qs(query).items()
        if name in ("state", "nonce", "code_challenge", "code", "id_token_hint")
        for value in values
    }
    assert {"state in a redirect", "nonce in a redirect", "code in a redirect"} <= redirects.keys()
    return {
        **{f"query string {n}": query for n, query in enumerate(auth_queries)},
        **redirects,
        "password (form field)": f"password={PASSWORD}",
        "password (JSON value)": json.dumps(PASSWORD),
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
