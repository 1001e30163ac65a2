"""The registry's identity links: where each portal's id for the customer comes from.

    identity.links.<connector>: {claim: <name>} | {path: <claim path>}
                                | {lookup: <link capability>, from: <link>}

`LinkSpec` is one entry; `check_links` holds them against the connectors and owners when
the registry loads. How a token's links are read is sso/claims.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.claims import ClaimPath
from config.errors import ConfigError
from connectors.records import Capability, Record

__all__ = ["LinkSpec", "check_links", "optional_links"]


class LinkSpec(BaseModel):
    """Where the customer's id in one portal comes from: a token claim or a lookup.

    ``claim: crm`` reads ``crm`` in the token's identity-links object (`links` unless
    `identity.claims.links` says otherwise); ``path: crm_id`` reads a claim of its own
    (a claim path, config/claims.py); ``lookup: support_party`` with ``from: crm`` loads
    the `support_party` capability keyed by the `crm` link.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    claim: str | None = None
    path: ClaimPath | None = None
    lookup: str | None = None
    from_: str | None = Field(None, alias="from")

    @model_validator(mode="after")
    def _one_source(self) -> LinkSpec:
        sources = [s for s in (self.claim, self.path, self.lookup) if s is not None]
        if not sources:
            raise ValueError("give `claim` or `lookup` (with `from`), or `path`")
        if len(sources) > 1:
            raise ValueError("give only one of `claim`, `path` and `lookup`")
        if self.claim == "":
            raise ValueError("`claim` must not be empty")
        if self.lookup is not None and self.from_ is None:
            raise ValueError("a `lookup` link needs `from` (the link that keys the lookup)")
        return self


def optional_links(
    links: Mapping[str, LinkSpec], capabilities: Mapping[str, Capability[Record]]
) -> set[str]:
    """Optional capabilities, and link capabilities no link looks up, need no owner."""
    used = {link.lookup for link in links.values() if link.lookup}
    return {
        c.name
        for c in capabilities.values()
        if c.optional or (c.kind == "link" and c.name not in used)
    }


def check_links(
    path: Path,
    links: Mapping[str, LinkSpec],
    connectors: Collection[str],
    owners: Mapping[str, str],
    capabilities: Mapping[str, Capability[Record]],
) -> None:
    """Every link is named after a connector, every lookup can be made, every owner has a
    link; the first problem is a ConfigError naming its key."""
    for name, link in links.items():
        key = f"identity.links.{name}"
        if name not in connectors:
            known = ", ".join(sorted(connectors))
            raise ConfigError(path, key, f"must be named after a connector (connectors: {known})")
        if link.lookup is None:
            continue
        if link.lookup not in capabilities or capabilities[link.lookup].kind != "link":
            raise ConfigError(path, f"{key}.lookup", f"{link.lookup!r} is not a link capability")
        if link.from_ is None or link.from_ not in links or links[link.from_].lookup is not None:
            raise ConfigError(path, f"{key}.from", "must name a link that comes from a claim")
        if owners.get(link.lookup) != link.from_:
            raise ConfigError(
                path, f"{key}.lookup", f"{link.lookup!r} must be owned by {link.from_!r}"
            )
    for capability, owner in owners.items():
        if owner not in links:
            raise ConfigError(
                path,
                "identity.links",
                f"no link for {owner!r}, which owns {capability!r}",
            )
