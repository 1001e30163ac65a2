"""Process settings from the environment (PORTALGATE_*); built once in main()/create_app()."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import limits
from pydantic import Field, SecretStr, field_validator
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

    # The gateway's own OAuth client at the issuer: browser login (code flow) and the
    # client_credentials / token_exchange upstream schemes.
    client_id: str = ""
    client_secret: SecretStr | None = None
    public_url: str = Field(
        default="",
        description="the gateway's base URL as browsers see it; enables /auth/* when set",
    )
    ui_origins: tuple[str, ...] = Field(
        default=(), description="UI origins allowed to call with credentials (CORS)"
    )
    post_logout_url: str | None = None
    session_backend: Literal["memory", "redis"] = "memory"
    session_ttl_s: float = Field(default=8 * 3600, gt=60, le=7 * 86400)
    session_refresh_margin_s: float = Field(
        default=60.0, ge=0, description="refresh a session's access token this long before expiry"
    )
    cookie_name: str = "portalgate_session"
    cookie_secure: bool = True
    cookie_samesite: Literal["lax", "strict"] = "lax"

    # Employees acting for customers.
    employee_role: str = "customer_service"
    personal_mutations: tuple[str, ...] = Field(
        default=("updateProfile",),
        description="mutations an employee may not make on a customer's behalf",
    )

    # Rate limits (`limits` notation, e.g. "600/minute" or "20/second;600/minute"; "" is off).
    rate_limit: str = Field(
        default="600/minute",
        description="GraphQL requests per principal (per client address when anonymous)",
    )
    rate_limit_per_operation: dict[str, str] = Field(
        default_factory=dict,
        description='extra limits per root field, e.g. {"openTicket": "10/minute"}',
    )
    login_rate_limit: str = Field(default="30/minute", description="/auth/login per address")
    rate_limit_backend: Literal["memory", "redis"] = "memory"

    # Slow clients (served by uvicorn; see gateway/connection_guard.py).
    request_read_timeout_s: float = Field(
        default=10.0, gt=0, le=300, description="time a client has to send a whole request"
    )
    max_connections_per_address: int = Field(default=100, ge=1)

    @field_validator("rate_limit", "login_rate_limit")
    @classmethod
    def _rate_limit_notation(cls, value: str) -> str:
        if value:
            limits.parse_many(value)  # ValueError names the string
        return value

    @field_validator("rate_limit_per_operation")
    @classmethod
    def _per_operation_notation(cls, value: dict[str, str]) -> dict[str, str]:
        for limit in value.values():
            limits.parse_many(limit)
        return value
