"""Process settings from the environment (PORTALGATE_*); built once in main()/create_app()."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the gateway process needs besides the registry file.

    Nothing is read at import: construct it explicitly (``Settings()`` reads the
    environment; tests pass values directly).
    """

    model_config = SettingsConfigDict(
        env_prefix="PORTALGATE_", env_nested_delimiter="__", extra="forbid"
    )

    registry_path: Path = Field(
        default=Path("config/registry.example.yaml"), description="the registry YAML file"
    )
    issuer: str = Field(default="", description="OIDC issuer URL whose tokens are accepted")
    audience: str = Field(default="portalgate", description="required `aud` of bearer tokens")
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    leeway_s: float = Field(default=30.0, ge=0, le=300)
    jwks_min_refresh_s: float = Field(default=30.0, ge=0)
    request_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="deadline for one GraphQL request"
    )
    development: bool = Field(default=False, description="GraphiQL and friendlier defaults")
    cache_backend: Literal["memory", "redis"] = "memory"
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    max_query_depth: int = Field(default=12, ge=1)
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2000, ge=10)
    max_body_bytes: int = Field(default=256_000, ge=1024)
