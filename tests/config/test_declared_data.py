"""The registry's `data:` section: flat read-only data declared without code.

Each entry becomes a read capability whose record is made at start-up; the names and
types are checked when the registry loads, each problem a ConfigError naming the key.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from config.errors import ConfigError
from config.registry import Registry, load_registry
from connectors.kinds import discover_kinds
from connectors.records import Capability, Record
from tests.config.test_registry import ENV, example, write


def load(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], installed: list[Any] | None = None
) -> Registry:
    data = example()
    edit(data)
    return load_registry(write(tmp_path, data), ENV, discover_kinds(), installed or [])


def declare(fields: dict[str, Any], name: str = "loyalty") -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["data"] = {name: {"description": "Points.", "fields": fields}}

    return edit


def test_declared_data_becomes_a_read_capability_with_a_record(tmp_path: Path) -> None:
    registry = load(
        tmp_path,
        declare({"points": "Int", "joined": "DateTime", "rewards": [{"until": "Date"}]}),
    )

    [capability] = registry.declared
    assert capability is registry.capabilities["loyalty"]
    assert (capability.kind, capability.optional, capability.description) == (
        "read",
        True,
        "Points.",
    )
    assert registry.unowned == ("loyalty",)  # no connector owns it: it answers null
    record = capability.record.model_validate({"points": 3, "rewards": [{"until": "2027-01-31"}]})
    assert record.points == 3  # type: ignore[attr-defined]
    assert record.joined is None  # type: ignore[attr-defined]
    assert record.rewards[0].until == datetime.date(2027, 1, 31)  # type: ignore[attr-defined]
    assert type(record.rewards[0]).__name__ == "LoyaltyRewards"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        capability.record.model_validate({"points": 3, "unknown": 1})


@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        (
            declare({"points": "Integer"}),
            "data.loyalty.fields",
            "points: unknown type 'Integer' (known: Int, Float, String, Boolean, Date, DateTime)",
        ),
        (
            declare({"Points": "Int"}),
            "data.loyalty.fields",
            "Points: 'Points' must be lower snake_case (a-z, 0-9, _), starting with a letter",
        ),
        (
            declare({"rewards": ["String", "Int"]}),
            "data.loyalty.fields",
            "rewards: a list gives one item type, e.g. [String] or [{a: Int}]",
        ),
        (
            declare({"a": {"b": {"c": {"d": {"e": "Int"}}}}}),
            "data.loyalty.fields",
            "a.b.c: nests deeper than 3 objects; keep the data flat",
        ),
        (declare({}), "data.loyalty.fields", "Dictionary should have at least 1 item"),
        (
            declare({"points": "Int"}, name="loyalty-points"),
            "data.loyalty-points",
            "'loyalty-points' must be lower snake_case (a-z, 0-9, _), starting with a letter",
        ),
        (
            declare({"class": "Int"}),
            "data.loyalty.fields",
            "class: 'class' is a reserved word",
        ),
        (
            declare({"points": "Int"}, name="profile"),
            "data.profile",
            "'profile' is already a capability; give the data a name of its own",
        ),
    ],
)
def test_a_bad_declaration_names_its_key(
    tmp_path: Path, edit: Callable[[dict[str, Any]], None], key: str, problem: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, edit)
    assert caught.value.key == key
    assert problem in caught.value.problem


def test_a_rest_connector_maps_declared_data_like_a_built_in(tmp_path: Path) -> None:
    def owned(data: dict[str, Any]) -> None:
        declare({"points": "Int"})(data)
        data["connectors"]["billing"]["owns"].append("loyalty")
        data["connectors"]["billing"]["config"]["capabilities"]["loyalty"] = {
            "request": {"path": "/loyalty/{id}"},
            "response": {"record": {"points": "balance"}},
        }

    registry = load(tmp_path, owned)
    assert registry.owner("loyalty") == "billing"
    assert registry.unowned == ()


def test_a_required_capability_without_an_owner_stops_the_start(tmp_path: Path) -> None:
    class Points(Record):
        points: int

    required = Capability("points", Points, optional=False)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, lambda data: None, [required])
    assert (caught.value.key, caught.value.problem) == ("connectors", "no connector owns: points")


def test_every_built_in_capability_is_optional(tmp_path: Path) -> None:
    def only_crm(data: dict[str, Any]) -> None:
        for name in ("orders", "billing", "support"):
            del data["connectors"][name]
            del data["identity"]["links"][name]
        data["cache"].pop("order_items")

    registry = load(tmp_path, only_crm)
    assert set(registry.owners) == {"profile", "update_profile", "support_party"}
    assert "cases" in registry.unowned and "open_ticket" in registry.unowned
