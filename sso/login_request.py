"""What the browser login asks the identity provider for, decided once at start-up.

    login_scopes, login_resource, login_extra_params, login_refresh (config/settings.py)
      + the provider's discovery document (scopes_supported)
      ─▶ LoginRequest: scope, `resource` indicators (RFC 8707), extra parameters

`offline_access` is added when a refresh is wanted and the provider lists it; OpenID
Connect Core §11 then asks for `prompt=consent` (oidc-provider drops `offline_access`
without it), unless `login_extra_params` sets `prompt` itself ("" sends none).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from sso.discovery import OidcMetadata

__all__ = ["OFFLINE_ACCESS", "LoginRequest", "plan_login_request"]

OFFLINE_ACCESS = "offline_access"


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class LoginRequest:
    """The provider-specific part of every authorization and token request of a login.

    The first of `resources` is the gateway's own API: the session's access token is
    asked for it at the token endpoint (login and refresh), because one token can only
    have one audience at most providers (oidc-provider refuses several there).
    """

    scopes: tuple[str, ...] = ("openid", "profile", "email")
    resources: tuple[str, ...] = ()
    extra_params: Mapping[str, str] = field(default_factory=_frozen)

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    @property
    def token_resource(self) -> tuple[str, ...]:
        """The `resource` to send with the code and with every refresh."""
        return self.resources[:1]

    @property
    def asks_offline_access(self) -> bool:
        return OFFLINE_ACCESS in self.scopes

    def authorization_params(self) -> list[tuple[str, str]]:
        """`scope`, one `resource` per indicator, then the non-empty extra parameters."""
        params = [("scope", self.scope)]
        params += [("resource", uri) for uri in self.resources]
        params += [(name, value) for name, value in self.extra_params.items() if value]
        return params


def plan_login_request(
    metadata: OidcMetadata,
    *,
    scopes: Sequence[str],
    resources: Sequence[str] = (),
    extra_params: Mapping[str, str] | None = None,
    refresh: bool = True,
) -> LoginRequest:
    """The login request for this provider; `offline_access` only where it is listed."""
    wanted = list(dict.fromkeys(scopes))
    if refresh and OFFLINE_ACCESS in metadata.scopes_supported and OFFLINE_ACCESS not in wanted:
        wanted.append(OFFLINE_ACCESS)
    extra = dict(extra_params or {})
    if OFFLINE_ACCESS in wanted:
        extra.setdefault("prompt", "consent")
    return LoginRequest(tuple(wanted), tuple(resources), _frozen(extra))
