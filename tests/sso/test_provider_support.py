"""Start-up checks of the configuration against a discovery document (pure functions).

The documents are built in the test: they stand for providers we cannot run here (one
without S256, one that publishes no lists, as Entra ID does not publish grant types).
"""

from __future__ import annotations

from typing import Any

from sso.discovery import OidcMetadata
from sso.login_request import LoginRequest, plan_login_request
from sso.provider_support import GrantNeed, check_provider_support

ISSUER = "https://idp.example.com"


def metadata(**fields: Any) -> OidcMetadata:
    return OidcMetadata(
        issuer=ISSUER,
        jwks_uri=f"{ISSUER}/jwks",
        authorization_endpoint=f"{ISSUER}/authorize",
        token_endpoint=f"{ISSUER}/token",
        **fields,
    )


def test_a_provider_without_s256_stops_the_start_naming_the_issuer_setting() -> None:
    (finding,) = check_provider_support(
        metadata(code_challenge_methods_supported=("plain",)), [], LoginRequest()
    )

    assert finding.fatal
    assert finding.key == "PORTALGATE_ISSUER"
    assert "S256" in finding.problem and "plain" in finding.problem


def test_a_provider_that_publishes_no_lists_is_not_second_guessed() -> None:
    needs = [GrantNeed("client_credentials", "registry.yaml", "connectors.x.auth.scheme", "x")]

    assert check_provider_support(metadata(), needs, LoginRequest()) == []


def test_fatal_findings_come_first_and_name_the_registry_key() -> None:
    needs = [
        GrantNeed("refresh_token", "environment", "PORTALGATE_LOGIN_REFRESH", "r", fatal=False),
        GrantNeed("client_credentials", "registry.yaml", "connectors.x.auth.scheme", "x"),
    ]

    findings = check_provider_support(
        metadata(grant_types_supported=("authorization_code",)), needs
    )

    assert [(f.key, f.fatal) for f in findings] == [
        ("connectors.x.auth.scheme", True),
        ("PORTALGATE_LOGIN_REFRESH", False),
    ]
    assert "lists only: authorization_code" in findings[0].problem


def test_offline_access_is_asked_for_with_consent_only_where_listed() -> None:
    listed = metadata(scopes_supported=("openid", "offline_access"))

    asked = plan_login_request(listed, scopes=("openid",))
    not_listed = plan_login_request(metadata(scopes_supported=("openid",)), scopes=("openid",))
    no_prompt = plan_login_request(listed, scopes=("openid",), extra_params={"prompt": ""})

    assert asked.scope == "openid offline_access"
    assert ("prompt", "consent") in asked.authorization_params()
    assert not_listed.scope == "openid"
    assert not any(name == "prompt" for name, _ in not_listed.authorization_params())
    assert not any(name == "prompt" for name, _ in no_prompt.authorization_params())


def test_every_resource_is_in_the_authorization_request_and_the_first_at_the_token_endpoint() -> (
    None
):
    request = plan_login_request(
        metadata(), scopes=("openid",), resources=("https://api.example.com/", "urn:other")
    )

    assert [v for k, v in request.authorization_params() if k == "resource"] == [
        "https://api.example.com/",
        "urn:other",
    ]
    assert request.token_resource == ("https://api.example.com/",)
