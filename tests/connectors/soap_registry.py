"""The example registry with its support connector swapped for `kind: soap`.

config/registry.soap.example.yaml holds only the `support:` section; this writes the
registry the gateway would load with it: registry.example.yaml, that section replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from connectors.soap import SoapConfig

CONFIG = Path(__file__).resolve().parents[2] / "config"
EXAMPLE_REGISTRY = CONFIG / "registry.example.yaml"
SOAP_EXAMPLE = CONFIG / "registry.soap.example.yaml"


def write_soap_registry(directory: Path) -> Path:
    """registry.example.yaml with the support connector of registry.soap.example.yaml."""
    registry = yaml.safe_load(EXAMPLE_REGISTRY.read_text(encoding="utf-8"))
    soap = yaml.safe_load(SOAP_EXAMPLE.read_text(encoding="utf-8"))
    assert set(soap) == {"connectors"} and set(soap["connectors"]) == {"support"}
    registry["connectors"]["support"] = soap["connectors"]["support"]
    path = directory / "registry.soap.yaml"
    path.write_text(yaml.safe_dump(registry, sort_keys=False), encoding="utf-8")
    return path


def example_soap_section(wsdl: str, **changes: Any) -> dict[str, Any]:
    """The `config:` of the example's soap support connector as YAML data, reading `wsdl`."""
    soap = yaml.safe_load(SOAP_EXAMPLE.read_text(encoding="utf-8"))
    section: dict[str, Any] = soap["connectors"]["support"]["config"]
    return section | {"wsdl": wsdl} | changes


def example_soap_config(wsdl: str, **changes: Any) -> SoapConfig:
    """The `config:` of the example's soap support connector, reading `wsdl`."""
    return SoapConfig.model_validate(example_soap_section(wsdl, **changes))
