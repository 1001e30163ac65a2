"""Upstream credentials: how each connector authenticates to its portal, supplied per call.

The registry names *where* a secret lives (an environment variable or a file), never the
secret. `UpstreamCredentials` resolves those references once at start-up, so a missing
secret fails the start, and hands each connector call an `UpstreamAuth`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.errors import ConfigError
from connectors.base import UpstreamAuth
from sso.basic_auth import basic_authorization
from sso.principal import Principal

__all__ = [
    "ApiKeyAuth",
    "AuthConfig",
    "BasicAuth",
    "NoAuth",
    "SecretRef",
    "StaticBearerAuth",
    "UpstreamCredentials",
]


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


class NoAuth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    scheme: Literal["none"] = "none"


class ApiKeyAuth(BaseModel):
    """A static key sent in a header (the CRM's `X-Api-Key`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scheme: Literal["api_key"]
    header: str = "X-Api-Key"
    secret: SecretRef


class BasicAuth(BaseModel):
    """HTTP basic auth (the billing portal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scheme: Literal["basic"]
    username: SecretRef
    password: SecretRef


class StaticBearerAuth(BaseModel):
    """A long-lived service token sent as `Authorization: Bearer`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scheme: Literal["bearer"]
    token: SecretRef


AuthConfig = Annotated[
    NoAuth | ApiKeyAuth | BasicAuth | StaticBearerAuth, Field(discriminator="scheme")
]


class UpstreamCredentials:
    """The `CredentialProvider` the gateway hands to every connector.

    Secrets are resolved from `environ` (or files) at construction; a missing one raises
    `ConfigError` naming the registry file and key, never the value.
    """

    def __init__(
        self,
        schemes: Mapping[str, NoAuth | ApiKeyAuth | BasicAuth | StaticBearerAuth],
        environ: Mapping[str, str],
        *,
        source: Path | str | None = None,
    ) -> None:
        self._auth: dict[str, UpstreamAuth] = {}
        for connector, scheme in schemes.items():
            self._auth[connector] = self._resolve(connector, scheme, environ, source)

    @staticmethod
    def _resolve(
        connector: str,
        scheme: NoAuth | ApiKeyAuth | BasicAuth | StaticBearerAuth,
        environ: Mapping[str, str],
        source: Path | str | None,
    ) -> UpstreamAuth:
        def need(ref: SecretRef, key: str) -> str:
            value = ref.resolve(environ, Path(source).parent if source is not None else None)
            if value is None:
                raise ConfigError(
                    source, f"connectors.{connector}.auth.{key}", f"secret not set ({ref.where()})"
                )
            return value

        match scheme:
            case ApiKeyAuth():
                return UpstreamAuth(headers={scheme.header: need(scheme.secret, "secret")})
            case BasicAuth():
                user = need(scheme.username, "username")
                password = need(scheme.password, "password")
                return UpstreamAuth(headers={"Authorization": basic_authorization(user, password)})
            case StaticBearerAuth():
                return UpstreamAuth(
                    headers={"Authorization": f"Bearer {need(scheme.token, 'token')}"}
                )
            case _:
                return UpstreamAuth(headers={})

    async def for_call(self, connector: str, principal: Principal | None) -> UpstreamAuth:
        """Credentials for one call of `connector` (static schemes ignore the principal)."""
        return self._auth.get(connector, UpstreamAuth(headers={}))

    def __repr__(self) -> str:
        return f"UpstreamCredentials(connectors={sorted(self._auth)})"
