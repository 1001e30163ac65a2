"""Bearer authentication: `Authorization: Bearer <jwt>` ─▶ verified claims ─▶ Principal.

The token's identity links are renamed to the registry's link names here, once, so
everything after this sees `principal.links[<connector>]`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from config.registry import LinkSpec
from sso.claims import build_principal
from sso.errors import InvalidToken
from sso.principal import Principal
from sso.tokens import TokenValidator

__all__ = ["BearerAuthenticator"]


class BearerAuthenticator:
    """Turns an Authorization header into a Principal, or raises InvalidToken."""

    def __init__(self, validator: TokenValidator, links: Mapping[str, LinkSpec]) -> None:
        self._validator = validator
        self._links = links

    async def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise InvalidToken("token is missing")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise InvalidToken("token is malformed")
        claims = await self._validator.validate(token)
        principal = build_principal(claims, token)
        return self._rename_links(principal)

    def _rename_links(self, principal: Principal) -> Principal:
        token_links = principal.links
        links = {
            name: token_links[spec.claim]
            for name, spec in self._links.items()
            if spec.claim is not None and spec.claim in token_links
        }
        return dataclasses.replace(principal, links=MappingProxyType(links))
