"""The gateway's own private key for `private_key_jwt`: parsed, checked, and named.

    PEM (file or environment) ─▶ RSA (≥ 2048 bits) or EC P-256 private key
                              ─▶ algorithm: RS256 / PS256 for RSA, ES256 for P-256
                              ─▶ kid: the configured one, else the RFC 7638 thumbprint

Errors (`ClientKeyError`) say what is wrong with the key in general terms; they never
carry key material or a library's message about it.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from sso.client_auth import AssertionAlgorithm, PrivateKey

__all__ = ["ClientKeyError", "algorithm_for", "jwk_thumbprint", "parse_private_key"]

_MIN_RSA_BITS = 2048


class ClientKeyError(ValueError):
    """The client's private key cannot be used; the message is safe to print."""


def parse_private_key(pem: bytes) -> PrivateKey:
    """An unencrypted PEM private key (PKCS#8 or traditional), RSA ≥ 2048 bits or P-256."""
    try:
        key = load_pem_private_key(pem, password=None)
    except TypeError:
        raise ClientKeyError("the key is encrypted; give it unencrypted") from None
    except (ValueError, UnsupportedAlgorithm):
        # The library's text may quote the input: say only what was expected.
        raise ClientKeyError("not a PEM private key") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < _MIN_RSA_BITS:
            raise ClientKeyError(f"an RSA key needs at least {_MIN_RSA_BITS} bits")
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise ClientKeyError("the key must be RSA or EC P-256")


def algorithm_for(key: PrivateKey, wanted: AssertionAlgorithm | None) -> AssertionAlgorithm:
    """The signing algorithm: `wanted` if it fits the key, else the key's natural one."""
    natural: AssertionAlgorithm = "RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256"
    if wanted is None:
        return natural
    fits = wanted in ("RS256", "PS256") if natural == "RS256" else wanted == "ES256"
    if not fits:
        kind = "an RSA" if natural == "RS256" else "an EC P-256"
        raise ClientKeyError(f"{wanted} cannot be signed with {kind} key")
    return wanted


def jwk_thumbprint(key: PrivateKey) -> str:
    """RFC 7638: base64url(SHA-256) of the public key's required JWK members, sorted."""
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        members = {"e": _b64_uint(numbers.e), "kty": "RSA", "n": _b64_uint(numbers.n)}
    else:
        point = public.public_numbers()
        members = {"crv": "P-256", "kty": "EC", "x": _b64_coord(point.x), "y": _b64_coord(point.y)}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest()
    return _b64(digest)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64_uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big"))


def _b64_coord(value: int) -> str:
    return _b64(value.to_bytes(32, "big"))  # P-256 coordinates are always 32 bytes (RFC 7518)
