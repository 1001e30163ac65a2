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
