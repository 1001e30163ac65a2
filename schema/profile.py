"""The customer's master data, whichever system is its source of truth."""

from __future__ import annotations

import strawberry

from connectors.records import ProfileRecord
from resolvers.nodes import find_profile
from schema.common import Node
from schema.declarations import NodeType
from schema.directives import ListSize
from schema.ids import encode_global_id


@strawberry.type
class Email:
    address: str
    primary: bool


@strawberry.type
class Phone:
    number: str
    kind: str


@strawberry.type
class Address:
    kind: str
    street: str
    city: str
    postcode: str
    country: str


@strawberry.type
class Preferences:
    language: str | None
    newsletter: bool | None
    contact_channel: str | None


@strawberry.type(description="Who the customer is and how to reach them.")
class Profile(Node):
    record: strawberry.Private[ProfileRecord]

    @classmethod
    def of(cls, record: ProfileRecord) -> Profile:
        return cls(id=strawberry.ID(encode_global_id("Profile", record.customer_id)), record=record)

    @strawberry.field
    def first_name(self) -> str:
        return self.record.first_name

    @strawberry.field
    def last_name(self) -> str:
        return self.record.last_name

    @strawberry.field
    def display_name(self) -> str:
        return f"{self.record.first_name} {self.record.last_name}"

    @strawberry.field(directives=[ListSize(assumed_size=5)])
    def emails(self) -> list[Email]:
        return [Email(address=e.address, primary=e.primary) for e in self.record.emails]

    @strawberry.field(description="The primary e-mail address, or the first one.")
    def primary_email(self) -> str | None:
        emails = self.record.emails
        primary = next((e for e in emails if e.primary), emails[0] if emails else None)
        return primary.address if primary else None

    @strawberry.field(directives=[ListSize(assumed_size=5)])
    def phones(self) -> list[Phone]:
        return [Phone(number=p.number, kind=p.kind) for p in self.record.phones]

    @strawberry.field(directives=[ListSize(assumed_size=5)])
    def addresses(self) -> list[Address]:
        return [
            Address(
                kind=a.kind, street=a.street, city=a.city, postcode=a.postcode, country=a.country
            )
            for a in self.record.addresses
        ]

    @strawberry.field
    def preferences(self) -> Preferences:
        p = self.record.preferences
        return Preferences(
            language=p.language, newsletter=p.newsletter, contact_channel=p.contact_channel
        )


PROFILE_NODE = NodeType(Profile, find_profile)
