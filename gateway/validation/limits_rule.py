"""The query limits as one graphql-core validation rule: depth, aliases, fields and cost.

    visit each definition once ─▶ DefinitionSummary per operation and fragment
    leave the document        ─▶ expand (fragment totals memoized) ─▶ QUERY_TOO_COMPLEX

The rule never follows a fragment spread while visiting, so its work is bounded by the
document's size, however often fragments spread each other. It reports its own
`extensions.code`, so no one has to recognise its messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    IntValueNode,
    OperationDefinitionNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

from connectors.errors import ErrorCode
from gateway.validation.cost_model import CostModel, FieldCost
from gateway.validation.fragment_totals import DefinitionSummary, Spread, Totals, expand

__all__ = ["QueryLimits", "QueryLimitsRule", "query_limits_rule"]

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """The configured maxima an operation is held to, fragments expanded.

    Depth counts the fields with a selection set on the deepest path; fields below
    `__schema` and `__type` count against their own, separate allowance, because the
    standard introspection query nests `ofType` deeper than any query of ours.
    """

    max_depth: int
    max_introspection_depth: int
    max_aliases: int
    max_fields: int
    max_cost: int


@dataclass(slots=True)
class _Frame:
    """The field being visited: where it is and what multiplies everything below it."""

    depth: int
    multiplier: int
    introspection: bool
    sized_children: Mapping[str, int] = field(default_factory=dict)


class QueryLimitsRule(ValidationRule):
    """Refuses operations over the limits with QUERY_TOO_COMPLEX; see `query_limits_rule`."""

    limits: ClassVar[QueryLimits]
    cost_model: ClassVar[CostModel]
    variables: ClassVar[Mapping[str, Any]]

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fragments: dict[str, DefinitionSummary] = {}
        self._operations: list[tuple[OperationDefinitionNode, DefinitionSummary]] = []
        self._summary = DefinitionSummary()
        self._frames: list[_Frame] = []
        self._variable_defaults = _int_variable_defaults(context.document)

    def _begin(self, introspection: bool) -> DefinitionSummary:
        self._summary = DefinitionSummary()
        self._frames = [_Frame(depth=0, multiplier=1, introspection=introspection)]
        return self._summary

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        self._operations.append((node, self._begin(introspection=False)))

    def enter_fragment_definition(self, node: FragmentDefinitionNode, *_args: Any) -> None:
        summary = self._begin(introspection=node.type_condition.name.value.startswith("__"))
        # A second fragment of the same name is refused by UniqueFragmentNames.
        self._fragments.setdefault(node.name.value, summary)

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: Any) -> None:
        frame = self._frames[-1]
        self._summary.spreads.append(Spread(node.name.value, frame.depth, frame.multiplier))

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        frame = self._frames[-1]
        summary = self._summary
        name = node.name.value
        summary.fields += 1
        if node.alias is not None:
            summary.aliases += 1
        introspection = frame.introspection or name in _INTROSPECTION_ROOTS
        composite = node.selection_set is not None
        depth = frame.depth + 1 if composite else frame.depth
        if introspection:
            summary.introspection_depth = max(summary.introspection_depth, depth)
        else:
            summary.depth = max(summary.depth, depth)

        parent = self.context.get_parent_type()
        cost = self.cost_model.field(parent.name, name) if parent is not None else None
        sized_children: Mapping[str, int] = {}
        if introspection:
            # Introspection costs nothing here: it reads no portal, and its shape is
            # bounded by the introspection depth and graphql-core's own introspection rule.
            weight, size = 0, 1
        elif cost is None:  # an unknown field: FieldsOnCorrectType refuses it later
            weight, size = (1 if composite else 0), 1
        elif cost.sized_fields:
            weight, size = cost.weight, frame.sized_children.get(name, 1)
            child_size = self._list_size(cost, node)
            sized_children = dict.fromkeys(cost.sized_fields, child_size)
        else:
            weight = cost.weight
            if name in frame.sized_children:
                size = frame.sized_children[name]
            else:
                size = self._list_size(cost, node) if cost.is_list else 1
        multiplier = frame.multiplier * size
        summary.cost += multiplier * weight
        self._frames.append(_Frame(depth, multiplier, introspection, sized_children))

    def leave_field(self, *_args: Any) -> None:
        self._frames.pop()

    def leave_document(self, *_args: Any) -> None:
        memo: dict[str, Totals] = {}
        for node, summary in self._operations:
            for error in self._errors(node, expand(summary, self._fragments, memo)):
                self.report_error(error)

    def _list_size(self, cost: FieldCost, node: FieldNode) -> int:
        """The slicing argument's value (largest if several), else the assumed size."""
        sizes = [
            size
            for argument in cost.slicing_arguments
            if (size := self._argument_int(node, argument, cost)) is not None
        ]
        if sizes:
            return max(0, *sizes)
        if cost.assumed_size is not None:
            return cost.assumed_size
        return self.cost_model.default_list_size

    def _argument_int(self, node: FieldNode, name: str, cost: FieldCost) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                variable = value.name.value
                given = self.variables.get(variable)
                # graphql-core coerces an integral float such as 50.0 to the Int 50.
                if isinstance(given, float) and given.is_integer():
                    return int(given)
                if isinstance(given, int) and not isinstance(given, bool):
                    return given
                return self._variable_defaults.get(variable, cost.slicing_defaults.get(name))
            return None  # not an integer: ValuesOfCorrectType refuses it later
        return cost.slicing_defaults.get(name)

    def _errors(self, node: OperationDefinitionNode, totals: Totals) -> list[GraphQLError]:
        limits = self.limits
        checks = (
            ("fields", totals.fields, limits.max_fields, "selects {} fields"),
            ("aliases", totals.aliases, limits.max_aliases, "uses {} aliases"),
            ("depth", totals.depth, limits.max_depth, "is nested {} levels deep"),
            (
                "introspectionDepth",
                totals.introspection_depth,
                limits.max_introspection_depth,
                "nests introspection {} levels deep",
            ),
            ("cost", totals.cost, limits.max_cost, "costs {}"),
        )
        name = f"'{node.name.value}'" if node.name else "The operation"
        return [
            GraphQLError(
                f"{name} {what.format(value)}, fragments expanded; the limit is {limit}.",
                node,
                extensions={
                    "code": str(ErrorCode.QUERY_TOO_COMPLEX),
                    key: value,
                    f"max{key[0].upper()}{key[1:]}": limit,
                },
            )
            for key, value, limit, what in checks
            if value > limit
        ]


def query_limits_rule(
    limits: QueryLimits, cost_model: CostModel, variables: Mapping[str, Any] | None
) -> type[QueryLimitsRule]:
    """The rule bound to one request's variables (a slicing argument may be a variable).

    graphql-core builds each rule from a ValidationContext alone, so what a rule needs
    besides the document travels on its class.
    """
    return type(
        "BoundQueryLimitsRule",
        (QueryLimitsRule,),
        {"limits": limits, "cost_model": cost_model, "variables": dict(variables or {})},
    )


def _int_variable_defaults(document: DocumentNode) -> dict[str, int]:
    """Integer defaults of the document's variables (the largest, if operations differ)."""
    defaults: dict[str, int] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                value = variable.default_value
                if isinstance(value, IntValueNode):
                    name = variable.variable.name.value
                    defaults[name] = max(int(value.value), defaults.get(name, int(value.value)))
    return defaults
