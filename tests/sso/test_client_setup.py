"""Start-up checks of the gateway's client authentication: the method against the
provider's discovery document, and the private key for private_key_jwt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import SecretStr

from config.errors import ConfigError
from config.settings import Settings
from sso.client_auth import ClientSecretBasic, ClientSecretPost, PrivateKeyJwt
from sso.client_key import jwk_thumbprint
from sso.client_setup import client_authentication
from sso.discovery import OidcMetadata
from tests.sso.loopback_idp import Keys

ISSUER = "https://idp.example.com"


def metadata(**document: Any) -> OidcMetadata:
    return OidcMetadata.model_validate(
        {
            "issuer": ISSUER,
            "jwks_uri": f"{ISSUER}/jwks",
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            **document,
        }
    )


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def settings(**values: Any) -> Settings:
    return Settings(issuer=ISSUER, client_id="portalgate", **values)


def test_a_method_the_provider_does_not_list_names_the_setting_and_what_it_supports() -> None:
    with pytest.raises(ConfigError) as caught:
        client_authentication(
            settings(
                client_secret=SecretStr("s3cret"), token_endpoint_auth_method="client_secret_post"
            ),
            metadata(
                token_endpoint_auth_methods_supported=["client_secret_basic", "private_key_jwt"]
            ),
        )
    assert caught.value.key == "PORTALGATE_TOKEN_ENDPOINT_AUTH_METHOD"
    assert "client_secret_basic, private_key_jwt" in caught.value.problem
    assert "s3cret" not in str(caught.value)


def test_the_secret_methods_are_built_when_supported_or_unlisted() -> None:
    secret = SecretStr("s3cret")
    basic = client_authentication(settings(client_secret=secret), metadata())
    post = client_authentication(
        settings(client_secret=secret, token_endpoint_auth_method="client_secret_post"),
        metadata(token_endpoint_auth_methods_supported=["client_secret_post"]),
    )
    assert isinstance(basic, ClientSecretBasic) and isinstance(post, ClientSecretPost)
    assert "s3cret" not in repr(basic) + repr(post)


def test_private_key_jwt_from_a_file_uses_the_thumbprint_as_kid(keys: Keys, tmp_path: Path) -> None:
    path = tmp_path / "client.pem"
    path.write_text(pem(keys.rsa))
    method = client_authentication(
        settings(token_endpoint_auth_method="private_key_jwt", client_private_key_file=path),
        metadata(token_endpoint_auth_methods_supported=["private_key_jwt"]),
    )
    assert isinstance(method, PrivateKeyJwt)
    assert (method.algorithm, method.key_id) == ("RS256", jwk_thumbprint(keys.rsa))
    assert pem(keys.rsa) not in repr(method)

    proof = method.proof("portalgate", f"{ISSUER}/token")
    assertion = proof.form["client_assertion"]
    claims = jwt.decode(
        assertion, keys.rsa.public_key(), algorithms=["RS256"], audience=f"{ISSUER}/token"
    )
    assert claims["iss"] == claims["sub"] == "portalgate"
    assert 0 < claims["exp"] - claims["iat"] <= 60
    assert jwt.get_unverified_header(assertion)["kid"] == method.key_id
    again = method.proof("portalgate", f"{ISSUER}/token").form["client_assertion"]
    assert jwt.decode(again, options={"verify_signature": False})["jti"] != claims["jti"]


def test_private_key_jwt_from_the_environment_with_kid_alg_and_issuer_audience(
    keys: Keys,
) -> None:
    method = client_authentication(
        settings(
            token_endpoint_auth_method="private_key_jwt",
            client_private_key=SecretStr(pem(keys.rsa)),
            client_private_key_id="key-2026",
            client_assertion_alg="PS256",
            client_assertion_audience="issuer",
        ),
        metadata(token_endpoint_auth_signing_alg_values_supported=["PS256", "ES256"]),
    )
    assertion = method.proof("portalgate", f"{ISSUER}/token").form["client_assertion"]
    assert jwt.get_unverified_header(assertion) == {"alg": "PS256", "kid": "key-2026", "typ": "JWT"}
    jwt.decode(assertion, keys.rsa.public_key(), algorithms=["PS256"], audience=ISSUER)


@pytest.mark.parametrize(
    ("values", "key", "says"),
    [
        ({}, "PORTALGATE_CLIENT_PRIVATE_KEY_FILE", "PORTALGATE_CLIENT_PRIVATE_KEY"),
        (
            {"client_private_key_file": Path("/nonexistent/client.pem")},
            "PORTALGATE_CLIENT_PRIVATE_KEY_FILE",
            "cannot read /nonexistent/client.pem",
        ),
        (
            {"client_private_key": SecretStr("-----BEGIN PRIVATE KEY-----\nnot-a-key\n")},
            "PORTALGATE_CLIENT_PRIVATE_KEY",
            "not a PEM private key",
        ),
        (
            {"client_private_key": SecretStr("<encrypted>")},
            "PORTALGATE_CLIENT_PRIVATE_KEY",
            "encrypted",
        ),
        (
            {"client_private_key": SecretStr("<weak>")},
            "PORTALGATE_CLIENT_PRIVATE_KEY",
            "at least 2048 bits",
        ),
        (
            {"client_private_key": SecretStr("<ec>"), "client_assertion_alg": "RS256"},
            "PORTALGATE_CLIENT_ASSERTION_ALG",
            "RS256 cannot be signed with an EC P-256 key",
        ),
        (
            {"client_private_key": SecretStr("<rsa>")},
            "PORTALGATE_CLIENT_ASSERTION_ALG",
            "accepts: ES256",
        ),
    ],
)
def test_a_bad_or_missing_key_names_the_setting_never_the_key(
    keys: Keys, values: dict[str, Any], key: str, says: str
) -> None:
    material = {
        "<encrypted>": pem(keys.rsa, b"pass"),
        "<weak>": pem(keys.rsa_weak),
        "<ec>": pem(keys.ec256),
        "<rsa>": pem(keys.rsa),
    }
    given = values.get("client_private_key")
    if given is not None and given.get_secret_value() in material:
        values = {**values, "client_private_key": SecretStr(material[given.get_secret_value()])}
    with pytest.raises(ConfigError) as caught:
        client_authentication(
            settings(token_endpoint_auth_method="private_key_jwt", **values),
            metadata(token_endpoint_auth_signing_alg_values_supported=["ES256"]),
        )
    assert caught.value.key.startswith(key)
    assert says in caught.value.problem
    for secret in material.values():
        assert "PRIVATE KEY" not in str(caught.value)
        assert secret.splitlines()[1] not in str(caught.value)
