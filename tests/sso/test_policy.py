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


def test_policy_refuses_an_unknown_use() -> None:
    with pytest.raises(ValueError, match="use"):
        TokenPolicy(issuer="https://idp.example", audience=AUDIENCE, use="refresh")  # type: ignore[arg-type]


def test_policy_requires_the_access_token_type_by_default() -> None:
    policy = TokenPolicy(issuer="https://idp.example", audience=AUDIENCE)
    assert (policy.use, policy.require_at_jwt_typ) == ("access", True)
