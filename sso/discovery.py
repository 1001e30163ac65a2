"""OpenID Connect discovery: where the identity provider keeps its keys and endpoints."""

from __future__ import annotations

import aiohttp
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from yarl import URL

from sso.errors import IdentityProviderError
from sso.fetch import fetch_json, require_secure_url

__all__ = ["OidcMetadata", "discover"]


class OidcMetadata(BaseModel):
    """The parts of an OpenID Provider's discovery document that portalgate uses."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    issuer: str
    jwks_uri: str
    authorization_endpoint: str
    token_endpoint: str
    end_session_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    introspection_endpoint: str | None = None
    revocation_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    response_types_supported: tuple[str, ...] = ()
    grant_types_supported: tuple[str, ...] = ()
    id_token_signing_alg_values_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ()
    token_endpoint_auth_methods_supported: tuple[str, ...] = ()
    token_endpoint_auth_signing_alg_values_supported: tuple[str, ...] = ()
    # RFC 9207: the provider puts `iss` in every authorization response.
    authorization_response_iss_parameter_supported: bool = False

    @field_validator(
        "jwks_uri",
        "authorization_endpoint",
        "token_endpoint",
        "end_session_endpoint",
        "userinfo_endpoint",
        "introspection_endpoint",
        "revocation_endpoint",
    )
    @classmethod
    def _secure(cls, value: str | None) -> str | None:
        return None if value is None else require_secure_url(value, "endpoint")


async def discover(
    issuer: str, session: aiohttp.ClientSession, *, fetch_timeout_s: float = 3.0
) -> OidcMetadata:
    """Fetch `{issuer}/.well-known/openid-configuration`; called once at start-up.

    The document must name exactly `issuer` (OpenID Connect Discovery §4.3), or one
    provider could vouch for another's keys. Raises ValueError for an insecure issuer
    URL and IdentityProviderError for anything wrong on the provider's side.
    """
    require_secure_url(issuer, "issuer")
    if URL(issuer).query_string or URL(issuer).fragment:
        raise ValueError(f"issuer must not have a query or fragment, got {issuer!r}")
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = await fetch_json(session, url, fetch_timeout_s)
    try:
        metadata = OidcMetadata.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise IdentityProviderError(f"{url}: {problems}") from exc
    if metadata.issuer != issuer:
        raise IdentityProviderError(
            f"{url}: issuer {metadata.issuer!r} does not match the configured {issuer!r}"
        )
    return metadata
