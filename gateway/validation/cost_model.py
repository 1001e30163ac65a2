"""What each field of the schema costs, read once from its `@cost` and `@listSize` directives.

Defaults follow the IBM GraphQL cost specification: a field weighs what its type weighs
(objects, interfaces and unions 1, scalars and enums 0) unless `@cost` says otherwise; a
list multiplies by its slicing argument, else its `assumedSize`, else `default_list_size`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    get_nullable_type,
    is_composite_type,
)

from schema.directives import Cost, ListSize

__all__ = ["CostModel", "FieldCost", "build_cost_model"]

_DEFINITION = "strawberry-definition"


@dataclass(frozen=True, slots=True)
class FieldCost:
    """The cost inputs of one field: its weight and how its list size is found."""

    weight: int
    is_list: bool
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    # The schema's default for each slicing argument, used when the operation omits it.
    slicing_defaults: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CostModel:
    """Field costs keyed by (parent type name, field name); built once per schema."""

    fields: Mapping[tuple[str, str], FieldCost]
    default_list_size: int

    def field(self, parent_type: str, field_name: str) -> FieldCost | None:
        return self.fields.get((parent_type, field_name))


def build_cost_model(schema: GraphQLSchema, default_list_size: int) -> CostModel:
    """Read the cost of every field of every object and interface type.

    Raises ValueError for a `@cost` weight that is not a whole number, at start-up.
    """
    fields: dict[tuple[str, str], FieldCost] = {}
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for name, definition in type_.fields.items():
                fields[(type_.name, name)] = _field_cost(definition)
    return CostModel(fields=fields, default_list_size=default_list_size)


def _field_cost(definition: GraphQLField) -> FieldCost:
    directives = _directives(definition.extensions)
    cost = next((d for d in directives if isinstance(d, Cost)), None)
    type_ = definition.type
    weight = _weight(cost) if cost is not None else _type_weight(get_named_type(type_))
    list_size = next((d for d in directives if isinstance(d, ListSize)), None)
    is_list = isinstance(get_nullable_type(type_), GraphQLList)
    if list_size is None:
        return FieldCost(weight=weight, is_list=is_list)
    slicing = tuple(list_size.slicing_arguments or ())
    defaults = {
        name: argument.default_value
        for name, argument in definition.args.items()
        if name in slicing and isinstance(argument.default_value, int)
    }
    return FieldCost(
        weight=weight,
        is_list=is_list,
        assumed_size=list_size.assumed_size or None,
        slicing_arguments=slicing,
        sized_fields=tuple(list_size.sized_fields or ()),
        slicing_defaults=defaults,
    )


def _type_weight(type_: GraphQLNamedType) -> int:
    cost = next((d for d in _directives(type_.extensions) if isinstance(d, Cost)), None)
    if cost is not None:
        return _weight(cost)
    return 1 if is_composite_type(type_) else 0


def _directives(extensions: Mapping[str, object] | None) -> tuple[object, ...]:
    definition = (extensions or {}).get(_DEFINITION)
    return tuple(getattr(definition, "directives", None) or ())


def _weight(cost: Cost) -> int:
    try:
        return int(cost.weight)
    except ValueError:
        raise ValueError(f"@cost(weight: {cost.weight!r}) must be a whole number") from None
