"""Telling an access token from an ID token, so that one is never accepted as the other.

An OpenID provider signs both with the same keys, and when the gateway's audience is also
its client id (common), an ID token would pass every other check. RFC 9068 §4 gives access
tokens the JOSE header `typ: at+jwt` for exactly this; OIDC Core §2 gives ID tokens claims
no access token has.

    header typ at+jwt / application/at+jwt (any case)   an access token
    header typ absent or "JWT"                          only when the typ is not required
    any other typ (e.g. "logout+jwt")                   never an access token
    and, whatever the typ: nonce, at_hash, c_hash or s_hash in the claims  ▶ an ID token
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sso.errors import InvalidToken

__all__ = [
    "AT_JWT_TYP",
    "ID_TOKEN_CLAIMS",
    "check_access_token_claims",
    "check_access_token_type",
    "media_type",
]

AT_JWT_TYP = "at+jwt"
# OIDC Core §2 and §3.3.2.11: claims of ID tokens; RFC 9068 §2.2 lists none of them.
ID_TOKEN_CLAIMS = frozenset({"nonce", "at_hash", "c_hash", "s_hash"})
# What providers that predate RFC 9068 put on every JWT, access token or not.
_UNTYPED = frozenset({"", "jwt"})


def media_type(typ: object) -> str:
    """`typ` compared as RFC 7515 §4.1.9 says: case-insensitive, "application/" optional."""
    if not isinstance(typ, str):
        return ""
    return typ.strip().lower().removeprefix("application/")


def check_access_token_type(header: Mapping[str, Any], *, require_typ: bool) -> None:
    """Refuse a token whose header says it is not an access token (before any key work).

    With `require_typ`, only `at+jwt` passes; without, an untyped or "JWT" token also
    passes and is left to `check_access_token_claims`. Raises InvalidToken.
    """
    raw = header.get("typ")
    typ = media_type(raw)
    if typ == AT_JWT_TYP:
        return
    # A typ that is not a string (RFC 7515 says it is) is no untyped token either.
    if require_typ or typ not in _UNTYPED or not isinstance(raw, str | None):
        raise InvalidToken("not an access token")


def check_access_token_claims(claims: Mapping[str, Any]) -> None:
    """Refuse verified claims that only an ID token carries; raises InvalidToken."""
    if not ID_TOKEN_CLAIMS.isdisjoint(claims):
        raise InvalidToken("not an access token")
