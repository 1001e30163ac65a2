"""The one registered OAuth client and how it proves itself.

Token requests authenticate the client with `client_secret_basic` (RFC 6749 §2.3.1:
`Authorization: Basic base64(urlencode(id):urlencode(secret))`), `client_secret_post`
(`client_id` and `client_secret` in the form) or `private_key_jwt` (a `client_assertion`
signed with a key registered for the client, see client_assertion.py), never two at once.

Redirect URIs are not registered one by one: for development, any
`http://127.0.0.1:<port>/...` or `http://localhost:<port>/...` whose path ends in
`/auth/callback` is accepted (no query, no fragment, no user info). Nothing else is, so
the issuer can never redirect a browser off the machine.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_plus, urlsplit

from demo.idp.client_assertion import JWT_BEARER, ClientAssertions
from demo.idp.errors import OAuthError

__all__ = [
    "ClientRegistration",
    "authenticate_client",
    "is_allowed_redirect_uri",
    "is_loopback_url",
]

_CALLBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ClientRegistration:
    """A confidential client; the secret never shows in a repr."""

    client_id: str
    client_secret: str = field(repr=False)

    def matches(self, client_id: str, client_secret: str) -> bool:
        # Both comparisons always run, so timing does not reveal which part was wrong.
        id_ok = hmac.compare_digest(client_id.encode(), self.client_id.encode())
        secret_ok = hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        return id_ok and secret_ok


def authenticate_client(
    client: ClientRegistration,
    authorization: str | None,
    form: Mapping[str, str],
    *,
    assertions: ClientAssertions | None = None,
    audiences: tuple[str, ...] = (),
) -> tuple[str, str] | None:
    """The authenticated client id and the method it used, or None if the request carries
    no client credentials. `assertions` and `audiences` check a private_key_jwt.

    Raises OAuthError: `invalid_request` (400) when two methods are used at once,
    `invalid_client` (401) for wrong credentials or a client without a secret.
    """
    basic = _basic_credentials(authorization) if authorization else None
    if authorization and basic is None and authorization.lower().startswith("basic"):
        raise OAuthError("invalid_client", "malformed Basic credentials", status=401)
    posted_secret = form.get("client_secret")
    assertion = form.get("client_assertion")
    if sum(x is not None for x in (basic, posted_secret, assertion)) > 1:
        raise OAuthError("invalid_request", "use one client authentication method, not two")
    if assertion is not None:
        return _assertion_client(assertion, form, assertions, audiences), "private_key_jwt"
    if basic is not None:
        client_id, secret = basic
        posted_id = form.get("client_id")
        if posted_id is not None and posted_id != client_id:
            raise OAuthError("invalid_client", "client_id does not match", status=401)
    elif posted_secret is not None:
        client_id, secret = form.get("client_id", ""), posted_secret
    elif "client_id" in form:
        raise OAuthError("invalid_client", "this client must authenticate", status=401)
    else:
        return None
    if not client.matches(client_id, secret):
        raise OAuthError("invalid_client", "unknown client or wrong secret", status=401)
    return client.client_id, "client_secret_basic" if basic else "client_secret_post"


def _assertion_client(
    assertion: str,
    form: Mapping[str, str],
    assertions: ClientAssertions | None,
    audiences: tuple[str, ...],
) -> str:
    if form.get("client_assertion_type") != JWT_BEARER:
        raise OAuthError("invalid_request", f"client_assertion_type must be {JWT_BEARER}")
    if assertions is None:
        raise OAuthError("invalid_client", "private_key_jwt is not enabled", status=401)
    client_id = assertions.verify(assertion, audiences)
    if form.get("client_id", client_id) != client_id:
        raise OAuthError("invalid_client", "client_id does not match", status=401)
    return client_id


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    if not colon:
        return None
    return unquote_plus(user), unquote_plus(password)


def is_allowed_redirect_uri(uri: str) -> bool:
    """A dev redirect URI: http on 127.0.0.1 or localhost, a port, a path ending in
    /auth/callback, no query, fragment or user info."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname in _CALLBACK_HOSTS
        and port is not None
        and parts.username is None
        and not parts.query
        and not parts.fragment
        and "#" not in uri
        and parts.path.endswith("/auth/callback")
    )


def is_loopback_url(uri: str) -> bool:
    """An http(s) URL on this machine (where the issuer may send a browser after logout)."""
    try:
        parts = urlsplit(uri)
        _ = parts.port
    except ValueError:
        return False
    return (
        parts.scheme in {"http", "https"}
        and parts.hostname in _LOOPBACK_HOSTS
        and parts.username is None
    )
