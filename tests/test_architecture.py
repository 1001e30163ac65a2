"""The package graph follows DESIGN.md's arrows: no cycles, and no import against the layers.

Every product module's imports are read with `ast` (so imports under `TYPE_CHECKING` and
inside functions count: a cycle in types is a cycle in design), relative ones resolved.
A part is a top-level package, except that each subpackage of `gateway/` is a part of its
own, while `gateway/`'s flat modules together are the part "gateway".
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gateway", "schema", "resolvers", "connectors", "sso", "config", "demo")

# Top first: a part may import only parts listed after it.
LAYERS = (
    "gateway",  # wiring: app factory, GraphQL over HTTP, execution, runtime, CLI
    "gateway.middleware",  # the ASGI stack every route gets, and what it uses
    "gateway.validation",  # query limits and cost, read from the schema's directives
    "schema",
    "resolvers",  # see only the narrow loader protocol in resolvers/_types.py
    "gateway.data",  # the data plane: loaders, sources, record cache, breaker
    "gateway.metrics",  # Prometheus metrics in a registry the runtime owns
    "sso",
    "config",
    "connectors",  # the contract: principal, records, capabilities, errors, auth hook
    "demo",  # simulated portals; imports no product part
)
# demo/ must never be imported by the gateway at run time: only the CLI's `demo` command.
DEMO_IMPORTERS = frozenset({"gateway.cli"})
# Resolvers see only the loader protocol, not the data plane the layers would allow.
GATEWAY_FREE = frozenset({"schema", "resolvers"})
# Issue 7: a module longer than this has more than one job; split it along a seam.
MAX_MODULE_LINES = 300

Edge = tuple[str, str]


def product_modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the product packages under `root`."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The modules `name` imports, anywhere in its file, relative imports made absolute."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield submodule if submodule in known else target


def part_of(module: str, root: Path = ROOT) -> str | None:
    """The part a module belongs to, or None for modules outside the product."""
    first, _, rest = module.partition(".")
    if first not in PACKAGES:
        return None
    sub = rest.partition(".")[0]
    if first == "gateway" and sub and (root / "gateway" / sub).is_dir():
        return f"gateway.{sub}"
    return first


def module_imports(root: Path = ROOT) -> list[tuple[str, str]]:
    """(importer, imported) for every pair of product modules where one imports the other."""
    modules = product_modules(root)
    known = set(modules)
    pairs = set()
    for name, path in modules.items():
        for target in imported_modules(name, path, known):
            if part_of(target, root) is not None:
                pairs.add((name, target))
    return sorted(pairs)


def part_edges(root: Path = ROOT) -> Counter[Edge]:
    """Module imports counted per (importing part, imported part), inside a part left out."""
    edges: Counter[Edge] = Counter()
    for importer, imported in module_imports(root):
        source, target = part_of(importer, root), part_of(imported, root)
        assert source is not None and target is not None
        if source != target:
            edges[source, target] += 1
    return edges


def cycles(edges: set[Edge]) -> list[set[str]]:
    """The groups of parts that reach each other (strongly connected, more than one part)."""

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for source, target in edges:
                if source == node and target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    nodes = {node for edge in edges for node in edge}
    reachable = {node: reach(node) for node in nodes}
    groups: list[set[str]] = []
    for node in sorted(nodes):
        group = {node} | {other for other in reachable[node] if node in reachable[other]}
        if len(group) > 1 and group not in groups:
            groups.append(group)
    return groups


def against_layers(root: Path = ROOT) -> list[str]:
    """Every module import that points up the layers or sideways, as `a -> b (part -> part)`."""
    rank = {part: index for index, part in enumerate(LAYERS)}
    wrong = []
    for importer, imported in module_imports(root):
        source, target = part_of(importer, root), part_of(imported, root)
        assert source is not None and target is not None
        if source != target and rank[source] >= rank[target]:
            wrong.append(f"{importer} -> {imported} ({source} -> {target})")
    return sorted(set(wrong))


def test_every_part_is_declared_in_the_layers() -> None:
    parts = {part_of(name) for name in product_modules()}

    assert parts <= set(LAYERS), f"declare these parts in LAYERS: {parts - set(LAYERS)}"


def test_the_package_graph_has_no_cycles() -> None:
    found = cycles(set(part_edges()))

    assert found == [], f"import cycles between parts: {[sorted(group) for group in found]}"


def test_every_import_follows_the_declared_layers() -> None:
    wrong = against_layers()

    assert wrong == [], (
        "imports against the layers (top first: " + " > ".join(LAYERS) + "):\n" + ("\n".join(wrong))
    )


def test_only_the_cli_imports_demo() -> None:
    importers = {
        importer
        for importer, imported in module_imports()
        if part_of(imported) == "demo" and part_of(importer) != "demo"
    }

    assert importers <= DEMO_IMPORTERS


def test_resolvers_and_schema_import_no_gateway_part() -> None:
    wrong = [
        f"{importer} -> {imported}"
        for importer, imported in module_imports()
        if part_of(importer) in GATEWAY_FREE and imported.partition(".")[0] == "gateway"
    ]

    assert wrong == []


def test_no_product_module_is_over_300_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in product_modules().values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }

    assert too_long == {}, f"modules over {MAX_MODULE_LINES} lines (file: lines): {too_long}"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A tiny product tree whose only cross-part imports are hidden from a naive reader."""
    files = {
        "gateway/__init__.py": "",
        "gateway/data/__init__.py": "",
        "gateway/data/loaders.py": "from ..errors import GatewayError\n",
        "gateway/errors.py": "",
        "schema/__init__.py": "",
        "schema/build.py": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from gateway import errors\n"
        ),
        "connectors/__init__.py": "",
        "connectors/base.py": "def later() -> None:\n    import schema.build\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_reader_sees_relative_type_checking_and_local_imports(sample: Path) -> None:
    assert part_edges(sample) == Counter(
        {("gateway.data", "gateway"): 1, ("schema", "gateway"): 1, ("connectors", "schema"): 1}
    )
    assert against_layers(sample) == [
        "connectors.base -> schema.build (connectors -> schema)",
        "gateway.data.loaders -> gateway.errors (gateway.data -> gateway)",
        "schema.build -> gateway.errors (schema -> gateway)",
    ]


def test_a_cycle_is_found() -> None:
    edges = {("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")}

    assert cycles(edges) == [{"a", "b", "c"}]
