"""Every YAML example in docs/connectors.md is a valid mapping, so the page cannot drift
from the vocabulary it documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pydantic
import pytest
import yaml

from connectors.mapping import Spec
from connectors.rest_config import ResponseSpec

DOC = Path(__file__).resolve().parents[2] / "docs" / "connectors.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_page_has_an_example_per_shape() -> None:
    assert len(BLOCKS) >= 12


@pytest.mark.parametrize("block", BLOCKS)
def test_each_yaml_example_validates(block: str) -> None:
    data: dict[str, Any] = yaml.safe_load(block)
    if "response" in data:
        ResponseSpec.model_validate(data["response"])
    else:
        pydantic.TypeAdapter(dict[str, Spec]).validate_python(data["record"])
