"""The root fields a GraphQL document's selected operation asks for (`viewer`, `openTicket`).

Per-operation rate limits are keyed by root field rather than by `operationName`, because
a client chooses the operation's name freely but cannot reach `openTicket` without
selecting it. Fragments spread at the root are followed, each once.
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

__all__ = ["root_fields"]


def root_fields(document: str, operation_name: str | None, *, max_tokens: int) -> frozenset[str]:
    """The root field names of the operation that would run; empty when the document does
    not parse or names no single operation (execution reports that error itself)."""
    try:
        parsed = parse(document, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return frozenset()
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return frozenset()
    names: set[str] = set()
    _collect(operations[0].selection_set, fragments, names, set())
    return frozenset(names)


def _collect(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    names: set[str],
    seen: set[str],
) -> None:
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, fragments, names, seen)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and fragment.name.value not in seen:
                seen.add(fragment.name.value)
                _collect(fragment.selection_set, fragments, names, seen)
