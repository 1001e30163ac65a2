"""InvalidToken: a fixed vocabulary and an RFC 6750 WWW-Authenticate header."""

from __future__ import annotations

from typing import Any

import pytest

from sso.errors import REASONS, InvalidToken


def test_missing_token_has_no_error_code() -> None:
    exc = InvalidToken("token is missing")
    assert exc.is_missing
    assert exc.www_authenticate() == 'Bearer realm="portalgate"'


@pytest.mark.parametrize("reason", sorted(REASONS - {"token is missing"}))
def test_every_other_reason_is_invalid_token(reason: Any) -> None:
    exc = InvalidToken(reason)
    assert exc.reason == reason
    assert str(exc) == reason
    assert exc.www_authenticate(realm="customers") == (
        f'Bearer realm="customers", error="invalid_token", error_description="{reason}"'
    )


def test_free_text_reasons_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown"):
        InvalidToken("bad token eyJhbGciOi...")  # type: ignore[arg-type]


@pytest.mark.parametrize("realm", ["", 'a"b', "a\\b", "a\r\nSet-Cookie: x=1"])
def test_realm_cannot_break_the_header(realm: str) -> None:
    with pytest.raises(ValueError, match="realm"):
        InvalidToken("token has expired").www_authenticate(realm=realm)


def test_reasons_are_header_safe() -> None:
    for reason in REASONS:
        assert reason.isascii()
        assert not set(reason) & set('"\\\r\n')
