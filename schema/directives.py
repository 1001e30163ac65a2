"""The cost directives of the IBM GraphQL cost specification, as Apollo and Hive Router read them.

    @cost(weight: "3")                      what resolving one instance of a field or type costs
    @listSize(assumedSize: 20)              how many items a list field is expected to return
    @listSize(slicingArguments: ["first"], sizedFields: ["edges", "nodes"])
                                            the size comes from an argument, for child lists

They only describe the schema (they show in the SDL); gateway/validation reads them to
compute an operation's cost before it runs.
"""

from __future__ import annotations

import strawberry
from strawberry.schema_directive import Location

__all__ = ["Cost", "ListSize"]


@strawberry.schema_directive(
    name="cost",
    locations=[
        Location.FIELD_DEFINITION,
        Location.OBJECT,
        Location.INTERFACE,
        Location.UNION,
        Location.SCALAR,
        Location.ENUM,
    ],
    description="The weight of one instance of a field or type (IBM cost specification).",
)
class Cost:
    weight: str


@strawberry.schema_directive(
    name="listSize",
    locations=[Location.FIELD_DEFINITION],
    description="How many items a list field returns (IBM cost specification).",
)
class ListSize:
    # UNSET keeps an argument that was not given out of the printed SDL.
    assumed_size: int | None = strawberry.UNSET
    slicing_arguments: list[str] | None = strawberry.UNSET
    sized_fields: list[str] | None = strawberry.UNSET
    require_one_slicing_argument: bool | None = True
