"""The strict YAML reader: duplicate keys refused, anchors and merge keys kept, lines known."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.errors import ConfigError
from config.yaml_loading import read_yaml, undotted


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_anchors_aliases_and_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    text = "base: &base {a: 1, b: 2}\nsame: *base\nmore:\n  <<: *base\n  b: 3\n"

    document = read_yaml(write(tmp_path, text))

    assert document.data == {
        "base": {"a": 1, "b": 2},
        "same": {"a": 1, "b": 2},
        "more": {"a": 1, "b": 3},
    }
    assert document.lines[("more", "b")] == 5


def test_a_duplicate_in_a_list_item_names_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, "items:\n  - {x: 1}\n  - x: 1\n    y: 2\n    x: 3\n")

    with pytest.raises(ConfigError) as caught:
        read_yaml(path)

    assert str(caught.value) == (
        f"{path}:5:5: items[1].x: duplicate key (first at line 3, again at line 5)"
    )


def test_lines_fall_back_to_the_closest_parent(tmp_path: Path) -> None:
    document = read_yaml(write(tmp_path, "a:\n  b:\n    - 1\n    - 2\n"))

    assert document.line_of(("a", "b", 1)) == 4
    assert document.line_of(("a", "b", "c", "d")) == 2
    assert undotted("connectors.crm.owns[1]") == ("connectors", "crm", "owns", 1)


def test_bad_bytes_are_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "file.yaml"
    path.write_bytes(b"a: 1\nb: \x00\n")

    with pytest.raises(ConfigError) as caught:
        read_yaml(path)

    assert str(caught.value) == f"{path}:2: special characters are not allowed (U+0000)"

    path.write_bytes(b"a: \xff\n")
    with pytest.raises(ConfigError) as caught:
        read_yaml(path)
    assert str(caught.value) == f"{path}: is not UTF-8 text (byte 3)"
