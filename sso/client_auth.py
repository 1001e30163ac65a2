"""How the gateway proves who it is to the token endpoint (RFC 6749 §2.3, OIDC Core §9).

    client_secret_basic   Authorization: Basic urlencode(id):urlencode(secret)    (default)
    client_secret_post    client_id and client_secret in the form
    private_key_jwt       client_assertion: a JWT signed with the client's private key
                          (RFC 7523 §2.2: iss = sub = client_id, aud = the token endpoint,
                          a fresh jti, a short exp)

Each method turns (client id, token endpoint) into the headers and form fields of one
token request; `TokenEndpointClient` adds them to every grant. Nothing here is logged, and
no repr shows a secret or a key.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from sso.basic_auth import client_authorization

__all__ = [
    "ASSERTION_LIFETIME_S",
    "JWT_BEARER_ASSERTION",
    "AssertionAlgorithm",
    "ClientAuthentication",
    "ClientProof",
    "ClientSecretBasic",
    "ClientSecretPost",
    "PrivateKey",
    "PrivateKeyJwt",
]

# RFC 7523 §2.2 identifier (a URN, not a secret).
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Long enough for clock skew between us and the provider, short enough that a leaked
# assertion is useless soon; the jti makes it single use where the provider tracks it.
ASSERTION_LIFETIME_S = 60

AssertionAlgorithm = Literal["RS256", "PS256", "ES256"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class ClientProof:
    """What one token request adds to prove the client: headers and form fields."""

    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    form: Mapping[str, str] = field(default_factory=dict, repr=False)


class ClientAuthentication(Protocol):
    """A token-endpoint client authentication method, named as in OIDC discovery."""

    @property
    def method(self) -> str: ...

    def proof(self, client_id: str, token_endpoint: str) -> ClientProof:
        """The headers and form fields for one request; called once per request."""
        ...


@dataclass(frozen=True, slots=True)
class ClientSecretBasic:
    """The shared secret in an HTTP Basic header (RFC 6749 §2.3.1)."""

    secret: SecretStr
    method: str = "client_secret_basic"

    def proof(self, client_id: str, token_endpoint: str) -> ClientProof:
        value = client_authorization(client_id, self.secret.get_secret_value())
        return ClientProof(headers={"Authorization": value})


@dataclass(frozen=True, slots=True)
class ClientSecretPost:
    """The shared secret in the request body (RFC 6749 §2.3.1, for providers that ask)."""

    secret: SecretStr
    method: str = "client_secret_post"

    def proof(self, client_id: str, token_endpoint: str) -> ClientProof:
        return ClientProof(
            form={"client_id": client_id, "client_secret": self.secret.get_secret_value()}
        )


@dataclass(frozen=True, slots=True)
class PrivateKeyJwt:
    """A JWT the client signs for each request (RFC 7523 §2.2, OIDC Core §9).

    `audience` is the value of `aud`; None means the token endpoint's URL, as RFC 7523
    recommends (some providers want their issuer instead: the caller passes it).
    """

    key: PrivateKey = field(repr=False)
    algorithm: AssertionAlgorithm
    key_id: str
    audience: str | None = None
    method: str = "private_key_jwt"

    def proof(self, client_id: str, token_endpoint: str) -> ClientProof:
        now = int(time.time())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": self.audience or token_endpoint,
            "jti": secrets.token_urlsafe(24),
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_S,
        }
        assertion = jwt.encode(
            claims, self.key, algorithm=self.algorithm, headers={"kid": self.key_id}
        )
        return ClientProof(
            form={
                "client_id": client_id,
                "client_assertion_type": JWT_BEARER_ASSERTION,
                "client_assertion": assertion,
            }
        )
