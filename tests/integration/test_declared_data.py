"""A loyalty-points portal added by configuration alone: `data:` in the registry.

The registry declares the data's fields, a `kind: rest` connector owns the new capability
and maps the portal's JSON as it would any built-in, and the token links the customer's
member number (a JSON integer). `viewer { loyalty { ... } }` then answers over HTTP, the
schema shows the type, and entries are cached per customer like built-in records.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from demo.portals.loyalty import LoyaltyMember, LoyaltyPortal, Reward
from demo.stack import DemoStack
from gateway.cli import main
from tests.integration.conftest import open_gateway

API_KEY = "loyalty-test-key"
MEMBERS = (
    LoyaltyMember(
        4711,
        1250,
        "GOLD",
        rewards=(Reward("Free coffee", "2027-01-31"), Reward("10 % off", "2027-03-01")),
    ),
    LoyaltyMember(4712, 80),  # no tier yet: the portal sends no `status` at all
)
LOYALTY_QUERY = "{ viewer { loyalty { points tier rewards { name until } } } }"
RegistryVariant = Callable[[Callable[[dict[str, Any]], None]], Path]


@pytest.fixture
async def loyalty() -> AsyncIterator[LoyaltyPortal]:
    async with LoyaltyPortal(MEMBERS, api_key=API_KEY) as portal:
        yield portal


def with_loyalty(url: str, key_file: Path) -> Callable[[dict[str, Any]], None]:
    """The example registry plus the loyalty portal, declared and owned by configuration."""

    def edit(data: dict[str, Any]) -> None:
        data["data"] = {
            "loyalty": {
                "description": "Points and rewards from the loyalty programme.",
                "fields": {
                    "points": "Int",
                    "tier": "String",
                    "rewards": [{"name": "String", "until": "Date"}],
                },
            }
        }
        data["connectors"]["loyalty"] = {
            "kind": "rest",
            "owns": ["loyalty"],
            "auth": {"scheme": "api_key", "header": "X-Api-Key", "secret": {"file": str(key_file)}},
            "config": {
                "base_url": url,
                "capabilities": {
                    "loyalty": {
                        "request": {"path": "/loyalty/members/{id}"},
                        "response": {
                            "record": {
                                "points": "balance.points",
                                "tier": "status",
                                "rewards": {
                                    "each": "rewards",
                                    "fields": {"name": "title", "until": "validUntil"},
                                },
                            }
                        },
                    }
                },
            },
        }
        data["identity"]["links"]["loyalty"] = {"claim": "loyalty"}
        data["cache"]["loyalty"] = {"ttl_s": 60}

    return edit


@pytest.fixture
def loyalty_registry(
    loyalty: LoyaltyPortal, registry_variant: RegistryVariant, tmp_path: Path
) -> Path:
    key_file = tmp_path / "loyalty.key"
    key_file.write_text(API_KEY)
    return registry_variant(with_loyalty(loyalty.url, key_file))


@contextlib.contextmanager
def portal_urls(stack: DemoStack) -> Any:
    """The example registry's ${VAR}s in os.environ, as `portalgate schema` reads them."""
    saved = {name: os.environ.get(name) for name in stack.env}
    os.environ.update(stack.env)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_portalgate_schema_shows_the_declared_data(
    stack: DemoStack, loyalty_registry: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with portal_urls(stack):
        assert main(["schema", "--config", str(loyalty_registry)]) == 0
    sdl = capsys.readouterr().out

    assert '"""Points and rewards from the loyalty programme."""\ntype Loyalty {' in sdl
    loyalty_type = sdl.split("type Loyalty {\n", 1)[1].split("}", 1)[0]
    # The fields in the order the file lists them (the test's YAML writer sorts keys).
    assert loyalty_type.splitlines() == [
        "  points: Int",
        "  rewards: [LoyaltyRewards!]",
        "  tier: String",
    ]
    assert "type LoyaltyRewards {\n  name: String\n  until: Date\n}" in sdl
    assert "  loyalty: Loyalty\n}" in sdl  # the last field of Viewer


def test_without_a_registry_portalgate_schema_has_no_declared_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema"]) == 0
    assert "Loyalty" not in capsys.readouterr().out


async def test_declared_data_is_answered_over_http_with_an_integer_member_number(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    loyalty: LoyaltyPortal,
    loyalty_registry: Path,
) -> None:
    async with open_gateway(stack, tracer_provider, registry_path=loyalty_registry) as gateway:
        gold = await gateway.query(LOYALTY_QUERY, links={"loyalty": 4711})
        newcomer = await gateway.query(LOYALTY_QUERY, "cust-002", links={"loyalty": "4712"})
        nobody = await gateway.query(LOYALTY_QUERY, "cust-003", links={})

    assert "errors" not in gold
    assert gold["data"]["viewer"]["loyalty"] == {
        "points": 1250,
        "tier": "GOLD",
        "rewards": [
            {"name": "Free coffee", "until": "2027-01-31"},
            {"name": "10 % off", "until": "2027-03-01"},
        ],
    }
    # A field the portal does not send is null, not made up.
    assert newcomer["data"]["viewer"]["loyalty"] == {"points": 80, "tier": None, "rewards": []}
    assert nobody == {"data": {"viewer": {"loyalty": None}}}


async def test_declared_data_is_cached_per_customer(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    loyalty: LoyaltyPortal,
    loyalty_registry: Path,
) -> None:
    async with open_gateway(stack, tracer_provider, registry_path=loyalty_registry) as gateway:
        loyalty.reset_counts()
        first = await gateway.query(LOYALTY_QUERY, links={"loyalty": 4711})
        again = await gateway.query(LOYALTY_QUERY, links={"loyalty": 4711})
        # Another customer whose token names the same member number: never the first
        # customer's cache entry.
        other = await gateway.query(LOYALTY_QUERY, "cust-002", links={"loyalty": 4711})

    assert first == again == other
    assert loyalty.requests["member"] == 2


def test_a_data_name_that_clashes_with_the_schema_fails_the_check(
    stack: DemoStack, registry_variant: RegistryVariant, capsys: pytest.CaptureFixture[str]
) -> None:
    def clash(data: dict[str, Any]) -> None:
        data["data"] = {"ticket": {"fields": {"points": "Int"}}}

    with portal_urls(stack):
        assert main(["check", str(registry_variant(clash))]) == 2
    assert "data: Type Ticket is defined multiple times in the schema" in capsys.readouterr().err
