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
from connectors.paths import check_template
from connectors.record_fields import check_record_fields, nested_model
from connectors.records import Capability, Record

__all__ = [
    "BatchSpec",
    "CapabilitySpec",
    "PagingSpec",
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


class PagingSpec(_Strict):
    """Page/size pagination behind an offset/limit window.

    `{page}`/`{size}` in the request come from the window; when the window is not aligned
    to a page, page one is fetched with size offset+limit and the list is sliced.
    """

    list_field: str
    page_base: int = Field(1, ge=0, le=1)
    max_size: int = Field(100, ge=1)


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
            _check_record(name, cap.record, spec.response)
            if cap.paged and spec.paging is None:
                raise ValueError(f"{name} is paged: give `paging`")
            if cap.kind == "write" and spec.body is None:
                raise ValueError(f"{name} is a write: give `body`")
            if spec.batch is not None and "{keys}" not in str(spec.request.model_dump()):
                raise ValueError(f"{name}: a batched request must use {{keys}}")
        return self


def _check_record(capability: str, answers: type[Record], response: ResponseSpec) -> None:
    """The mapping's field names against the capability's record (`group_as`: its items)."""
    record: type[BaseModel] = answers
    loc: tuple[str, ...] = ("capabilities", capability, "response")
    if response.group_as is not None:
        field = record.model_fields.get(response.group_as)
        inner = nested_model(field.annotation) if field is not None else None
        if inner is None:
            lists = ", ".join(record.model_fields)
            raise LocatedValueError(
                (*loc, "group_as"),
                f"{capability}'s record has no list field {response.group_as!r} (it has {lists})",
            )
        record = inner
    check_record_fields(record, response.record, (*loc, "record"))
