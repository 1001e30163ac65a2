"""The signature algorithms portalgate accepts, and the key each one must be verified with.

Keys come from the identity provider's JWKS, so only asymmetric algorithms make sense:
an HMAC algorithm would verify with whatever bytes the key happens to serialize to (the
classic RS256 -> HS256 confusion), and "none" verifies nothing. Both are absent here on
purpose, and `TokenPolicy` refuses anything that is not in this table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["KEY_FAMILIES", "KeyFamily", "key_fits"]


@dataclass(frozen=True, slots=True)
class KeyFamily:
    """The JWK key type (`kty`) and curves (`crv`) an algorithm may be verified with."""

    key_type: str
    curves: frozenset[str] = frozenset()


_RSA = KeyFamily("RSA")

KEY_FAMILIES: Mapping[str, KeyFamily] = MappingProxyType(
    {
        "RS256": _RSA,
        "RS384": _RSA,
        "RS512": _RSA,
        "PS256": _RSA,
        "PS384": _RSA,
        "PS512": _RSA,
        # Each ECDSA algorithm is bound to one curve (RFC 7518 §3.4).
        "ES256": KeyFamily("EC", frozenset({"P-256"})),
        "ES384": KeyFamily("EC", frozenset({"P-384"})),
        "ES512": KeyFamily("EC", frozenset({"P-521"})),
        "ES256K": KeyFamily("EC", frozenset({"secp256k1"})),
        "EdDSA": KeyFamily("OKP", frozenset({"Ed25519", "Ed448"})),
    }
)


def key_fits(algorithm: str, key_type: str | None, curve: str | None) -> bool:
    """Whether a JWK of this `kty`/`crv` may verify a signature made with `algorithm`."""
    family = KEY_FAMILIES.get(algorithm)
    if family is None or key_type != family.key_type:
        return False
    return not family.curves or curve in family.curves
