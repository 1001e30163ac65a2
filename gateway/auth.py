"""Bearer authentication for the gateway: sso's Authenticator plus the registry's links.

The token's identity links are renamed to the registry's link names here, once, so
everything after this sees `principal.links[<connector>]`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType

from config.registry import LinkSpec
from sso.principal import Principal
from sso.tokens import Authenticator

__all__ = ["BearerAuthenticator"]


class BearerAuthenticator:
    """Turns an Authorization header into a Principal, or raises InvalidToken."""

    def __init__(self, authenticator: Authenticator, links: Mapping[str, LinkSpec]) -> None:
        self._authenticator = authenticator
        self._links = links

    async def authenticate(self, authorization: str | None) -> Principal:
        principal = await self._authenticator.authenticate(authorization)
        token_links = principal.links
        links = {
            name: token_links[spec.claim]
            for name, spec in self._links.items()
            if spec.claim is not None and spec.claim in token_links
        }
        return dataclasses.replace(principal, links=MappingProxyType(links))
