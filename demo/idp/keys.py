"""The issuer's signing keys: generated at start, rotated on demand, never stored.

Keys are RS256 (RSA-2048) unless a rotation asks for ES256 (P-256), so tests can publish a
key set with both kinds, as real providers do. Every key ever used stays published (and
accepted), so tokens signed before a rotation still verify; the newest key signs. A key's
`kid` is its RFC 7638 thumbprint.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

__all__ = ["KeyRing", "SigningKey"]


KeyAlgorithm = Literal["RS256", "ES256"]
# RFC 7638 §3.2: the members a thumbprint covers, per key type.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y")}


@dataclass(frozen=True)
class SigningKey:
    """One key pair (RSA-2048 for RS256, P-256 for ES256) and its public JWK."""

    kid: str
    algorithm: KeyAlgorithm
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    public_jwk: dict[str, str]

    @classmethod
    def generate(cls, algorithm: KeyAlgorithm = "RS256") -> SigningKey:
        private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
        if algorithm == "ES256":
            private_key = ec.generate_private_key(ec.SECP256R1())
            jwk = ECAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        else:
            private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        required = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
        # RFC 7638: SHA-256 over the required members, sorted, without whitespace.
        digest = hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest()
        kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        public = {**required, "kid": kid, "use": "sig", "alg": algorithm}
        return cls(kid, algorithm, private_key, public)


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

    def rotate(self, algorithm: KeyAlgorithm = "RS256") -> str:
        """Sign with a fresh key from now on, keep publishing the old ones; returns the kid."""
        key = SigningKey.generate(algorithm)
        self._keys.append(key)
        return key.kid

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public key set, as served at /jwks.json."""
        return {"keys": [dict(k.public_jwk) for k in self._keys]}

    def sign(self, claims: dict[str, Any], *, typ: str) -> str:
        """`claims` as a compact JWS signed by the current key, with its `kid` and `typ`."""
        key = self.current
        headers = {"kid": key.kid, "typ": typ}
        return jwt.encode(claims, key.private_key, algorithm=key.algorithm, headers=headers)

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
            algorithms=[key.algorithm],
            issuer=issuer,
            audience=audience,
            options={
                "require": ["iss", "sub", "exp", "iat"],
                "verify_aud": audience is not None,
                "verify_exp": verify_exp,
            },
        )
        return claims
