"""Connector kinds come from the `portalgate.connectors` entry-point group.

Third-party kinds are real distributions on sys.path (a `*.dist-info` folder written to
tmp_path), found exactly as an installed package would be.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.errors import ConfigError
from config.kinds import load_kinds
from connectors.kinds import ENTRY_POINT_GROUP, KindError, discover_kinds
from connectors.rest import RestConnector
from connectors.soap import SoapConnector
from connectors.support_xml import SupportXmlConnector


def install(site: Path, distribution: str, entry_points: dict[str, str]) -> None:
    """Write a minimal installed distribution with these connector entry points."""
    info = site / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n", encoding="utf-8"
    )
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}\n", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh directory on sys.path for fake distributions and their modules."""
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in [m for m in sys.modules if m.startswith("acme_")]:
        del sys.modules[name]


def test_the_built_in_kinds_are_registered_by_name() -> None:
    kinds = discover_kinds()

    assert kinds == {
        "rest": RestConnector,
        "soap": SoapConnector,
        "demo.support_xml": SupportXmlConnector,
    }
    for name, kind in kinds.items():
        assert kind.kind == name


def test_a_third_party_kind_is_found_like_a_built_in(site: Path) -> None:
    (site / "acme_billing.py").write_text(
        textwrap.dedent(
            """
            from connectors.base import Connector

            class AcmeBilling(Connector):
                kind = "acme.billing"

                async def fetch(self, capability, keys, principal):
                    return []
            """
        ),
        encoding="utf-8",
    )
    install(site, "acme-billing", {"acme.billing": "acme_billing:AcmeBilling"})

    kinds = discover_kinds()

    assert set(kinds) == {"rest", "soap", "demo.support_xml", "acme.billing"}
    assert kinds["acme.billing"].__name__ == "AcmeBilling"
    assert kinds["acme.billing"].kind == "acme.billing"


def test_a_kind_registered_twice_is_a_config_error(site: Path) -> None:
    install(site, "acme-rest", {"rest": "connectors.rest:RestConnector"})

    with pytest.raises(ConfigError) as caught:
        load_kinds()

    assert caught.value.key == f"entry point {ENTRY_POINT_GROUP}:rest"
    assert "registered twice" in caught.value.problem


def test_an_entry_point_that_is_not_a_connector_is_a_config_error(site: Path) -> None:
    install(site, "acme-broken", {"acme.broken": "connectors.rest:RestConfig"})

    with pytest.raises(ConfigError) as caught:
        load_kinds()

    assert caught.value.key == f"entry point {ENTRY_POINT_GROUP}:acme.broken"
    assert caught.value.problem == "is not a Connector subclass"


def test_the_contract_reports_an_unusable_kind_without_config(site: Path) -> None:
    install(site, "acme-broken", {"acme.broken": "connectors.rest:RestConfig"})

    with pytest.raises(KindError) as caught:
        discover_kinds()

    assert caught.value.entry_point == f"{ENTRY_POINT_GROUP}:acme.broken"
    assert caught.value.problem == "is not a Connector subclass"
