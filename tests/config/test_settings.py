"""Settings refuse cookie names a browser would silently drop."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config.settings import Settings


def test_cookie_names_are_host_prefixed_by_default() -> None:
    settings = Settings()
    assert settings.cookie_name.startswith("__Host-")
    assert settings.login_cookie_name.startswith("__Host-")
    assert settings.cookie_secure is True


def test_a_prefixed_cookie_name_without_secure_is_a_start_up_error_naming_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTALGATE_COOKIE_SECURE", "false")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "PORTALGATE_COOKIE_NAME='__Host-Http-portalgate_session'" in str(caught.value)

    monkeypatch.setenv("PORTALGATE_COOKIE_NAME", "portalgate_session")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "PORTALGATE_LOGIN_COOKIE_NAME" in str(caught.value)

    monkeypatch.setenv("PORTALGATE_LOGIN_COOKIE_NAME", "portalgate_login")
    assert Settings().cookie_secure is False


def test_the_redis_prefix_defaults_to_pg_and_refuses_glob_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().redis_prefix == "pg"
    monkeypatch.setenv("PORTALGATE_REDIS_PREFIX", "team-a.gateway_1")
    assert Settings().redis_prefix == "team-a.gateway_1"
    for bad in ("", "pg*", "a b", "x:y"):
        monkeypatch.setenv("PORTALGATE_REDIS_PREFIX", bad)
        with pytest.raises(ValidationError, match="redis_prefix"):
            Settings()


def test_login_settings_refuse_what_cannot_work_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match="PORTALGATE_LOGIN_SCOPES must include openid"):
        Settings(login_scopes=("profile",))
    with pytest.raises(ValidationError, match="PORTALGATE_LOGIN_RESOURCE: 'api' is not"):
        Settings(login_resource=("api",))
    with pytest.raises(ValidationError, match="PORTALGATE_LOGIN_EXTRA_PARAMS may not set scope"):
        Settings(login_extra_params={"scope": "openid admin"})
    fine = Settings(login_resource=("https://api.example.com/",), login_extra_params={"x": "1"})
    assert fine.login_refresh is True
