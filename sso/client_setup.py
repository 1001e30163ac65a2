"""The gateway's client authentication from its settings, checked against discovery.

    PORTALGATE_TOKEN_ENDPOINT_AUTH_METHOD ─▶ in token_endpoint_auth_methods_supported?
      client_secret_basic / client_secret_post ─▶ PORTALGATE_CLIENT_SECRET
      private_key_jwt ─▶ PORTALGATE_CLIENT_PRIVATE_KEY_FILE or _CLIENT_PRIVATE_KEY
                      ─▶ parsed key, algorithm (in the provider's signing algs?), kid

Called once at start-up; every problem is a ConfigError naming the setting to change and
what the provider supports, never the secret or the key.
"""

from __future__ import annotations

from config.errors import ConfigError
from config.settings import Settings
from sso.client_auth import ClientAuthentication, ClientSecretBasic, ClientSecretPost, PrivateKeyJwt
from sso.client_key import ClientKeyError, algorithm_for, jwk_thumbprint, parse_private_key
from sso.discovery import OidcMetadata

__all__ = ["client_authentication", "has_client_credentials"]

_ENV = "environment"
_METHOD = "PORTALGATE_TOKEN_ENDPOINT_AUTH_METHOD"
_KEY_FILE = "PORTALGATE_CLIENT_PRIVATE_KEY_FILE"
_KEY_ENV = "PORTALGATE_CLIENT_PRIVATE_KEY"
_KEY_METHODS = frozenset({"private_key_jwt"})  # methods that sign with a key, not a secret


def has_client_credentials(settings: Settings) -> bool:
    """Whether the settings name a client and something to authenticate it with."""
    if not settings.client_id:
        return False
    if settings.token_endpoint_auth_method in _KEY_METHODS:
        return True  # a missing key is an error `client_authentication` explains
    return settings.client_secret is not None


def client_authentication(settings: Settings, metadata: OidcMetadata) -> ClientAuthentication:
    """The configured method, ready to sign requests; raises ConfigError."""
    method = settings.token_endpoint_auth_method
    # OIDC Discovery §3: an absent list means client_secret_basic only, but many
    # providers omit it while supporting more, so only a published list is checked.
    supported = metadata.token_endpoint_auth_methods_supported
    if supported and method not in supported:
        raise ConfigError(
            _ENV,
            _METHOD,
            f"the identity provider does not support {method!r} "
            f"(it supports: {', '.join(supported)})",
        )
    if method in _KEY_METHODS:
        return _private_key_jwt(settings, metadata)
    if settings.client_secret is None:
        raise ConfigError(
            _ENV, "PORTALGATE_CLIENT_SECRET", f"{method} needs the client secret; set it"
        )
    if method == "client_secret_post":
        return ClientSecretPost(settings.client_secret)
    return ClientSecretBasic(settings.client_secret)


def _private_key_jwt(settings: Settings, metadata: OidcMetadata) -> PrivateKeyJwt:
    pem, where = _key_source(settings)
    try:
        key = parse_private_key(pem)
    except ClientKeyError as exc:
        raise ConfigError(_ENV, where, str(exc)) from None
    try:
        algorithm = algorithm_for(key, settings.client_assertion_alg)
    except ClientKeyError as exc:
        raise ConfigError(_ENV, "PORTALGATE_CLIENT_ASSERTION_ALG", str(exc)) from None
    signing = metadata.token_endpoint_auth_signing_alg_values_supported
    if signing and algorithm not in signing:
        raise ConfigError(
            _ENV,
            "PORTALGATE_CLIENT_ASSERTION_ALG",
            f"the identity provider does not accept {algorithm} client assertions "
            f"(it accepts: {', '.join(signing)})",
        )
    audience = metadata.issuer if settings.client_assertion_audience == "issuer" else None
    return PrivateKeyJwt(
        key=key,
        algorithm=algorithm,
        key_id=settings.client_private_key_id or jwk_thumbprint(key),
        audience=audience,
    )


def _key_source(settings: Settings) -> tuple[bytes, str]:
    """The PEM bytes and the name of the setting they came from."""
    path, inline = settings.client_private_key_file, settings.client_private_key
    if path is not None and inline is not None:
        raise ConfigError(_ENV, _KEY_FILE, f"set {_KEY_FILE} or {_KEY_ENV}, not both")
    if inline is not None:
        return inline.get_secret_value().encode(), _KEY_ENV
    if path is None:
        needed = f"private_key_jwt needs the client's private key: set {_KEY_FILE} or {_KEY_ENV}"
        raise ConfigError(_ENV, _KEY_FILE, needed)
    try:
        return path.read_bytes(), f"{_KEY_FILE} ({path})"
    except OSError as exc:
        raise ConfigError(_ENV, _KEY_FILE, f"cannot read {path} ({exc.strerror})") from None
