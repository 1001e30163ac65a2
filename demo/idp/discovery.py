"""The dev issuer's discovery document (OpenID Connect Discovery 1.0, RFC 8414).

It advertises exactly what the issuer does, so the gateway's start-up checks against
discovery (sso/provider_support.py) are exercised against an honest provider.
"""

from __future__ import annotations

from typing import Any

from demo.idp.authorization import SCOPES
from demo.idp.client_assertion import ASSERTION_ALGORITHMS
from demo.idp.token_endpoint import GRANT_TYPES

__all__ = ["discovery_document"]

_CLAIMS = (
    "sub", "name", "email", "tenant", "roles", "links", "act", "client_id", "sid", "auth_time",
    "nonce", "at_hash",
)  # fmt: skip


def discovery_document(*, issuer: str, base: str) -> dict[str, Any]:
    """What /.well-known/openid-configuration serves; `base` is the server's URL."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "jwks_uri": f"{base}/jwks.json",
        "end_session_endpoint": f"{base}/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
        ],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": list(SCOPES),
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": list(_CLAIMS),
        "authorization_response_iss_parameter_supported": True,
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
    }
