"""Mutations: validate the customer's input here, then write through the owning portal only.

Validation happens before any upstream call, so a typo costs no portal a request and the
client gets BAD_USER_INPUT naming the field. The owner may still refuse; its refusal
arrives as BAD_USER_INPUT too (connectors/errors.UpstreamValidationFailed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from connectors.records import ProfileRecord, TicketRecord
from resolvers._types import Info
from resolvers.errors import BadUserInput, CapabilityNotConfigured, NotFound
from resolvers.viewer import require_principal, viewer_key

__all__ = ["open_ticket", "update_profile"]

_M = TypeVar("_M", bound=BaseModel)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailChange(_Input):
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
    primary: bool = False

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        if not _EMAIL.match(value):
            raise ValueError("not a valid e-mail address")
        return value


class PhoneChange(_Input):
    number: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()/-]{5,30}$")
    ]
    kind: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = "other"


class AddressChange(_Input):
    kind: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = "home"
    street: Short
    city: Short
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class PreferencesChange(_Input):
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None
    newsletter: bool | None = None
    contact_channel: Annotated[str, StringConstraints(pattern=r"^(email|phone|post)$")] | None = (
        None
    )


class ProfileChange(_Input):
    """Only the fields given are changed; lists replace the whole list."""

    first_name: Name | None = None
    last_name: Name | None = None
    emails: list[EmailChange] | None = Field(None, min_length=1, max_length=5)
    phones: list[PhoneChange] | None = Field(None, max_length=5)
    addresses: list[AddressChange] | None = Field(None, min_length=1, max_length=5)
    preferences: PreferencesChange | None = None


class TicketRequest(_Input):
    subject: Short
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


def _validated(model: type[_M], data: Mapping[str, Any], argument: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise BadUserInput(f"{field}: {message}", argument=argument, field=field) from None


def _require_owner(info: Info, capability: str, what: str) -> None:
    """CAPABILITY_NOT_CONFIGURED for a write no connector of this gateway owns."""
    if not info.context.loaders.serves(capability):
        raise CapabilityNotConfigured(
            f"{what} is not available here: no system is configured for it.",
            capability=capability,
        )


async def update_profile(info: Info, change: Mapping[str, Any]) -> ProfileRecord:
    """Write the change to the profile's owner and return the profile as it now stands."""
    require_principal(info)
    _require_owner(info, "update_profile", "Changing the profile")
    validated = _validated(ProfileChange, change, "input")
    payload = validated.model_dump(exclude_none=True, mode="json")
    if not payload:
        raise BadUserInput("Give at least one field to change.", argument="input")
    key = await viewer_key(info, "update_profile")
    if key is None:
        raise NotFound("There is no profile to change.")
    record = await info.context.loaders.write("update_profile", key, payload)
    assert isinstance(record, ProfileRecord)
    return record


async def open_ticket(info: Info, request: Mapping[str, Any]) -> TicketRecord:
    require_principal(info)
    _require_owner(info, "open_ticket", "Opening a support ticket")
    validated = _validated(TicketRequest, request, "input")
    key = await viewer_key(info, "open_ticket")
    if key is None:
        raise NotFound("There is no support account to open a ticket in.")
    record = await info.context.loaders.write("open_ticket", key, validated.model_dump())
    assert isinstance(record, TicketRecord)
    return record
