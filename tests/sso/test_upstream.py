"""UpstreamCredentials: secrets referenced by env or file, resolved once at start."""

from __future__ import annotations

from base64 import b64decode
from pathlib import Path

import pydantic
import pytest

from config.errors import ConfigError
from config.upstream_auth import (
    ApiKeyAuth,
    AuthConfig,
    BasicAuth,
    NoAuth,
    SecretRef,
    StaticBearerAuth,
)
from connectors.principal import Principal
from sso.upstream import UpstreamCredentials

SOURCE = Path("registry.yaml")
SECRETS = {
    "CRM_API_KEY": "crm-key-4f1c9a",
    "ORDERS_TOKEN": "orders-token-77be01",
    "BILLING_USER": "portalgate",
    "BILLING_PASSWORD": "billing-pw-93ad5e",
}


def scheme(raw: dict[str, object]) -> NoAuth | ApiKeyAuth | BasicAuth | StaticBearerAuth:
    """An `auth:` section as the registry loader validates it."""
    adapter: pydantic.TypeAdapter[NoAuth | ApiKeyAuth | BasicAuth | StaticBearerAuth]
    adapter = pydantic.TypeAdapter(AuthConfig)
    return adapter.validate_python(raw)


CRM = scheme({"scheme": "api_key", "header": "X-Api-Key", "secret": {"env": "CRM_API_KEY"}})
ORDERS = scheme({"scheme": "bearer", "token": {"env": "ORDERS_TOKEN"}})
BILLING = scheme(
    {
        "scheme": "basic",
        "username": {"env": "BILLING_USER"},
        "password": {"env": "BILLING_PASSWORD"},
    }
)


async def test_secrets_from_the_environment_become_request_headers() -> None:
    credentials = UpstreamCredentials(
        {"crm": CRM, "orders": ORDERS, "billing": BILLING, "open": NoAuth()}, SECRETS
    )

    crm = await credentials.for_call("crm", None)
    orders = await credentials.for_call("orders", None)
    billing = await credentials.for_call("billing", None)
    open_portal = await credentials.for_call("open", None)

    assert dict(crm.headers) == {"X-Api-Key": "crm-key-4f1c9a"}
    assert dict(orders.headers) == {"Authorization": "Bearer orders-token-77be01"}
    basic, _, encoded = billing.headers["Authorization"].partition(" ")
    assert basic == "Basic"
    assert b64decode(encoded).decode() == "portalgate:billing-pw-93ad5e"
    assert dict(open_portal.headers) == {}


async def test_a_secret_file_is_read_once_at_start_and_stripped(tmp_path: Path) -> None:
    key_file = tmp_path / "crm.key"
    key_file.write_text("from-a-file\n", encoding="utf-8")
    from_file = scheme({"scheme": "api_key", "header": "X-Key", "secret": {"file": str(key_file)}})

    credentials = UpstreamCredentials({"crm": from_file}, {})
    key_file.write_text("rotated-later", encoding="utf-8")

    assert dict((await credentials.for_call("crm", None)).headers) == {"X-Key": "from-a-file"}


async def test_static_schemes_give_every_principal_the_same_credentials() -> None:
    credentials = UpstreamCredentials({"crm": CRM}, SECRETS)
    customer = Principal(subject="cust-001", issuer="https://idp.test", token="bearer-of-cust")

    assert await credentials.for_call("crm", customer) == await credentials.for_call("crm", None)


async def test_a_connector_without_auth_gets_no_headers() -> None:
    credentials = UpstreamCredentials({"crm": CRM}, SECRETS)

    assert dict((await credentials.for_call("unknown", None)).headers) == {}


@pytest.mark.parametrize(
    ("name", "auth", "environ", "key", "where"),
    [
        ("crm", CRM, {}, "connectors.crm.auth.secret", "env CRM_API_KEY"),
        (
            "orders",
            ORDERS,
            {"ORDERS_TOKEN": ""},
            "connectors.orders.auth.token",
            "env ORDERS_TOKEN",
        ),
        (
            "billing",
            BILLING,
            {"BILLING_USER": "portalgate"},
            "connectors.billing.auth.password",
            "env BILLING_PASSWORD",
        ),
        (
            "billing",
            BILLING,
            {"BILLING_PASSWORD": "billing-pw-93ad5e"},
            "connectors.billing.auth.username",
            "env BILLING_USER",
        ),
    ],
)
def test_a_missing_secret_names_the_key_and_variable_but_no_value(
    name: str,
    auth: ApiKeyAuth | BasicAuth | StaticBearerAuth,
    environ: dict[str, str],
    key: str,
    where: str,
) -> None:
    with pytest.raises(ConfigError) as caught:
        UpstreamCredentials({name: auth}, environ, source=SOURCE)

    error = caught.value
    assert (error.file, error.key) == (str(SOURCE), key)
    assert where in error.problem
    assert str(error) == f"registry.yaml: {key}: secret not set ({where})"
    for value in environ.values():
        if value:
            assert value not in str(error)


def test_a_missing_or_empty_secret_file_is_a_config_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.key"
    empty.write_text("  \n", encoding="utf-8")
    for path in (tmp_path / "absent.key", empty):
        auth = scheme({"scheme": "bearer", "token": {"file": str(path)}})

        with pytest.raises(ConfigError) as caught:
            UpstreamCredentials({"orders": auth}, {}, source=SOURCE)

        assert caught.value.key == "connectors.orders.auth.token"
        assert caught.value.problem == f"secret not set (file {path})"


def test_the_first_missing_secret_stops_the_start_even_when_others_resolve() -> None:
    environ = {k: v for k, v in SECRETS.items() if k != "ORDERS_TOKEN"}

    with pytest.raises(ConfigError) as caught:
        UpstreamCredentials({"crm": CRM, "orders": ORDERS, "billing": BILLING}, environ)

    assert caught.value.key == "connectors.orders.auth.token"
    for value in environ.values():
        assert value not in str(caught.value)


def test_repr_names_connectors_but_no_secret() -> None:
    credentials = UpstreamCredentials({"crm": CRM, "orders": ORDERS, "billing": BILLING}, SECRETS)

    text = f"{credentials!r} {credentials}"

    assert "crm" in text and "billing" in text
    for value in SECRETS.values():
        assert value not in text
    assert "Basic " not in text and "Bearer " not in text


@pytest.mark.parametrize(
    "raw", [{}, {"env": "X", "file": "/run/secrets/x"}, {"env": "X", "value": "inline"}]
)
def test_a_secret_reference_is_exactly_one_of_env_or_file(raw: dict[str, str]) -> None:
    with pytest.raises(pydantic.ValidationError):
        SecretRef.model_validate(raw)


def test_an_auth_section_may_not_hold_a_secret_inline() -> None:
    with pytest.raises(pydantic.ValidationError):
        scheme({"scheme": "api_key", "secret": "crm-key-4f1c9a"})
    with pytest.raises(pydantic.ValidationError):
        scheme({"scheme": "bearer", "token": {"env": "T"}, "value": "inline"})
