"""Driving the dev issuer like a browser and a confidential client: PKCE, the login form,
the token endpoint."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import aiohttp
import jwt

from demo.issuer import DevIssuer

CLIENT_ID = "portalgate"
CLIENT_SECRET = "client-secret"
REDIRECT_URI = "http://127.0.0.1:8080/auth/callback"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


def client_basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    """client_secret_basic: both parts form-urlencoded, then Basic (RFC 6749 §2.3.1)."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class LoginAttempt:
    """One authorization request: what the client remembers until the callback."""

    verifier: str
    challenge: str
    state: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @classmethod
    def new(cls) -> LoginAttempt:
        return cls(*pkce_pair())

    def params(self, **changes: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email",
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **changes,
        }
        return {k: v for k, v in params.items() if v is not None}


@dataclass
class Form:
    """The first <form> of a page: where it posts and its named inputs."""

    action: str = ""
    method: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "form" and self.form is None:
            self.form = Form(attributes.get("action", ""), attributes.get("method", "get"))
        elif tag == "input" and self.form is not None and "name" in attributes:
            self.form.fields[attributes["name"]] = attributes.get("value", "")


def parse_page(html: str) -> Form:
    parser = _FormParser()
    parser.feed(html)
    form = parser.form or Form()
    form.ids = parser.ids
    return form


def callback_params(location: str) -> dict[str, str]:
    """The query of a redirect to the client's callback, one value per name."""
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI, location
    return {k: v[0] for k, v in parse_qs(parts.query).items()}


async def open_login_form(
    browser: aiohttp.ClientSession, issuer: DevIssuer, attempt: LoginAttempt, **changes: str
) -> Form:
    url = f"{issuer.url}/authorize"
    async with browser.get(url, params=attempt.params(**changes), allow_redirects=False) as r:
        assert r.status == 200, await r.text()
        assert r.content_type == "text/html"
        return parse_page(await r.text())


async def submit(
    browser: aiohttp.ClientSession, issuer: DevIssuer, form: Form, username: str, password: str
) -> aiohttp.ClientResponse:
    """Fill in and post the login form as a browser would; the response is read."""
    data = {**form.fields, "username": username, "password": password}
    async with browser.post(issuer.url + form.action, data=data, allow_redirects=False) as r:
        await r.read()
        return r


async def sign_in(
    browser: aiohttp.ClientSession,
    issuer: DevIssuer,
    attempt: LoginAttempt,
    username: str = "cust-001",
    **changes: str,
) -> str:
    """Authorize with the login form; returns the code from the callback."""
    form = await open_login_form(browser, issuer, attempt, **changes)
    resp = await submit(browser, issuer, form, username, "demo")
    assert resp.status == 302
    params = callback_params(resp.headers["Location"])
    assert params["state"] == attempt.state
    return params["code"]


async def token_request(
    session: aiohttp.ClientSession,
    issuer: DevIssuer,
    form: dict[str, str],
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    auth = client_basic() if headers is None else headers
    async with session.post(f"{issuer.url}/token", data=form, headers=auth) as resp:
        assert resp.headers["Cache-Control"] == "no-store"
        body: dict[str, Any] = await resp.json()
        return resp.status, body


async def redeem(
    session: aiohttp.ClientSession, issuer: DevIssuer, code: str, attempt: LoginAttempt
) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": attempt.verifier,
    }
    return await token_request(session, issuer, form)


async def exchange(
    session: aiohttp.ClientSession, issuer: DevIssuer, subject_token: str, **params: str
) -> tuple[int, dict[str, Any]]:
    form = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": subject_token,
        "subject_token_type": ACCESS_TOKEN_TYPE,
        **params,
    }
    return await token_request(session, issuer, form)


def claims_of(issuer: DevIssuer, token: str, audience: str = "portalgate") -> dict[str, Any]:
    """Verify a token against the issuer's published keys."""
    keys = jwt.PyJWKSet.from_dict(issuer.jwks())
    key = keys[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["RS256"], audience=audience, issuer=issuer.url
    )
    return claims


def now() -> int:
    return int(time.time())
