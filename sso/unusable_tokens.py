"""Why an access token from a login is unusable here, and which setting fixes it.

Called by the browser login when the validator (`sso.tokens`) refuses the access token
the provider just issued: the refusal reason alone ("token is malformed") does not tell
an operator that the provider sent an opaque token because nothing asked for the API.
Nothing of the token itself is ever put in the text.
"""

from __future__ import annotations

import jwt

from sso.errors import Reason
from sso.token_use import AT_JWT_TYP, media_type

__all__ = ["unusable_access_token"]

_ASK_FOR_THE_API = (
    "set PORTALGATE_LOGIN_RESOURCE to the API's resource URI (RFC 8707), or add the API's "
    "scope to PORTALGATE_LOGIN_SCOPES, or (Auth0) PORTALGATE_LOGIN_EXTRA_PARAMS with its "
    "audience, so that the provider issues a JWT access token for PORTALGATE_AUDIENCE"
)


def unusable_access_token(token: str, reason: Reason) -> tuple[str, str]:
    """(what is wrong with `token`, what to change) for the validator's `reason`."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        return (
            "it is not a JWT (an opaque token, for the provider's own userinfo)",
            _ASK_FOR_THE_API,
        )
    if reason == "audience not accepted":
        return "its audience is not PORTALGATE_AUDIENCE", _ASK_FOR_THE_API
    if reason == "not an access token":
        if media_type(header.get("typ")) != AT_JWT_TYP:
            return (
                f"its header has no typ {AT_JWT_TYP} (RFC 9068)",
                "configure the provider to issue RFC 9068 access tokens for the API, or set "
                "PORTALGATE_REQUIRE_AT_JWT_TYP=false if it cannot",
            )
        return "it carries ID-token claims", _ASK_FOR_THE_API
    if reason == "signature or algorithm not accepted":
        return reason, "check PORTALGATE_ALGORITHMS against the provider's signing algorithm"
    if reason == "issuer not accepted":
        return reason, "check PORTALGATE_ISSUER"
    return reason, _ASK_FOR_THE_API
