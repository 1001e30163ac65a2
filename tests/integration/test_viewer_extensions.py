"""A capability added by an installed package: record, schema type and resolver, no fork.

The package (tests/extensions/badges.py) is what a company would publish with an entry
point in the group `portalgate.extensions`. The gateway is given it directly here (as
tests give connector kinds); the entry-point lookup itself is tested on its own with
real `importlib.metadata.EntryPoint`s that import the package.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from config.errors import ConfigError
from demo.portals.loyalty import Badge, LoyaltyMember, LoyaltyPortal
from demo.stack import DemoStack
from gateway.extensions import discover_extensions, load_with_extensions
from schema.viewer_extensions import ENTRY_POINT_GROUP
from tests.extensions.badges import EXTENSION
from tests.integration.conftest import open_gateway

API_KEY = "badges-test-key"
RegistryVariant = Callable[[Callable[[dict[str, Any]], None]], Path]


def entry_point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


def test_an_extension_is_found_through_its_entry_point() -> None:
    found = discover_extensions(
        lambda group: (
            [entry_point("badges", "tests.extensions.badges:EXTENSION")]
            if group == ENTRY_POINT_GROUP
            else []
        )
    )
    assert found == (EXTENSION,)


@pytest.mark.parametrize(
    ("points", "problem"),
    [
        (
            [entry_point("badges", "tests.extensions.badges:NOT_AN_EXTENSION")],
            "entry point portalgate.extensions:badges: "
            "is not a schema.viewer_extensions.ViewerExtension",
        ),
        (
            [
                entry_point("badges", "tests.extensions.badges:EXTENSION"),
                entry_point("badges", "tests.extensions.badges:EXTENSION"),
            ],
            "entry point portalgate.extensions:badges: "
            "registered twice (tests.extensions.badges:EXTENSION)",
        ),
    ],
)
def test_an_unusable_entry_point_is_a_configuration_error(
    points: list[EntryPoint], problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        discover_extensions(lambda group: points)
    assert str(caught.value) == problem


def test_nothing_is_installed_in_the_group_here() -> None:
    assert discover_extensions() == ()


@pytest.fixture
async def badges_portal() -> AsyncIterator[LoyaltyPortal]:
    member = LoyaltyMember(
        4711,
        10,
        badges=(
            Badge("early-bird", "2026-01-05T09:00:00Z"),
            Badge("big-spender", "2026-06-30T18:30:00Z"),
        ),
    )
    async with LoyaltyPortal([member], api_key=API_KEY) as portal:
        yield portal


def with_badges(url: str, key_file: Path) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["connectors"]["loyalty"] = {
            "kind": "rest",
            "owns": ["badges"],
            "auth": {"scheme": "api_key", "header": "X-Api-Key", "secret": {"file": str(key_file)}},
            "config": {
                "base_url": url,
                "capabilities": {
                    "badges": {
                        "request": {"path": "/loyalty/members/{id}/badges"},
                        "response": {
                            "record": {
                                "badges": {
                                    "each": "badges",
                                    "fields": {"code": "code", "earned_at": "earnedAt"},
                                }
                            }
                        },
                    }
                },
            },
        }
        data["identity"]["links"]["loyalty"] = {"claim": "loyalty"}

    return edit


async def test_an_installed_capability_is_served_under_viewer(
    stack: DemoStack,
    tracer_provider: TracerProvider,
    badges_portal: LoyaltyPortal,
    registry_variant: RegistryVariant,
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "loyalty.key"
    key_file.write_text(API_KEY)
    path = registry_variant(with_badges(badges_portal.url, key_file))
    async with open_gateway(
        stack, tracer_provider, registry_path=path, extensions=[EXTENSION]
    ) as gateway:
        body = await gateway.query(
            "{ viewer { badges(newest: 1) { code earnedAt } } }", links={"loyalty": 4711}
        )
        sdl = gateway.runtime.schema.as_str()

    assert body == {
        "data": {
            "viewer": {"badges": [{"code": "big-spender", "earnedAt": "2026-06-30T18:30:00+00:00"}]}
        }
    }
    assert "badges(newest: Int! = 10): [Badge!]" in sdl


def test_without_the_extension_the_registry_does_not_know_its_capability(
    registry_variant: RegistryVariant, tmp_path: Path, stack: DemoStack
) -> None:
    path = registry_variant(with_badges("http://127.0.0.1:9", tmp_path / "key"))
    with pytest.raises(ConfigError) as caught:
        load_with_extensions(path, stack.env, ())
    assert "unknown capability 'badges'" in str(caught.value)
    assert load_with_extensions(path, stack.env, [EXTENSION]).owner("badges") == "loyalty"


def test_registry_data_may_not_take_an_installed_capability_name(
    registry_variant: RegistryVariant, stack: DemoStack
) -> None:
    def clash(data: dict[str, Any]) -> None:
        data["data"] = {"badges": {"fields": {"count": "Int"}}}

    with pytest.raises(ConfigError) as caught:
        load_with_extensions(registry_variant(clash), stack.env, [EXTENSION])
    assert str(caught.value).endswith(
        "data.badges: 'badges' is already a capability; give the data a name of its own"
    )
