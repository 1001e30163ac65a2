"""Declarative field mapping: pure functions, no I/O."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pydantic
import pytest

from connectors.mapping import FieldSpec, MappingError, lookup, read_record, write_body

PORTAL_CUSTOMER: dict[str, Any] = {
    "customerId": "C-10001",
    "name": {"first": "Ada", "last": "Lovelace"},
    "emails": [
        {"address": "ada@example.org", "primary": True},
        {"address": "ada@work.example", "primary": False},
    ],
    "preferences": {"language": "en", "newsletter": False},
    "state": "OPEN",
    "amountCents": 12990,
}


def fields(raw: dict[str, Any]) -> dict[str, FieldSpec | str]:
    """Field specs as the registry loader validates them from YAML."""
    adapter = pydantic.TypeAdapter(dict[str, FieldSpec | str])
    return adapter.validate_python(raw)


def test_a_dotted_path_reads_nested_values() -> None:
    record = read_record(PORTAL_CUSTOMER, {"id": "customerId", "first": "name.first"})

    assert record == {"id": "C-10001", "first": "Ada"}


def test_missing_paths_are_left_out_not_set_to_none() -> None:
    record = read_record(
        PORTAL_CUSTOMER,
        {"first": "name.first", "middle": "name.middle", "deep": "name.first.letter"},
    )

    assert record == {"first": "Ada"}


def test_a_present_null_is_kept() -> None:
    assert read_record({"a": None}, {"a": "a"}) == {"a": None}


def test_lookup_walks_mappings_only() -> None:
    assert lookup({"a": {"b": 1}}, "a.b") == 1
    assert read_record({"a": [1, 2]}, {"x": "a.0"}) == {}


def test_map_translates_through_the_table() -> None:
    spec = fields({"status": {"path": "state", "map": {"PAID": "paid", "OPEN": "unpaid"}}})

    assert read_record(PORTAL_CUSTOMER, spec) == {"status": "unpaid"}


def test_map_matches_numbers_and_booleans_by_their_text() -> None:
    spec = fields({"x": {"path": "v", "map": {"1": "one", "True": "yes"}}})

    assert read_record({"v": 1}, spec) == {"x": "one"}
    assert read_record({"v": True}, spec) == {"x": "yes"}


@pytest.mark.parametrize("value", ["CANCELLED", None, 2.5, ["OPEN"]])
def test_a_value_outside_the_map_is_a_mapping_error(value: object) -> None:
    spec = fields({"status": {"path": "state", "map": {"PAID": "paid", "OPEN": "unpaid"}}})

    with pytest.raises(MappingError, match="state"):
        read_record({"state": value}, spec)


def test_map_of_a_missing_path_is_left_out() -> None:
    spec = fields({"status": {"path": "state", "map": {"PAID": "paid"}}})

    assert read_record({}, spec) == {}


def test_scale_shifts_integer_cents_to_an_exact_decimal() -> None:
    spec = fields({"amount": {"path": "amountCents", "scale": -2}})

    [(name, amount)] = read_record(PORTAL_CUSTOMER, spec).items()

    assert (name, amount) == ("amount", Decimal("129.90"))
    assert isinstance(amount, Decimal)
    assert str(amount) == "129.90"


def test_scale_accepts_whole_numbers_written_as_text_and_scales_up() -> None:
    assert read_record({"c": "12990"}, fields({"a": {"path": "c", "scale": -2}})) == {
        "a": Decimal("129.90")
    }
    assert read_record({"c": 3}, fields({"a": {"path": "c", "scale": 3}})) == {"a": Decimal(3000)}


@pytest.mark.parametrize("value", [129.9, "12.5", "NaN", "Infinity", "abc", "", True, None, {}])
def test_scale_of_anything_but_a_whole_number_is_a_mapping_error(value: object) -> None:
    with pytest.raises(MappingError, match="amountCents"):
        read_record({"amountCents": value}, fields({"a": {"path": "amountCents", "scale": -2}}))


def test_each_maps_every_item_of_a_list() -> None:
    spec = fields(
        {"emails": {"each": "emails", "fields": {"address": "address", "main": "primary"}}}
    )

    assert read_record(PORTAL_CUSTOMER, spec) == {
        "emails": [
            {"address": "ada@example.org", "main": True},
            {"address": "ada@work.example", "main": False},
        ]
    }


def test_each_of_a_missing_or_null_list_is_left_out() -> None:
    spec = fields({"phones": {"each": "phones", "fields": {"number": "number"}}})

    assert read_record(PORTAL_CUSTOMER, spec) == {}
    assert read_record({"phones": None}, spec) == {}
    assert read_record({"phones": []}, spec) == {"phones": []}


def test_each_of_something_not_a_list_is_a_mapping_error() -> None:
    spec = fields({"emails": {"each": "emails", "fields": {"address": "address"}}})

    with pytest.raises(MappingError, match="emails is not a list"):
        read_record({"emails": {"address": "a@b.c"}}, spec)


def test_fields_builds_a_nested_object_from_the_same_item() -> None:
    spec = fields(
        {
            "preferences": {
                "fields": {
                    "language": "preferences.language",
                    "newsletter": "preferences.newsletter",
                    "channel": "preferences.contactChannel",
                }
            }
        }
    )

    assert read_record(PORTAL_CUSTOMER, spec) == {
        "preferences": {"language": "en", "newsletter": False}
    }


def test_nested_forms_compose() -> None:
    spec = fields(
        {
            "invoices": {
                "each": "invoices",
                "fields": {
                    "amount": {
                        "fields": {
                            "amount": {"path": "amountCents", "scale": -2},
                            "currency": "currency",
                        }
                    },
                    "status": {"path": "state", "map": {"PAID": "paid"}},
                },
            }
        }
    )
    data = {"invoices": [{"amountCents": 5, "currency": "EUR", "state": "PAID"}]}

    assert read_record(data, spec) == {
        "invoices": [{"amount": {"amount": Decimal("0.05"), "currency": "EUR"}, "status": "paid"}]
    }


@pytest.mark.parametrize("value", ["fixed", 0, False, None, ["a"]])
def test_const_is_the_value_whatever_the_data(value: object) -> None:
    spec = fields({"kind": {"const": value}})

    assert read_record({}, spec) == {"kind": value}


def test_write_body_builds_nested_dotted_targets() -> None:
    spec = fields(
        {
            "name.first": "first_name",
            "name.last": "last_name",
            "preferences.contactChannel": "preferences.contact_channel",
            "phones": {"each": "phones", "fields": {"number": "number", "type": "kind"}},
            "source": {"const": "portalgate"},
        }
    )
    payload = {
        "first_name": "Ada",
        "last_name": "King",
        "preferences": {"contact_channel": "email"},
        "phones": [{"number": "+44 20 7946 0000", "kind": "home"}],
    }

    assert write_body(payload, spec) == {
        "name": {"first": "Ada", "last": "King"},
        "preferences": {"contactChannel": "email"},
        "phones": [{"number": "+44 20 7946 0000", "type": "home"}],
        "source": "portalgate",
    }


def test_write_body_omits_absent_and_none_values() -> None:
    spec = fields(
        {
            "name.first": "first_name",
            "name.last": "last_name",
            "preferences.language": "preferences.language",
            "emails": {"each": "emails", "fields": {"address": "address"}},
        }
    )

    body = write_body({"first_name": "Ada", "last_name": None, "preferences": {}}, spec)

    assert body == {"name": {"first": "Ada"}}


def test_write_body_of_an_empty_payload_is_empty() -> None:
    assert write_body({}, fields({"name.first": "first_name"})) == {}


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"path": "a", "const": 1},
        {"path": "a", "fields": {"x": "y"}},
        {"path": "a", "each": "b", "fields": {"x": "y"}},
        {"fields": {"x": "y"}, "const": 1},
        {"each": "a"},
        {"map": {"A": "a"}},
        {"scale": 2},
        {"each": "a", "fields": {"x": "y"}, "scale": 2},
        {"const": 1, "map": {"A": "a"}},
        {"path": "a", "mapping": {"A": "a"}},
    ],
)
def test_field_spec_rejects_ambiguous_or_incomplete_forms(raw: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        FieldSpec.model_validate(raw)


@pytest.mark.parametrize(
    "raw",
    [
        {"path": "a"},
        {"path": "a", "map": {"A": "a"}},
        {"path": "a", "scale": -2},
        {"each": "a", "fields": {"x": "y"}},
        {"fields": {"x": "y"}},
        {"const": None},
    ],
)
def test_field_spec_accepts_each_documented_form(raw: dict[str, Any]) -> None:
    FieldSpec.model_validate(raw)
