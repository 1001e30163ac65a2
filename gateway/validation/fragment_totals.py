"""What an operation selects once its fragments are expanded, computed without expanding them.

Each operation and fragment is summarised once, by itself, with its spreads kept by
name (the depth and list multiplier at which each occurs). The totals of a fragment are
then computed once and reused at every spread, so a document whose fragments spread
each other ten times over is measured in time linear in its size, not in its expansion.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

__all__ = ["DefinitionSummary", "Spread", "Totals", "expand"]


@dataclass(frozen=True, slots=True)
class Spread:
    """A `...Fragment` inside a definition, at a depth and under a list multiplier."""

    fragment: str
    depth: int
    multiplier: int


@dataclass(slots=True)
class DefinitionSummary:
    """What one operation or fragment selects by itself, its spreads not followed."""

    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0
    spreads: list[Spread] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Totals:
    """An operation's or fragment's measures with every fragment expanded."""

    depth: int = 0
    introspection_depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0


_NOTHING = Totals()


def expand(
    root: DefinitionSummary,
    fragments: Mapping[str, DefinitionSummary],
    memo: dict[str, Totals],
) -> Totals:
    """The totals of `root`; fragment totals are computed once and kept in `memo`.

    Spreads of unknown fragments, and spreads that close a cycle, count as nothing:
    graphql-core's KnownFragmentNames and NoFragmentCycles rules refuse those documents.
    """
    for spread in root.spreads:
        _resolve(spread.fragment, fragments, memo)
    return _combine(root, memo)


def _resolve(
    name: str, fragments: Mapping[str, DefinitionSummary], memo: dict[str, Totals]
) -> None:
    # Depth-first without recursion: a long chain of fragments must not hit the
    # interpreter's recursion limit.
    if name in memo or name not in fragments:
        return
    path: list[tuple[str, Iterator[Spread]]] = [(name, iter(fragments[name].spreads))]
    on_path = {name}
    while path:
        current, spreads = path[-1]
        for spread in spreads:
            child = spread.fragment
            if child not in memo and child in fragments and child not in on_path:
                path.append((child, iter(fragments[child].spreads)))
                on_path.add(child)
                break
        else:
            path.pop()
            on_path.discard(current)
            memo[current] = _combine(fragments[current], memo)


def _combine(summary: DefinitionSummary, memo: Mapping[str, Totals]) -> Totals:
    depth = summary.depth
    introspection_depth = summary.introspection_depth
    aliases = summary.aliases
    fields = summary.fields
    cost = summary.cost
    for spread in summary.spreads:
        totals = memo.get(spread.fragment, _NOTHING)
        if totals.depth:
            depth = max(depth, spread.depth + totals.depth)
        if totals.introspection_depth:
            introspection_depth = max(
                introspection_depth, spread.depth + totals.introspection_depth
            )
        aliases += totals.aliases
        fields += totals.fields
        cost += spread.multiplier * totals.cost
    return Totals(depth, introspection_depth, aliases, fields, cost)
