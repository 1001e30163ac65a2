"""Validation of the CRM's `PATCH /api/v2/customers/{id}` body into a new `Profile`.

The body may hold any of `name`, `emails`, `phones`, `addresses`, `preferences`. Lists
replace the whole list; `name` and `preferences` merge field by field. The first problem
found raises `InvalidPatch(field, message)`, with `field` as a path such as
``emails[0].address``; nothing is applied unless the whole body is valid.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from demo.data import Email, Phone, PostalAddress, Preferences, Profile

__all__ = ["InvalidPatch", "apply_patch"]

_FIELDS = {"name", "emails", "phones", "addresses", "preferences"}
_PHONE_KINDS = {"mobile", "home", "work", "other"}
_ADDRESS_KINDS = {"home", "billing", "shipping", "work"}
_CHANNELS = {"email", "phone", "post", "sms"}
_PHONE = re.compile(r"\+?[0-9 ()/-]{5,30}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2}")
_MAX_ITEMS = 5


class InvalidPatch(Exception):
    """The patch is not acceptable; `field` says where and `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def apply_patch(profile: Profile, body: object) -> Profile:
    """`profile` with the changes in `body` applied; raises InvalidPatch."""
    patch = _object(body, "", _FIELDS)
    changes: dict[str, Any] = {}
    if "name" in patch:
        name = _object(patch["name"], "name", {"first", "last"})
        if "first" in name:
            changes["first_name"] = _text(name["first"], "name.first", 80)
        if "last" in name:
            changes["last_name"] = _text(name["last"], "name.last", 80)
    if "emails" in patch:
        changes["emails"] = _emails(patch["emails"])
    if "phones" in patch:
        changes["phones"] = tuple(
            _phone(item, f"phones[{i}]") for i, item in enumerate(_list(patch["phones"], "phones"))
        )
    if "addresses" in patch:
        items = _list(patch["addresses"], "addresses")
        changes["addresses"] = tuple(
            _address(item, f"addresses[{i}]") for i, item in enumerate(items)
        )
    if "preferences" in patch:
        changes["preferences"] = _preferences(profile.preferences, patch["preferences"])
    return replace(profile, **changes)


def _emails(value: object) -> tuple[Email, ...]:
    items = _list(value, "emails")
    if not items:
        raise InvalidPatch("emails", "at least one e-mail address is required")
    emails = []
    for i, item in enumerate(items):
        entry = _object(item, f"emails[{i}]", {"address", "primary"})
        address = _text(entry.get("address"), f"emails[{i}].address", 254)
        if not _is_email(address):
            raise InvalidPatch(f"emails[{i}].address", "not a valid e-mail address")
        emails.append(Email(address, _bool(entry.get("primary", False), f"emails[{i}].primary")))
    if sum(e.primary for e in emails) > 1:
        raise InvalidPatch("emails", "at most one e-mail address may be primary")
    if not any(e.primary for e in emails):  # the first one is primary unless one is marked
        emails[0] = Email(emails[0].address, True)
    return tuple(emails)


def _is_email(address: str) -> bool:
    if address.count("@") != 1 or any(c.isspace() for c in address):
        return False
    local, domain = address.split("@")
    labels = domain.split(".")
    return bool(local) and len(labels) >= 2 and all(labels)


def _phone(value: object, field: str) -> Phone:
    entry = _object(value, field, {"number", "type"})
    number = _text(entry.get("number"), f"{field}.number", 30)
    if not _PHONE.fullmatch(number):
        raise InvalidPatch(f"{field}.number", "not a valid phone number")
    return Phone(number, _choice(entry.get("type", "other"), f"{field}.type", _PHONE_KINDS))


def _address(value: object, field: str) -> PostalAddress:
    keys = {"kind", "street", "city", "postcode", "country"}
    entry = _object(value, field, keys)
    country = _text(entry.get("country"), f"{field}.country", 80)
    if not _COUNTRY.fullmatch(country):
        raise InvalidPatch(f"{field}.country", "must be a 2-letter upper-case country code")
    return PostalAddress(
        kind=_choice(entry.get("kind", "home"), f"{field}.kind", _ADDRESS_KINDS),
        street=_text(entry.get("street"), f"{field}.street", 120),
        city=_text(entry.get("city"), f"{field}.city", 80),
        postcode=_text(entry.get("postcode"), f"{field}.postcode", 12),
        country=country,
    )


def _preferences(current: Preferences, value: object) -> Preferences:
    entry = _object(value, "preferences", {"language", "newsletter", "contactChannel"})
    changes: dict[str, Any] = {}
    if "language" in entry:
        language = _text(entry["language"], "preferences.language", 2)
        if not _LANGUAGE.fullmatch(language):
            raise InvalidPatch("preferences.language", "must be a 2-letter lower-case code")
        changes["language"] = language
    if "newsletter" in entry:
        changes["newsletter"] = _bool(entry["newsletter"], "preferences.newsletter")
    if "contactChannel" in entry:
        field = "preferences.contactChannel"
        changes["contact_channel"] = _choice(entry["contactChannel"], field, _CHANNELS)
    return replace(current, **changes)


def _object(value: object, field: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidPatch(field, "expected an object")
    for key in value:
        if key not in allowed:
            raise InvalidPatch(f"{field}.{key}" if field else key, "unknown field")
    return value


def _list(value: object, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InvalidPatch(field, "expected a list")
    if len(value) > _MAX_ITEMS:
        raise InvalidPatch(field, f"at most {_MAX_ITEMS} entries")
    return value


def _text(value: object, field: str, max_length: int) -> str:
    if not isinstance(value, str):
        raise InvalidPatch(field, "expected a string")
    text = value.strip()
    if not text:
        raise InvalidPatch(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidPatch(field, f"must be at most {max_length} characters")
    return text


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidPatch(field, "expected true or false")
    return value


def _choice(value: object, field: str, allowed: set[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InvalidPatch(field, f"must be one of {', '.join(sorted(allowed))}")
    return value
