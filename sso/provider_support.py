"""Start-up checks of what the gateway will ask for against the provider's discovery document.

    needed grants (browser login, refresh, connectors, acting) ─▶ grant_types_supported
    login scopes                                                ─▶ scopes_supported
    PKCE S256                                                   ─▶ code_challenge_methods_supported

Each finding names the setting (or registry key) to change and what the provider lists.
A grant or PKCE method missing from a list the provider publishes is fatal where the
gateway cannot work without it; an absent list proves nothing (OpenID Connect Discovery
§3: the default is code and implicit; Entra ID publishes no grant list at all). Scopes
are only warned about: providers may leave scopes out of `scopes_supported`, and API
scopes (Auth0, Entra ID) are never listed there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sso.discovery import OidcMetadata
from sso.login_request import OFFLINE_ACCESS, LoginRequest

__all__ = ["Finding", "GrantNeed", "check_provider_support"]

_ENV = "environment"


@dataclass(frozen=True, slots=True)
class GrantNeed:
    """A grant type something configured will use: where it is configured, and whether the
    gateway can start without it (`purpose` says what stops working)."""

    grant_type: str
    source: Path | str | None
    key: str
    purpose: str
    fatal: bool = True


@dataclass(frozen=True, slots=True)
class Finding:
    """One mismatch: `fatal` ones stop the start (as ConfigError), the others are logged."""

    source: Path | str | None
    key: str
    problem: str
    fatal: bool


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values) if values else "nothing"


def check_provider_support(
    metadata: OidcMetadata,
    grants: list[GrantNeed],
    login: LoginRequest | None = None,
    *,
    refresh_wanted: bool = False,
) -> list[Finding]:
    """Every mismatch between the configuration and `metadata`, fatal ones first."""
    findings: list[Finding] = []
    supported = metadata.grant_types_supported
    if supported:
        for need in grants:
            if need.grant_type not in supported:
                findings.append(
                    Finding(
                        need.source,
                        need.key,
                        f"{need.purpose} needs the {need.grant_type} grant, and the identity "
                        f"provider {metadata.issuer} lists only: {_listed(supported)}",
                        need.fatal,
                    )
                )
    if login is not None:
        findings += _login_findings(metadata, login, refresh_wanted=refresh_wanted)
    return sorted(findings, key=lambda finding: not finding.fatal)


def _login_findings(
    metadata: OidcMetadata, login: LoginRequest, *, refresh_wanted: bool
) -> list[Finding]:
    findings: list[Finding] = []
    methods = metadata.code_challenge_methods_supported
    if methods and "S256" not in methods:
        findings.append(
            Finding(
                _ENV,
                "PORTALGATE_ISSUER",
                "browser sign-in uses PKCE with S256, and the identity provider lists only "
                f"code_challenge_methods_supported: {_listed(methods)}",
                True,
            )
        )
    scopes = metadata.scopes_supported
    unlisted = [s for s in login.scopes if scopes and s not in scopes]
    if unlisted:
        findings.append(
            Finding(
                _ENV,
                "PORTALGATE_LOGIN_SCOPES",
                f"the identity provider does not list {', '.join(unlisted)} in "
                f"scopes_supported ({_listed(scopes)}); if the login fails with invalid_scope, "
                "remove them",
                False,
            )
        )
    if refresh_wanted and not login.asks_offline_access:
        findings.append(
            Finding(
                _ENV,
                "PORTALGATE_LOGIN_REFRESH",
                f"the identity provider does not list {OFFLINE_ACCESS} in scopes_supported, so "
                "it is not asked for: sessions end when their first access token expires unless "
                f"the provider issues refresh tokens anyway (add {OFFLINE_ACCESS} to "
                "PORTALGATE_LOGIN_SCOPES if it supports it unlisted)",
                False,
            )
        )
    return findings
