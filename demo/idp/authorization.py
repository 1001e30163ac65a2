"""The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636 §4.3).

    client_id, redirect_uri wrong ─▶ UnsafeRequest: an error page, never a redirect
    anything else wrong            ─▶ RedirectedError: back to redirect_uri with
                                      error, error_description, state, iss
    all good                       ─▶ AuthorizationRequest

PKCE is required, and only with `S256`. The same checks run on the login form's hidden
fields, so nothing the browser sends back is trusted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from multidict import MultiMapping

from demo.idp.clients import ClientRegistration, is_allowed_redirect_uri

__all__ = [
    "SCOPES",
    "AuthorizationRequest",
    "RedirectedError",
    "UnsafeRequest",
    "parse_authorization_request",
    "pkce_matches",
]

# offline_access: the issuer gives every code flow a refresh token; listing it tells
# clients (the gateway asks for it when listed) that refresh is on offer.
SCOPES = ("openid", "profile", "email", "offline_access")
_PROMPTS = frozenset({"none", "login", "consent", "select_account"})
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of 32 bytes, no padding
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1
_MAX_VALUE = 512
_SINGLE_VALUED = (
    "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method",
    "prompt", "response_mode",
)  # fmt: skip


class UnsafeRequest(Exception):
    """The client or redirect URI cannot be trusted: answer with a page, not a redirect."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RedirectedError(Exception):
    """An error the client hears about at its redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request; `scope` holds the granted scopes only."""

    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str
    prompt: frozenset[str]

    def form_fields(self) -> dict[str, str]:
        """The request again, as the login form's hidden fields (without `prompt`)."""
        fields = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        if self.state is not None:
            fields["state"] = self.state
        if self.nonce is not None:
            fields["nonce"] = self.nonce
        return fields

    def respond(self, issuer: str, **params: str) -> str:
        """The redirect URI with `params`, `state` and `iss` (RFC 9207) in the query."""
        return _respond(self.redirect_uri, self.state, issuer, params)


def parse_authorization_request(
    params: MultiMapping[str], client: ClientRegistration, issuer: str
) -> AuthorizationRequest:
    """Validate the parameters of GET /authorize (or the login form).

    Raises UnsafeRequest for a missing, repeated or unknown client_id or redirect_uri,
    and RedirectedError for every other problem.
    """
    client_id = _single(params, "client_id")
    if client_id != client.client_id:
        raise UnsafeRequest("unknown client_id")
    redirect_uri = _single(params, "redirect_uri")
    if redirect_uri is None or not is_allowed_redirect_uri(redirect_uri):
        raise UnsafeRequest("redirect_uri is not registered for this client")
    state = _single(params, "state")

    def fail(error: str, description: str) -> RedirectedError:
        location = _respond(
            redirect_uri, state, issuer, {"error": error, "error_description": description}
        )
        return RedirectedError(location)

    for name in _SINGLE_VALUED:
        values = params.getall(name, [])
        if len(values) > 1:
            raise fail("invalid_request", f"{name} is repeated")
        if values and len(values[0]) > _MAX_VALUE:
            raise fail("invalid_request", f"{name} is too long")
    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "only response_type=code is supported")
    if params.get("response_mode", "query") != "query":
        raise fail("invalid_request", "only response_mode=query is supported")
    requested = params.get("scope", "").split()
    if "openid" not in requested:
        raise fail("invalid_scope", "scope must include openid")
    # OIDC Core §3.1.2.1: scope values the provider does not understand are ignored.
    scope = " ".join(s for s in dict.fromkeys(requested) if s in SCOPES)
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if not challenge:
        raise fail("invalid_request", "code_challenge is required (PKCE)")
    if method != "S256":
        raise fail("invalid_request", "code_challenge_method must be S256")
    if not _S256_CHALLENGE.fullmatch(challenge):
        raise fail("invalid_request", "code_challenge is not a base64url SHA-256 digest")
    prompt = frozenset(params.get("prompt", "").split())
    if not prompt <= _PROMPTS or ("none" in prompt and len(prompt) > 1):
        raise fail("invalid_request", "prompt must be none, or any of login, consent")
    return AuthorizationRequest(
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        nonce=params.get("nonce"),
        code_challenge=challenge,
        prompt=prompt,
    )


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6: BASE64URL(SHA256(ASCII(verifier))) == challenge, for a well-formed
    verifier."""
    if not _VERIFIER.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


def _single(params: MultiMapping[str], name: str) -> str | None:
    values = params.getall(name, [])
    if len(values) > 1:
        raise UnsafeRequest(f"{name} is repeated")
    return values[0] if values else None


def _respond(redirect_uri: str, state: str | None, issuer: str, params: dict[str, str]) -> str:
    query = dict(params)
    if state is not None:
        query["state"] = state
    query["iss"] = issuer
    # Allowed redirect URIs never carry a query, so the parameters start one.
    return f"{redirect_uri}?{urlencode(query)}"
