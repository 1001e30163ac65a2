"""The issuer's RS256 signing keys: generated at start, rotated on demand, never stored.

Every key ever used stays published (and accepted), so tokens signed before a rotation
still verify; the newest key signs. A key's `kid` is its RFC 7638 thumbprint.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

__all__ = ["KeyRing", "SigningKey"]


@dataclass(frozen=True)
class SigningKey:
    """One RSA-2048 key pair and its public JWK."""

    kid: str
    private_key: rsa.RSAPrivateKey
    public_jwk: dict[str, str]

    @classmethod
    def generate(cls) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        # RFC 7638: SHA-256 over the required members, sorted, without whitespace.
        required = {"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}
        digest = hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest()
        kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        public = {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256"}
        return cls(kid, private_key, {**public, "n": jwk["n"], "e": jwk["e"]})


class KeyRing:
    """All keys this issuer has published, newest last; the newest one signs."""

    def __init__(self) -> None:
        self._keys: list[SigningKey] = []

    async def ensure_key(self) -> None:
        """Generate the first key (in a thread: it takes a while) unless there is one."""
        if not self._keys:
            key = await asyncio.to_thread(SigningKey.generate)
            if not self._keys:  # another start may have won the race
                self._keys.append(key)

    @property
    def current(self) -> SigningKey:
        """The signing key; RuntimeError before the first one exists."""
        if not self._keys:
            raise RuntimeError("DevIssuer has no signing key before start()")
        return self._keys[-1]

    def rotate(self) -> str:
        """Sign with a fresh key from now on, keep publishing the old ones; returns the kid."""
        key = SigningKey.generate()
        self._keys.append(key)
        return key.kid

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public key set, as served at /jwks.json."""
        return {"keys": [dict(k.public_jwk) for k in self._keys]}

    def sign(self, claims: dict[str, Any], *, typ: str) -> str:
        """`claims` as a compact RS256 JWS with the current key's `kid` and header `typ`."""
        key = self.current
        headers = {"kid": key.kid, "typ": typ}
        return jwt.encode(claims, key.private_key, algorithm="RS256", headers=headers)

    def verify(
        self,
        token: str,
        *,
        issuer: str,
        audience: str | None,
        verify_exp: bool = True,
    ) -> dict[str, Any]:
        """The claims of a token this issuer signed; raises jwt.InvalidTokenError.

        `audience=None` skips the `aud` check (an id_token_hint names the client).
        """
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        key = next((k for k in self._keys if k.kid == kid), None)
        if key is None:
            raise jwt.InvalidTokenError("unknown kid")
        claims: dict[str, Any] = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=["RS256"],
            issuer=issuer,
            audience=audience,
            options={
                "require": ["iss", "sub", "exp", "iat"],
                "verify_aud": audience is not None,
                "verify_exp": verify_exp,
            },
        )
        return claims
