"""A scripted browser for the login flow: a cookie for the gateway, a jar for the issuer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import httpx

from tests.integration.conftest import Gateway

PUBLIC = "http://127.0.0.1:8765"  # what browsers would see; the test talks ASGI
UI = "http://127.0.0.1:5173"
QUERY = {"query": "{ viewer { profile { lastName } } }"}


@dataclass
class Browser:
    """The two halves of a browser: a cookie for the gateway, a jar for the issuer."""

    gateway: Gateway
    issuer: httpx.AsyncClient
    cookie: str = ""
    csrf: str = ""
    public: str = PUBLIC  # the gateway's public_url, where the issuer sends the browser back

    def headers(self, **extra: str) -> dict[str, str]:
        # Secure cookies are not sent over plain http by httpx's jar; send it like a
        # browser on loopback would.
        return {"Cookie": self.cookie, **extra}

    async def sign_in(self, subject: str = "cust-001", password: str = "demo") -> httpx.Response:
        start = await self.gateway.client.get("/auth/login", params={"return_to": "/auth/session"})
        assert start.status_code == 302
        form_page = await self.issuer.get(start.headers["location"])
        assert form_page.status_code == 200
        fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form_page.text))
        fields = {k: v.replace("&amp;", "&") for k, v in fields.items()}
        sent = await self.issuer.post(
            "/login", data={**fields, "username": subject, "password": password}
        )
        if sent.status_code != 302:
            return sent
        callback = urlsplit(sent.headers["location"])
        assert f"{callback.scheme}://{callback.netloc}" == self.public
        landed = await self.gateway.client.get(f"{callback.path}?{callback.query}")
        if landed.status_code == 302:
            cookie = SimpleCookie(landed.headers["set-cookie"])
            name = next(iter(cookie))
            self.cookie = f"{name}={cookie[name].value}"
            session = await self.gateway.client.get("/auth/session", headers=self.headers())
            self.csrf = session.json()["csrfToken"]
        return landed
