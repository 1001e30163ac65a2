"""Changes the customer can make; each is written to the owning portal only."""

from __future__ import annotations

import strawberry

from resolvers import changes
from resolvers._types import Info
from schema.permissions import CustomerInPerson, IsSignedIn
from schema.profile import Profile
from schema.support import Ticket


@strawberry.input
class EmailInput:
    address: str
    primary: bool = False


@strawberry.input
class PhoneInput:
    number: str
    kind: str = "other"


@strawberry.input
class AddressInput:
    street: str
    city: str
    postcode: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. DE")
    kind: str = "home"


@strawberry.input
class PreferencesInput:
    language: str | None = None
    newsletter: bool | None = None
    contact_channel: str | None = None


@strawberry.input(description="Fields left out stay as they are; lists replace the whole list.")
class UpdateProfileInput:
    first_name: str | None = None
    last_name: str | None = None
    emails: list[EmailInput] | None = None
    phones: list[PhoneInput] | None = None
    addresses: list[AddressInput] | None = None
    preferences: PreferencesInput | None = None


@strawberry.input
class OpenTicketInput:
    subject: str
    message: str


def _given(value: object) -> object:
    """An input object as plain data, dropping fields the client did not send."""
    if isinstance(value, list):
        return [_given(v) for v in value]
    if hasattr(value, "__strawberry_definition__"):
        return {k: _given(v) for k, v in vars(value).items() if v is not None}
    return value


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Change profile data in the system that owns it.",
        permission_classes=[IsSignedIn, CustomerInPerson],
    )
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> Profile | None:
        given = _given(input)
        assert isinstance(given, dict)
        return Profile.of(await changes.update_profile(info, given))

    @strawberry.mutation(
        description="Ask customer service something.",
        permission_classes=[IsSignedIn, CustomerInPerson],
    )
    async def open_ticket(self, info: Info, input: OpenTicketInput) -> Ticket | None:
        given = _given(input)
        assert isinstance(given, dict)
        return Ticket.of(await changes.open_ticket(info, given))
