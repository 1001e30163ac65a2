"""How each connector authenticates to its portal, as the registry file describes it.

    none                 nothing
    api_key              a static key in a header                      (CRM)
    basic                HTTP basic auth                               (billing)
    bearer               a static service token
    client_credentials   the gateway's own OAuth token for the portal
    forward              the signed-in user's own bearer token
    token_exchange       RFC 8693: the user's token exchanged for one with the portal's audience

`client_credentials` and `token_exchange` name the wanted token's target; how it is sent
is `target_parameter`: `auto` (an absolute URI as RFC 8707 `resource`, a plain name as
`audience`), or `resource`, `audience` or `both` where the provider documents one.

Plain data: a scheme names *where* a secret lives (an environment variable or a file),
never the secret. `sso.upstream.UpstreamCredentials` turns these into the connectors'
per-call auth hook, so the registry needs nothing from sso.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ApiKeyAuth",
    "AuthConfig",
    "BasicAuth",
    "ClientCredentialsAuth",
    "ForwardTokenAuth",
    "NoAuth",
    "Scheme",
    "SecretRef",
    "StaticBearerAuth",
    "TargetParameter",
    "TokenExchangeAuth",
    "is_resource_uri",
    "target_warnings",
]

TargetParameter = Literal["auto", "resource", "audience", "both"]


def is_resource_uri(target: str) -> bool:
    """An RFC 8707 resource indicator: an absolute URI without a fragment."""
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return bool(parts.scheme) and "#" not in target


class SecretRef(BaseModel):
    """Where a secret lives: exactly one of an environment variable or a file path."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of `env` or `file`")
        return self

    def where(self) -> str:
        return f"env {self.env}" if self.env else f"file {self.file}"

    def resolve(self, environ: Mapping[str, str], base: Path | None = None) -> str | None:
        """The secret's value; a relative `file` is read from `base` (the registry's folder)."""
        if self.env is not None:
            value = environ.get(self.env)
        else:
            assert self.file is not None
            path = (
                base / self.file if base is not None and not self.file.is_absolute() else self.file
            )
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError:
                return None
        return value or None


class _Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoAuth(_Scheme):
    scheme: Literal["none"] = "none"


class ApiKeyAuth(_Scheme):
    """A static key sent in a header (the CRM's `X-Api-Key`)."""

    scheme: Literal["api_key"]
    header: str = "X-Api-Key"
    secret: SecretRef


class BasicAuth(_Scheme):
    """HTTP basic auth (the billing portal)."""

    scheme: Literal["basic"]
    username: SecretRef
    password: SecretRef


class StaticBearerAuth(_Scheme):
    """A long-lived service token sent as `Authorization: Bearer`."""

    scheme: Literal["bearer"]
    token: SecretRef


class ClientCredentialsAuth(_Scheme):
    """The gateway's own OAuth client token for `audience` (PORTALGATE_CLIENT_ID/SECRET)."""

    scheme: Literal["client_credentials"]
    audience: str | None = None
    scope: str | None = None
    target_parameter: TargetParameter = "auto"


class ForwardTokenAuth(_Scheme):
    """The signed-in user's bearer token, passed on unchanged (the portal trusts our IdP)."""

    scheme: Literal["forward"]


class TokenExchangeAuth(_Scheme):
    """RFC 8693: exchange the user's token for one issued to the portal's `audience`."""

    scheme: Literal["token_exchange"]
    audience: str
    scope: str | None = None
    target_parameter: TargetParameter = "auto"


Scheme = (
    NoAuth
    | ApiKeyAuth
    | BasicAuth
    | StaticBearerAuth
    | ClientCredentialsAuth
    | ForwardTokenAuth
    | TokenExchangeAuth
)
AuthConfig = Annotated[Scheme, Field(discriminator="scheme")]


def target_warnings(path: Path, auths: Mapping[str, Scheme]) -> tuple[str, ...]:
    """What `portalgate check` and the start-up log say of token targets that a provider
    following RFC 8707 will not read as meant: a plain name sent as the non-standard
    `audience` (ignored there: the portal then refuses the token), or sent as `resource`,
    which must be an absolute URI (the provider answers `invalid_target`)."""
    warnings = []
    for name, auth in auths.items():
        if not isinstance(auth, ClientCredentialsAuth | TokenExchangeAuth):
            continue
        if not auth.audience or is_resource_uri(auth.audience):
            continue
        where = f"{path}: connectors.{name}.auth"
        if auth.target_parameter in ("resource", "both"):
            warnings.append(
                f"{where}.target_parameter: {auth.target_parameter!r} sends "
                f"{auth.audience!r} as an RFC 8707 `resource`, which must be an absolute URI; "
                "providers refuse it (invalid_target): use the API's resource URI"
            )
        elif auth.target_parameter == "auto":
            warnings.append(
                f"{where}.audience: {auth.audience!r} is not a URI, so it is sent as the "
                "non-standard `audience` parameter, which providers following RFC 8707 "
                "ignore; use the API's resource URI (e.g. "
                f"https://{auth.audience}.example.com/ or urn:{auth.audience}), or set "
                "target_parameter: audience if your provider documents `audience`"
            )
    return tuple(warnings)
