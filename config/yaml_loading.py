"""Reading a configuration file's YAML strictly: duplicate keys refused, errors located.

    read_yaml(path) ─▶ YamlDocument(data, lines)

PyYAML's `safe_load` keeps the last of two equal keys silently, so a connector pasted
twice (the second `crm:` replacing the first) would load. `StrictLoader` is PyYAML's
SafeLoader with one more step between composing and constructing: it walks the node
tree, refuses a key seen twice in one mapping (naming both lines), and records the line
of every key path so that later errors (pydantic's, the registry's) can name the line
too. Syntax errors come from yaml's `MarkedYAMLError`: its mark (0-based) is shown
1-based, with the problem text yaml gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from config.errors import ConfigError

__all__ = ["KeyPath", "StrictLoader", "YamlDocument", "dotted", "read_yaml", "undotted"]

KeyPath = tuple[str | int, ...]
_MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The loaded data and the 1-based line of each key path in it (`()` is the document)."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its closest parent that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys and remembers where each key is."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.key_lines: dict[KeyPath, int] = {}

    def get_single_node(self) -> Node | None:
        node: Node | None = super().get_single_node()
        if node is not None:
            self.key_lines[()] = node.start_mark.line + 1
            self._walk(node, (), set())
        return node

    def _walk(self, node: Node, path: KeyPath, seen: set[int]) -> None:
        # An alias is the same node object again: walk it once, and never loop.
        if id(node) in seen:
            return
        seen.add(id(node))
        for key, child in _children(node):
            if isinstance(key, int):
                self.key_lines.setdefault((*path, key), child.start_mark.line + 1)
            self._walk(child, (*path, key), seen)
        if not isinstance(node, MappingNode):
            return
        first: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
                continue
            line = key_node.start_mark.line + 1
            name = str(key_node.value)
            if name in first:
                raise _DuplicateKey((*path, name), first[name], key_node.start_mark)
            first[name] = line
            self.key_lines.setdefault((*path, name), line)


class _DuplicateKey(yaml.MarkedYAMLError):
    def __init__(self, path: KeyPath, first_line: int, mark: yaml.Mark) -> None:
        again = mark.line + 1
        super().__init__(
            problem=f"duplicate key (first at line {first_line}, again at line {again})",
            problem_mark=mark,
        )
        self.path = path


def dotted(path: KeyPath) -> str:
    """A key path as the docs write it: `connectors.crm.owns[1]`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def undotted(key: str) -> KeyPath:
    """The key path `dotted` wrote: `connectors.crm.owns[1]` ▶ ("connectors", "crm", "owns", 1)."""
    path: list[str | int] = []
    for part in key.split("."):
        name, *indexes = part.split("[")
        if name:
            path.append(name)
        path.extend(int(index.rstrip("]")) for index in indexes if index.rstrip("]").isdigit())
    return tuple(path)


def _children(node: Node) -> Iterator[tuple[str | int, Node]]:
    if isinstance(node, MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag != _MERGE:
                yield str(key_node.value), value
    elif isinstance(node, SequenceNode):
        yield from enumerate(node.value)


def read_yaml(path: Path) -> YamlDocument:
    """Load `path`; an unreadable file or bad YAML is a ConfigError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", f"is not UTF-8 text (byte {exc.start})") from None
    try:
        loader = StrictLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character: no line, an offset
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(path, "", f"{exc.reason} (U+{code:04X})", line=line) from None
    try:
        data = loader.get_single_data()
    except _DuplicateKey as exc:
        assert exc.problem_mark is not None and exc.problem is not None
        mark = exc.problem_mark
        raise ConfigError(
            path, dotted(exc.path), exc.problem, line=mark.line + 1, column=mark.column + 1
        ) from None
    except yaml.MarkedYAMLError as exc:
        raise _located(path, exc) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, "", f"is not valid YAML ({exc})") from None
    finally:
        loader.dispose()
    return YamlDocument(data, dict(loader.key_lines))


def _located(path: Path, exc: yaml.MarkedYAMLError) -> ConfigError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "is not valid YAML"
    if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
        problem = f"{problem} ({exc.context} at line {exc.context_mark.line + 1})"
    elif exc.context:
        problem = f"{problem} ({exc.context})"
    if mark is None:
        return ConfigError(path, "", problem)
    return ConfigError(path, "", problem, line=mark.line + 1, column=mark.column + 1)
