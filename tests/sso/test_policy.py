"""TokenPolicy refuses unsafe settings at start-up, before any token is seen."""

from __future__ import annotations

from typing import Any

import pytest

from sso.tokens import TokenPolicy
from tests.sso.loopback_idp import AUDIENCE


@pytest.mark.parametrize(
    ("algorithms", "message"),
    [
        (("none",), "none"),
        (("RS256", "None"), "none"),
        (("HS256",), "HS256"),
        (("RS256", "HS512"), "HS512"),
        ((), "at least one"),
        (("ES521",), "not supported"),
    ],
)
def test_policy_refuses_unsafe_algorithms(algorithms: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TokenPolicy(issuer="https://idp.example", audience=AUDIENCE, algorithms=algorithms)


@pytest.mark.parametrize(
    "overrides",
    [
        {"issuer": ""},
        {"audience": ""},
        {"audience": []},
        {"leeway_s": -1},
        {"leeway_s": 3600},
        {"required_claims": ("sub", "iat")},
        {"max_token_bytes": 0},
    ],
)
def test_policy_refuses_unsafe_settings(overrides: dict[str, Any]) -> None:
    settings: dict[str, Any] = {"issuer": "https://idp.example", "audience": AUDIENCE}
    with pytest.raises(ValueError, match="TokenPolicy"):
        TokenPolicy(**(settings | overrides))


def test_policy_with_a_list_audience_is_hashable() -> None:
    policy = TokenPolicy(issuer="https://idp.example", audience=["a", "b"])
    assert policy.audience == ("a", "b")
    assert hash(policy) == hash(TokenPolicy(issuer="https://idp.example", audience=["a", "b"]))


def test_policy_refuses_a_bare_string_of_algorithms() -> None:
    with pytest.raises(ValueError, match="tuple"):
        TokenPolicy(issuer="https://idp.example", audience=AUDIENCE, algorithms="RS256")  # type: ignore[arg-type]


def test_policy_normalises_token_types() -> None:
    policy = TokenPolicy(
        issuer="https://idp.example", audience=AUDIENCE, token_types=("application/AT+JWT",)
    )
    assert policy.token_types == ("at+jwt",)
