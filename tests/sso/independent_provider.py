"""Running panva's certified `oidc-provider` (npm) from `tests/sso/oidc_provider/server.mjs`
on 127.0.0.1, and walking its authorization code flow.

    npm ci (only when node_modules is missing) ─▶ node server.mjs ─▶ "LISTENING <issuer>"
    GET /auth?...  ─▶ /interaction/<uid> (signs in at once) ─▶ ... ─▶ REDIRECT_URI?code=
    POST /token grant_type=authorization_code ─▶ {access_token (at+jwt), id_token}

Used by tests/sso/test_independent_provider.py and tests/integration/test_id_tokens.py.
Without Node.js the tests skip, except in CI (`CI` set), where they fail.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urljoin, urlsplit

import aiohttp
import pytest

from sso.basic_auth import client_authorization

PROVIDER_DIR = Path(__file__).parent / "oidc_provider"
RESOURCE = "urn:portalgate"  # the gateway's audience; server.mjs's default resource
OTHER_RESOURCE = "urn:other-api"
CLIENT_ID = "portalgate-tests"
START_TIMEOUT_S = 20.0
NPM_CI_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class OidcProvider:
    """A running oidc-provider: its issuer URL and the confidential client it knows."""

    issuer: str
    client_secret: str
    access_token_alg: str
    client_id: str = CLIENT_ID


def node_tools() -> tuple[str, str]:
    """Paths of `node` and `npm`; fails in CI and skips elsewhere when either is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        reason = "Node.js (node and npm) is needed to run the oidc-provider from npm"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install Node.js 20 or newer")
        pytest.skip(reason)
    return node, npm


def install_provider(npm: str) -> None:
    """`npm ci` from the committed lock file, once: CI starts without node_modules."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").is_file():
        return
    done = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [npm, "ci", "--prefix", str(PROVIDER_DIR), "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        timeout=NPM_CI_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci in {PROVIDER_DIR} failed:\n{done.stdout}\n{done.stderr}")


@contextmanager
def run_provider(
    node: str,
    *,
    secret: str,
    alg: str = "RS256",
    port: int = 0,
    jwks: str | None = None,
    client_id: str = CLIENT_ID,
    gateway_url: str | None = None,
    options: Mapping[str, str] | None = None,
    jwt_client_jwks: str | None = None,
) -> Iterator[OidcProvider]:
    """Start server.mjs, wait for its LISTENING line, and stop it on exit.

    With `gateway_url`, the client is registered for that gateway's callback and
    back-channel logout; `options` are more of its OIDC_* variables (see server.mjs);
    `jwt_client_jwks` (public keys) registers the private_key_jwt client `<client_id>-jwt`;
    `<client_id>-post` (client_secret_post, the same secret) is always there.
    """
    env = {
        **os.environ,
        **(options or {}),
        "PORT": str(port),
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_ACCESS_TOKEN_ALG": alg,
    }
    env.pop("OIDC_JWKS", None)
    env.pop("OIDC_GATEWAY_URL", None)
    env.pop("OIDC_JWT_CLIENT_JWKS", None)
    if jwks is not None:
        env["OIDC_JWKS"] = jwks
    if gateway_url is not None:
        env["OIDC_GATEWAY_URL"] = gateway_url
    if jwt_client_jwks is not None:
        env["OIDC_JWT_CLIENT_JWKS"] = jwt_client_jwks
    with tempfile.TemporaryFile() as stderr:
        # stdin stays open: server.mjs exits when it closes, even if this process dies.
        process = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
            [node, "server.mjs"],
            cwd=PROVIDER_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            issuer = _wait_for_issuer(process, stderr)
            yield OidcProvider(
                issuer=issuer, client_secret=secret, access_token_alg=alg, client_id=client_id
            )
        finally:
            _stop(process)


def _wait_for_issuer(process: subprocess.Popen[bytes], stderr: IO[bytes]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    output = b""
    while b"\n" not in output:
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        chunk = os.read(process.stdout.fileno(), 4096) if ready else b""
        if not chunk:
            _stop(process)
            stderr.seek(0)
            what = "exited" if ready else f"did not listen within {START_TIMEOUT_S:g}s"
            pytest.fail(
                f"oidc-provider {what} (exit code {process.returncode}):\n"
                f"stdout: {output.decode(errors='replace')}\n"
                f"stderr: {stderr.read().decode(errors='replace')}"
            )
        output += chunk
    line = output.split(b"\n", 1)[0].decode()
    marker, _, issuer = line.partition(" ")
    assert marker == "LISTENING", f"unexpected first line from server.mjs: {line!r}"
    return issuer


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            pipe.close()


REDIRECT_URI = "http://127.0.0.1:9/callback"  # server.mjs's; never contacted
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class AuthorizationCode:
    """What the authorization step hands the token request."""

    code: str
    verifier: str


async def code_flow(
    op: OidcProvider, *, scope: str = "openid orders:read", resource: str = RESOURCE
) -> dict[str, Any]:
    """The token response of a whole authorization code flow (PKCE, state, nonce)."""
    granted = await authorize(op, scope=scope, resource=resource)
    form = {
        "grant_type": "authorization_code",
        "code": granted.code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": granted.verifier,
        "resource": resource,
    }
    headers = {"Authorization": client_authorization(op.client_id, op.client_secret)}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{op.issuer}/token", data=form, headers=headers) as resp,
    ):
        body: dict[str, Any] = await resp.json()
        assert resp.status == 200, body
    return body


async def authorize(
    op: OidcProvider,
    *,
    client_id: str | None = None,
    scope: str = "openid orders:read",
    resource: str = RESOURCE,
) -> AuthorizationCode:
    """The authorization step of the code flow (PKCE, state, nonce) for `client_id`
    (default: the provider's basic client).

    Redirects are followed by hand, with a cookie jar, until one points at REDIRECT_URI.
    """
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    query = {
        "response_type": "code",
        "client_id": client_id or op.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "resource": resource,
        "state": state,
        "nonce": nonce,
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    # unsafe=True: the provider's interaction cookies are set by an IP address host.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        url = f"{op.issuer}/auth"
        params: dict[str, str] | None = query
        for _ in range(MAX_REDIRECTS):
            async with browser.get(url, params=params, allow_redirects=False) as resp:
                assert resp.status in (302, 303), await resp.text()
                url = urljoin(url, resp.headers["Location"])
            params = None
            if url.startswith(REDIRECT_URI):
                break
        else:
            pytest.fail(f"the code flow did not reach {REDIRECT_URI}")
    answer = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert answer.get("state") == state, answer
    return AuthorizationCode(code=answer["code"], verifier=verifier)
