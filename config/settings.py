"""Process settings from the environment (PORTALGATE_*); built once in main()/create_app()."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import limits
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]

# Cookie name prefixes a browser accepts only with the Secure attribute (RFC 6265bis §4.1.3).
_SECURE_PREFIXES = ("__secure-", "__host-", "__http-")
# Authorization request parameters the code flow sets itself (sso/login_request.py).
_LOGIN_PROTOCOL_PARAMS = frozenset(
    {
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
        "resource",
    }
)


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
    require_at_jwt_typ: bool = Field(
        default=True,
        description="bearer tokens must carry the JOSE header typ at+jwt (RFC 9068)",
    )
    jwks_min_refresh_s: float = Field(default=30.0, ge=0)
    request_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="deadline for one GraphQL request"
    )
    readiness_interval_s: float = Field(
        default=5.0, gt=0, le=300, description="pause between health probes of a portal"
    )
    readiness_recovery_interval_s: float = Field(
        default=0.5, gt=0, le=60, description="the pause while a portal is down or open"
    )
    readiness_window_s: float = Field(
        default=30.0, gt=0, le=3600, description="how long a failed customer call marks a portal"
    )
    development: bool = Field(default=False, description="GraphiQL and friendlier defaults")
    cache_backend: Literal["memory", "redis"] = "memory"
    response_cache_enabled: bool = Field(
        default=True, description="keep query responses whose every capability is cached"
    )
    redis_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    redis_prefix: str = Field(
        default="pg",
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="first part of every Redis key the gateway writes (cache, sessions, "
        "rate limits), so several gateways or other data can share one Redis",
    )
    max_query_depth: int = Field(default=12, ge=1)
    max_introspection_depth: int = Field(
        default=15, ge=1, description="depth below __schema/__type (standard introspection: 14)"
    )
    max_aliases: int = Field(default=30, ge=1)
    max_query_fields: int = Field(
        default=1000, ge=1, description="field selections, fragments expanded"
    )
    max_query_cost: int = Field(
        default=5000, ge=1, description="IBM cost spec (@cost/@listSize), fragments expanded"
    )
    default_list_size: int = Field(
        default=10, ge=0, description="list size assumed where @listSize gives none"
    )
    introspection: bool | None = Field(default=None, description="None: on in development only")
    max_tokens: int = Field(default=2000, ge=10)
    trace_fields: bool = Field(
        default=False,
        description="a span per resolved GraphQL field; costly (field middleware on every field)",
    )
    max_body_bytes: int = Field(default=256_000, ge=1024)
    max_json_depth: int = Field(
        default=32, ge=4, le=200, description="nesting allowed in a request's JSON"
    )

    # The gateway's own OAuth client at the issuer: browser login (code flow) and the
    # client_credentials / token_exchange upstream schemes.
    client_id: str = ""
    client_secret: SecretStr | None = None
    token_endpoint_auth_method: Literal[
        "client_secret_basic", "client_secret_post", "private_key_jwt"
    ] = Field(
        default="client_secret_basic",
        description="how the client authenticates at the token endpoint, for every grant",
    )
    client_private_key_file: Path | None = Field(
        default=None, description="PEM private key for private_key_jwt (RSA or EC P-256)"
    )
    client_private_key: SecretStr | None = Field(
        default=None, description="the same PEM key from the environment instead of a file"
    )
    client_private_key_id: str | None = Field(
        default=None, description="`kid` of the client assertion; default: the JWK thumbprint"
    )
    client_assertion_alg: Literal["RS256", "PS256", "ES256"] | None = Field(
        default=None, description="client assertion algorithm; default: RS256 or ES256 by key"
    )
    client_assertion_audience: Literal["token_endpoint", "issuer"] = Field(
        default="token_endpoint", description="`aud` of the client assertion (RFC 7523 §3)"
    )
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
    cookie_name: str = Field(
        default="__Host-Http-portalgate_session",
        description="the session cookie; `__Host-` makes browsers refuse it unless Secure, "
        "Path=/ and host-only",
    )
    login_cookie_name: str = Field(
        default="__Host-Http-portalgate_login",
        description="the pre-login cookie binding a started login to its browser",
    )
    cookie_secure: bool = True
    cookie_samesite: Literal["lax", "strict"] = "lax"
    pending_login_ttl_s: float = Field(
        default=600.0, gt=0, le=3600, description="how long a started browser login may take"
    )
    max_pending_logins: int = Field(
        default=10_000, ge=1, description="started logins kept in memory; the oldest go first"
    )
    # What the browser login asks the identity provider for (sso/login_request.py).
    login_scopes: tuple[str, ...] = Field(
        default=("openid", "profile", "email"), description="`scope` of the browser login"
    )
    login_resource: tuple[str, ...] = Field(
        default=(),
        description="RFC 8707 `resource` URIs of the login; the first, the gateway's own API, "
        "is also sent at the token endpoint",
    )
    login_extra_params: dict[str, str] = Field(
        default_factory=dict,
        description='extra authorization parameters, e.g. {"audience": "..."} (Auth0); "" '
        "drops one the gateway would add (prompt)",
    )
    login_refresh: bool = Field(
        default=True,
        description="ask for offline_access (with prompt=consent) when the provider lists it",
    )

    @field_validator("login_scopes")
    @classmethod
    def _openid_scope(cls, scopes: tuple[str, ...]) -> tuple[str, ...]:
        if "openid" not in scopes or any(not s or " " in s for s in scopes):
            raise ValueError(
                "PORTALGATE_LOGIN_SCOPES must include openid and name one scope per item"
            )
        return scopes

    @field_validator("login_resource")
    @classmethod
    def _absolute_resources(cls, resources: tuple[str, ...]) -> tuple[str, ...]:
        for uri in resources:
            # RFC 8707 §2: an absolute URI without a fragment.
            if ":" not in uri or "#" in uri or not uri.split(":", 1)[0].isalpha():
                raise ValueError(
                    f"PORTALGATE_LOGIN_RESOURCE: {uri!r} is not an absolute URI without a "
                    "fragment (RFC 8707), e.g. https://api.example.com/ or urn:portalgate"
                )
        return resources

    @field_validator("login_extra_params")
    @classmethod
    def _no_protocol_params(cls, params: dict[str, str]) -> dict[str, str]:
        taken = sorted(set(params) & _LOGIN_PROTOCOL_PARAMS)
        if taken:
            raise ValueError(
                f"PORTALGATE_LOGIN_EXTRA_PARAMS may not set {', '.join(taken)}: the code flow "
                "sends them itself (use PORTALGATE_LOGIN_SCOPES and PORTALGATE_LOGIN_RESOURCE)"
            )
        return params

    # Employees acting for customers.
    employee_role: str = "customer_service"
    employee_subjects: tuple[str, ...] = Field(
        default=(),
        description="actors (`act.sub` of tokens from the issuer) who hold the employee role "
        "when the token's act claim carries no roles",
    )
    personal_mutations: tuple[str, ...] = Field(
        default=("updateProfile",),
        description="mutations an employee may not make on a customer's behalf",
    )

    @field_validator("cookie_secure")
    @classmethod
    def _prefixed_cookies_need_secure(cls, secure: bool, info: ValidationInfo) -> bool:
        # Browsers silently drop a prefixed cookie without Secure: sign-in would fail
        # with no error anywhere, so refuse the combination at start-up instead.
        if not secure:
            for key in ("cookie_name", "login_cookie_name"):
                name = info.data.get(key, "")
                if name.lower().startswith(_SECURE_PREFIXES):
                    raise ValueError(
                        f"PORTALGATE_{key.upper()}={name!r} has a prefix browsers accept only "
                        "on Secure cookies; keep PORTALGATE_COOKIE_SECURE=true or choose a name "
                        "without the prefix"
                    )
        return secure

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

    # Metrics (GET /metrics, unauthenticated: keep it off the public listener).
    metrics_enabled: bool = Field(default=True, description="serve and record /metrics")
    metrics_max_operation_names: int = Field(
        default=100, ge=1, le=10_000, description="distinct operation labels before 'other'"
    )
    service_client_role: str = Field(
        default="service_client", description="the role that marks a service client in metrics"
    )

    # Status page (GET /status, /status.json; unauthenticated like /readyz, no customer data).
    status_page_enabled: bool = Field(
        default=True, description="serve the status page: connectors, latency, breakers, errors"
    )

    # Logs (gateway/logs.py): every record of the process, uvicorn's included, on stderr.
    log_format: Literal["json", "text"] = Field(
        default="json", description="one JSON object per line, or `text` for humans"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="the least severe level written"
    )

    # Slow clients (served by uvicorn; see gateway/slow_clients.py).
    request_read_timeout_s: float = Field(
        default=10.0, gt=0, le=300, description="time a client has to send a whole request"
    )
    max_connections_per_address: int = Field(default=100, ge=1)

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

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
