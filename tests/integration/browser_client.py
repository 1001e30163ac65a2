"""A scripted browser for the login flow: a cookie jar for the gateway, one for the issuer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.integration.conftest import Gateway

PUBLIC = "http://127.0.0.1:8765"  # what browsers would see; the test talks ASGI
UI = "http://127.0.0.1:5173"
QUERY = {"query": "{ viewer { profile { lastName } } }"}


@dataclass
class Browser:
    """The two halves of a browser: the gateway's cookies, and a jar for the issuer.

    The gateway's cookies are Secure, which httpx's jar never sends over plain http, so
    they are kept here and sent like a browser on loopback would.
    """

    gateway: Gateway
    issuer: httpx.AsyncClient
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    public: str = PUBLIC  # the gateway's public_url, where the issuer sends the browser back

    @property
    def session_cookie(self) -> str:
        """The session cookie's value, or "" when signed out."""
        return self.cookies.get(self.gateway.runtime.settings.cookie_name, "")

    def headers(self, **extra: str) -> dict[str, str]:
        jar = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return {"Cookie": jar, **extra} if jar else dict(extra)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        """GET on the gateway with this browser's cookies; keeps the ones it sets."""
        response = await self.gateway.client.get(url, headers=self.headers(), **kwargs)
        self.keep_cookies(response)
        return response

    def keep_cookies(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    async def authorize(self, subject: str = "cust-001", password: str = "demo") -> httpx.Response:
        """Start a login at the gateway and sign in at the issuer; the issuer's answer (a
        302 to the callback, or the login form again), without following it."""
        start = await self.get("/auth/login", params={"return_to": "/auth/session"})
        assert start.status_code == 302
        at_issuer = await self.issuer.get(start.headers["location"])
        if at_issuer.status_code == 302:
            return at_issuer  # the issuer still knows this browser: single sign-on
        assert at_issuer.status_code == 200
        fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', at_issuer.text))
        fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
        return await self.issuer.post(
            "/login", data={**fields, "username": subject, "password": password}
        )

    async def open_callback(self, location: str) -> httpx.Response:
        """Follow the issuer's redirect back to the gateway's callback."""
        callback = urlsplit(location)
        assert f"{callback.scheme}://{callback.netloc}" == self.public
        landed = await self.get(f"{callback.path}?{callback.query}")
        if landed.status_code == 302 and self.session_cookie:
            session = await self.gateway.client.get("/auth/session", headers=self.headers())
            self.csrf = session.json()["csrfToken"]
        return landed

    async def sign_in(self, subject: str = "cust-001", password: str = "demo") -> httpx.Response:
        sent = await self.authorize(subject, password)
        if sent.status_code != 302:
            return sent
        return await self.open_callback(sent.headers["location"])
