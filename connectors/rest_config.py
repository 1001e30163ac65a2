"""The registry section of a `kind: rest` connector: requests, batching, paging, mapping.

Validated when the registry loads, so a typo in a portal description fails at start-up
with the file and key, not on the first request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from connectors.capabilities import CAPABILITIES, CATALOGUE_CONTEXT
from connectors.located import LocatedValueError
from connectors.mapping import SourcePath, Spec
from connectors.paths import check_template, template_fields
from connectors.record_fields import check_response_fields
from connectors.records import Capability, Record

__all__ = [
    "PAGING_VARIABLES",
    "ArgumentSpec",
    "BatchSpec",
    "CapabilitySpec",
    "PagingSpec",
    "PagingStyle",
    "RequestSpec",
    "ResponseSpec",
    "RestConfig",
    "ValidationSpec",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _plain_path(template: str) -> str:
    check_template(template)
    return template


# A path template whose static parts are sent exactly as written (connectors.paths).
PathTemplate = Annotated[str, AfterValidator(_plain_path)]

# Statuses a portal may answer a whole batch with because of some of its keys: 400 (an id
# it cannot parse), 403 (someone else's), 404 or 410 (unknown). 401 and 5xx are about the
# gateway or the portal, never one key, so splitting on them would only multiply calls.
RefusalStatus = Literal[400, 403, 404, 410, 422]


class RequestSpec(_Strict):
    """The HTTP request: method, a path template and query parameter templates."""

    method: Literal["GET", "POST", "PUT", "PATCH"] = "GET"
    path: PathTemplate
    query: dict[str, str] = Field(default_factory=dict)


class BatchSpec(_Strict):
    """Many keys in one request: `{keys}` expands to the keys joined by `separator`.

    `split_on` is for portals that refuse a whole batch because of one key (typically
    403 when one id is someone else's): a batch answered with one of these statuses is
    asked again one key at a time, and a key answered so is not found. Keys a batch
    answer leaves out are asked again alone too, so a refused key and an unknown one
    cost the same round trips.
    """

    max_size: int = Field(50, ge=1, le=1000)
    separator: str = ","
    split_on: frozenset[RefusalStatus] = frozenset()


PagingStyle = Literal["page_size", "offset_limit", "limit_only", "cursor", "next_link"]

# The request variables each style fills in (besides `{id}`); a template that uses any
# other one is refused at load, and each style needs the ones it pages with.
PAGING_VARIABLES: dict[str, frozenset[str]] = {
    "page_size": frozenset({"page", "size"}),
    "offset_limit": frozenset({"offset", "limit"}),
    "limit_only": frozenset({"limit"}),
    "cursor": frozenset({"cursor", "limit"}),
    "next_link": frozenset({"limit"}),
}
_REQUIRED_VARIABLES: dict[str, frozenset[str]] = {
    "page_size": frozenset({"page", "size"}),
    "offset_limit": frozenset({"offset", "limit"}),
    "limit_only": frozenset({"limit"}),
    "cursor": frozenset({"cursor"}),
    "next_link": frozenset(),
}


class PagingSpec(_Strict):
    """How the portal pages a list, behind the gateway's offset/limit window.

    `style` is how the portal is asked (connectors.rest_paging says how each one serves a
    window): `page_size` ({page}, {size}), `offset_limit` ({offset}, {limit}),
    `limit_only` ({limit}: the newest N, so only windows within `max_size` can be
    served), `cursor` ({cursor} from the answer's `next` path, {limit}) or `next_link`
    (the answer's `next` path holds the URL of the next page). `list_field` is the
    record field the mapped list is in; `has_more` optionally names a boolean in the
    answer that says whether more follow; `max_pages` bounds how many pages a cursor or
    next-link walk may request for one window.
    """

    style: PagingStyle = "page_size"
    list_field: str
    page_base: int = Field(1, ge=0, le=1)
    max_size: int = Field(100, ge=1)
    next: str | None = None
    has_more: str | None = None
    max_pages: int = Field(10, ge=1, le=100)

    @model_validator(mode="after")
    def _fits_style(self) -> PagingSpec:
        walks = self.style in ("cursor", "next_link")
        if walks and self.next is None:
            raise ValueError(f"paging style {self.style} needs `next`: where the answer says it")
        if not walks and self.next is not None:
            raise ValueError(f"`next` belongs to the cursor and next_link styles, not {self.style}")
        if not walks and "max_pages" in self.model_fields_set:
            raise ValueError(f"`max_pages` belongs to cursor and next_link, not {self.style}")
        if self.style != "page_size" and "page_base" in self.model_fields_set:
            raise ValueError(f"`page_base` belongs to page_size, not {self.style}")
        return self

    def check_request(self, request: RequestSpec) -> None:
        """Raise ValueError unless the request uses exactly the variables the style fills."""
        used = template_fields(request.path)
        for template in request.query.values():
            used |= template_fields(template)
        used -= {"id"}
        allowed = PAGING_VARIABLES[self.style]
        if used - allowed:
            unknown = ", ".join(f"{{{name}}}" for name in sorted(used - allowed))
            raise ValueError(f"paging style {self.style} fills {_braced(allowed)}, not {unknown}")
        missing = _REQUIRED_VARIABLES[self.style] - used
        if missing:
            raise ValueError(f"paging style {self.style} needs {_braced(missing)} in the request")
        if "cursor" in template_fields(request.path):
            raise ValueError("{cursor} goes in `query` (the first page is asked without it)")


def _braced(names: frozenset[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names))


class ArgumentSpec(_Strict):
    """A filter argument the portal applies itself, sent as the query parameter `param`.

    `map` translates the gateway's record values to the portal's (a value it lacks is
    not pushed: the gateway filters instead). Several values are joined with
    `separator`; with `separator: null` the portal takes one value, and a filter asking
    for more than one is applied by the gateway.
    """

    param: str = Field(min_length=1)
    map: dict[str, str] | None = None
    separator: str | None = ","


class ValidationSpec(_Strict):
    """How the portal reports rejected input, so it reaches the client as BAD_USER_INPUT."""

    status: int = Field(422, ge=400, le=499)
    message: str = "message"
    field: str | None = "field"


class ResponseSpec(_Strict):
    """Where records are in the response.

    With `items`, the response holds a list of objects matched back to keys by `key`
    (`items: $` when the response is the list itself; an empty path is refused).
    With `group_as`, all objects of one key are collected into that list field (a key
    with none gets an empty list). Without `items`, the whole response is one record.
    """

    items: SourcePath | None = None
    key: SourcePath | None = None
    group_as: str | None = None
    record: dict[str, Spec]

    @model_validator(mode="after")
    def _consistent(self) -> ResponseSpec:
        if (self.items is None) != (self.key is None):
            raise ValueError("`items` and `key` go together")
        if self.group_as is not None and self.items is None:
            raise ValueError("`group_as` needs `items` and `key`")
        return self


class CapabilitySpec(_Strict):
    """How this portal serves one capability."""

    request: RequestSpec
    batch: BatchSpec | None = None
    paging: PagingSpec | None = None
    body: dict[str, Spec] | None = None
    response: ResponseSpec
    not_found_status: int | None = 404
    validation: ValidationSpec | None = None
    arguments: dict[str, ArgumentSpec] = Field(default_factory=dict)
    narrows: dict[str, frozenset[str]] = Field(default_factory=dict)

    def check_filters(self, filters: tuple[str, ...]) -> None:
        """Raise ValueError for filters the capability lacks, or a fixed one not declared.

        A literal query parameter named like a filter (or like an argument's `param`)
        narrows every answer, so it must be declared in `narrows` with the values it
        lets through; then a request for other values is refused, never answered `[]`.
        """
        for name in (*self.arguments, *self.narrows):
            if name not in filters:
                known = ", ".join(filters) or "none"
                raise ValueError(f"{name!r} is not a filter of this capability (it has {known})")
        for name, values in self.narrows.items():
            if not values:
                raise ValueError(f"`narrows.{name}` needs the values the request lets through")
        pushed = {spec.param for spec in self.arguments.values()}
        for param, template in self.request.query.items():
            if param in pushed:
                raise ValueError(f"query parameter {param!r} is fixed and also an argument")
            fixed = not template_fields(template)
            if fixed and param in filters and param not in self.narrows:
                raise ValueError(
                    f"query parameter {param!r} fixes the filter {param!r}: declare the "
                    f"values it lets through in `narrows`, or map it in `arguments`"
                )


class RestConfig(_Strict):
    """The `config:` section of a `kind: rest` connector."""

    base_url: HttpUrl
    health_path: PathTemplate = "/health"
    capabilities: dict[str, CapabilitySpec]
    # The gateway's catalogue (built-in, installed, declared), from the validation context.
    _catalogue: Mapping[str, Capability[Record]] = PrivateAttr(default_factory=lambda: CAPABILITIES)

    def record_type(self, capability: str) -> type[Record]:
        """The record `capability` answers with, from the catalogue this config knows."""
        return self._catalogue[capability].record

    @model_validator(mode="after")
    def _known(self, info: ValidationInfo) -> RestConfig:
        context = info.context if isinstance(info.context, Mapping) else {}
        self._catalogue = context.get(CATALOGUE_CONTEXT, CAPABILITIES)
        for name, spec in self.capabilities.items():
            if name not in self._catalogue:
                known = ", ".join(sorted(self._catalogue))
                raise LocatedValueError(
                    ("capabilities", name), f"unknown capability {name!r} (known: {known})"
                )
            cap = self._catalogue[name]
            check_response_fields(name, cap.record, spec.response.group_as, spec.response.record)
            if cap.paged and spec.paging is None:
                raise ValueError(f"{name} is paged: give `paging`")
            if spec.batch is not None and (spec.arguments or spec.narrows):
                raise ValueError(f"{name}: `arguments` and `narrows` need an unbatched request")
            try:
                spec.check_filters(cap.filters)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            if spec.paging is not None:
                if not cap.paged:
                    raise ValueError(f"{name} is not paged: remove `paging`")
                try:
                    spec.paging.check_request(spec.request)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
            if cap.kind == "write" and spec.body is None:
                raise ValueError(f"{name} is a write: give `body`")
            if spec.batch is not None and "{keys}" not in str(spec.request.model_dump()):
                raise ValueError(f"{name}: a batched request must use {{keys}}")
        return self
