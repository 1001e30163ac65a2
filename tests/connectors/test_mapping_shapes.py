"""The mapping shapes of issue 10, one by one: pure functions, no I/O.

Each test names the YAML shape it stands for (docs/connectors.md lists them all).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pydantic
import pytest

from connectors.mapping import FieldSpec, MappingError, Spec, read_record, write_body
from connectors.records import OrderItemsRecord, ProfileRecord
from connectors.rest_answers import read_batch
from connectors.rest_config import ResponseSpec

BERLIN = ZoneInfo("Europe/Berlin")


def fields(raw: dict[str, Any]) -> dict[str, FieldSpec | str]:
    """Field specs as the registry loader validates them from YAML."""
    return pydantic.TypeAdapter(dict[str, Spec]).validate_python(raw)


def one(spec: dict[str, Any] | str, data: Any) -> Any:
    """The value one spec maps `data` to (absent: the marker string)."""
    return read_record(data, fields({"x": spec})).get("x", "<absent>")


# --- the response as a list: items: $ / each: $ ------------------------------------------


def test_items_dollar_reads_an_answer_that_is_itself_the_list() -> None:
    response = ResponseSpec.model_validate(
        {
            "items": "$",
            "key": "id",
            "record": {
                "customer_id": {"path": "id", "as": "text"},
                "first_name": "first",
                "last_name": "last",
            },
        }
    )
    answer = [{"id": 7, "first": "Ada", "last": "King"}, {"id": 8, "first": "Al", "last": "T"}]

    found = read_batch("crm", ProfileRecord, response, ["8", "7", "9"], answer, "profile")

    assert found == {
        "8": ProfileRecord(customer_id="8", first_name="Al", last_name="T"),
        "7": ProfileRecord(customer_id="7", first_name="Ada", last_name="King"),
    }


def test_each_dollar_maps_every_item_of_a_list_answer() -> None:
    spec = {"each": "$", "fields": {"sku": "sku"}}

    assert one(spec, [{"sku": "A"}, {"sku": "B"}]) == [{"sku": "A"}, {"sku": "B"}]


def test_dollar_is_the_item_itself_so_plain_strings_become_objects() -> None:
    spec = {"each": "tags", "fields": {"name": "$"}}

    assert one(spec, {"tags": ["vip", "b2b"]}) == [{"name": "vip"}, {"name": "b2b"}]


@pytest.mark.parametrize("path", ["", "a..b", "a.", ".a", "$foo", "a.$", "a.$parent.b"])
def test_a_path_no_answer_can_have_is_refused_at_load(path: str) -> None:
    with pytest.raises(pydantic.ValidationError, match="path"):
        ResponseSpec.model_validate({"items": path, "key": "id", "record": {}})
    with pytest.raises(pydantic.ValidationError, match="path"):
        FieldSpec.model_validate({"each": path, "fields": {}})
    with pytest.raises(pydantic.ValidationError, match="path"):
        fields({"x": path})


# --- conversions: as: text | integer | decimal | boolean | date | datetime | epoch_* ------


@pytest.mark.parametrize(
    ("conversion", "value", "expected"),
    [
        ("text", 10001, "10001"),
        ("text", 12.0, "12"),
        ("text", "C-1", "C-1"),
        ("integer", "42", 42),
        ("integer", " -3 ", -3),
        ("integer", 7.0, 7),
        ("decimal", "129.90", Decimal("129.90")),
        ("decimal", 0.1, Decimal("0.1")),
        ("decimal", 5, Decimal(5)),
        ("boolean", "Yes", True),
        ("boolean", "false", False),
        ("boolean", 1, True),
        ("boolean", False, False),
        ("date", "2026-11-03", date(2026, 11, 3)),
        ("date", "2026-11-03T10:00:00+01:00", date(2026, 11, 3)),
        ("datetime", "2026-11-03T10:00:00Z", datetime(2026, 11, 3, 10, tzinfo=UTC)),
        ("epoch_s", 1_700_000_000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("epoch_s", "1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("epoch_ms", 1_700_000_000_500, datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
    ],
)
def test_as_converts_the_portals_value(conversion: str, value: Any, expected: Any) -> None:
    result = one({"path": "v", "as": conversion}, {"v": value})

    assert result == expected
    assert type(result) is type(expected)


def test_a_naive_datetime_is_read_in_the_configured_zone() -> None:
    spec = {"path": "v", "as": "datetime", "zone": "Europe/Berlin"}

    result = one(spec, {"v": "2026-07-01T12:00:00"})

    assert result == datetime(2026, 7, 1, 12, tzinfo=BERLIN)
    assert result.utcoffset() == timedelta(hours=2)


def test_a_date_where_a_datetime_is_wanted_is_midnight_in_the_zone() -> None:
    spec = {"path": "v", "as": "datetime", "zone": "Europe/Berlin"}

    assert one(spec, {"v": "2026-01-05"}) == datetime(2026, 1, 5, tzinfo=BERLIN)


def test_an_offset_the_portal_gives_wins_over_the_zone() -> None:
    spec = {"path": "v", "as": "datetime", "zone": "Europe/Berlin"}

    result = one(spec, {"v": "2026-01-05T08:00:00-05:00"})

    assert result.utcoffset() == timedelta(hours=-5)


def test_a_date_of_an_instant_is_taken_in_the_zone() -> None:
    spec = {"path": "v", "as": "date", "zone": "Europe/Berlin"}

    assert one(spec, {"v": "2026-01-05T23:30:00Z"}) == date(2026, 1, 6)


def test_format_reads_dates_written_another_way() -> None:
    assert one({"path": "v", "as": "date", "format": "%d.%m.%Y"}, {"v": "03.11.2026"}) == date(
        2026, 11, 3
    )
    spec = {"path": "v", "as": "datetime", "format": "%d.%m.%Y %H:%M", "zone": "UTC"}
    assert one(spec, {"v": "03.11.2026 14:05"}) == datetime(
        2026, 11, 3, 14, 5, tzinfo=ZoneInfo("UTC")
    )


def test_a_naive_datetime_without_a_zone_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="needs `zone`"):
        one({"path": "v", "as": "datetime"}, {"v": "2026-07-01T12:00:00"})


@pytest.mark.parametrize(
    ("conversion", "value"),
    [
        ("integer", "12.5"),
        ("integer", True),
        ("integer", "twelve"),
        ("decimal", "NaN"),
        ("decimal", "1,5"),
        ("boolean", "maybe"),
        ("boolean", 2),
        ("text", True),
        ("text", {"a": 1}),
        ("date", "03/11/2026"),
        ("date", 20261103),
        ("datetime", "yesterday"),
        ("epoch_s", "soon"),
        ("epoch_ms", 10**20),
    ],
)
def test_a_value_that_does_not_convert_is_a_mapping_error_naming_no_value(
    conversion: str, value: Any
) -> None:
    with pytest.raises(MappingError) as caught:
        one({"path": "v", "as": conversion}, {"v": value})

    assert caught.value.field == "x"
    assert "`v` as " + conversion in caught.value.reason
    assert str(value) not in str(caught.value)


def test_as_keeps_a_null_as_null_and_a_missing_value_absent() -> None:
    assert one({"path": "v", "as": "date"}, {"v": None}) is None
    assert one({"path": "v", "as": "date"}, {}) == "<absent>"


# --- text: split / join / template ---------------------------------------------------------


@pytest.mark.parametrize(
    ("take", "name", "expected"),
    [
        ("first", "Ada King Lovelace", "Ada"),
        ("rest", "Ada King Lovelace", "King Lovelace"),
        ("last", "Ada King Lovelace", "Lovelace"),
        ("all_but_last", "Ada King Lovelace", "Ada King"),
        ("all", "  Ada   King ", ["Ada", "King"]),
        ("first", "Cher", "Cher"),
        ("rest", "Cher", "<absent>"),
        ("last", "", "<absent>"),
    ],
)
def test_split_takes_a_part_of_a_text(take: str, name: str, expected: Any) -> None:
    assert one({"split": "name", "take": take}, {"name": name}) == expected


def test_split_on_a_separator_strips_the_parts() -> None:
    spec = {"split": "name", "separator": ",", "take": "rest"}

    assert one(spec, {"name": "Lovelace, Ada"}) == "Ada"


def test_one_name_fills_first_and_last_name_of_a_profile() -> None:
    spec = fields(
        {
            "customer_id": {"path": "id", "as": "text"},
            "first_name": {"split": "name", "take": "first"},
            "last_name": {"split": "name", "take": "rest", "default": ""},
        }
    )

    assert ProfileRecord.model_validate(read_record({"id": 3, "name": "Ada Lovelace"}, spec)) == (
        ProfileRecord(customer_id="3", first_name="Ada", last_name="Lovelace")
    )
    assert read_record({"id": 4, "name": "Cher"}, spec)["last_name"] == ""


def test_split_of_something_not_text_is_a_mapping_error() -> None:
    with pytest.raises(MappingError, match="expected text to split"):
        one({"split": "name", "take": "first"}, {"name": 12})


def test_template_puts_fields_together() -> None:
    spec = {"template": "{street} {no}, {$parent.city} {{HQ}}"}

    assert read_record(
        {"street": "Main St", "no": 12},
        fields({"x": spec}),
        ({"city": "Springfield"},),
    ) == {"x": "Main St 12, Springfield {HQ}"}


def test_template_with_a_missing_or_null_field_is_absent() -> None:
    spec = {"template": "{street} {no}"}

    assert one(spec, {"street": "Main St"}) == "<absent>"
    assert one(spec, {"street": "Main St", "no": None}) == "<absent>"
    assert one({**spec, "default": "unknown"}, {"street": "Main St"}) == "unknown"


def test_join_puts_together_the_parts_that_are_there() -> None:
    spec = {"join": ["street", "no", "suffix"], "with": " "}

    assert one(spec, {"street": "Main St", "no": 12, "suffix": None}) == "Main St 12"
    assert one({"join": ["a", "b"], "with": "-"}, {"a": "x", "b": "y"}) == "x-y"
    assert one(spec, {}) == "<absent>"


# --- one value into a list: as_list ------------------------------------------------------


def test_as_list_makes_one_email_the_profiles_list_of_emails() -> None:
    spec = fields(
        {
            "customer_id": "id",
            "first_name": "first",
            "last_name": "last",
            "emails": {"fields": {"address": "email", "primary": {"const": True}}, "as_list": True},
        }
    )
    record = ProfileRecord.model_validate(
        read_record({"id": "C-1", "first": "A", "last": "B", "email": "a@b.example"}, spec)
    )

    assert [(e.address, e.primary) for e in record.emails] == [("a@b.example", True)]
    without = read_record({"id": "C-1", "first": "A", "last": "B"}, spec)
    assert without["emails"] == []
    null = read_record({"id": "C-1", "first": "A", "last": "B", "email": None}, spec)
    assert null["emails"] == []


def test_as_list_of_a_plain_value() -> None:
    assert one({"path": "email", "as_list": True}, {"email": "a@b.example"}) == ["a@b.example"]
    assert one({"path": "email", "as_list": True}, {"email": None}) == []
    assert one({"path": "email", "as_list": True}, {}) == []


# --- fields of the parent inside each: $parent ---------------------------------------------


def test_parent_gives_each_item_the_order_number_of_its_order() -> None:
    response = ResponseSpec.model_validate(
        {
            "items": "$",
            "key": "orderNo",
            "record": {
                "items": {
                    "each": "lines",
                    "fields": {
                        "order_id": {"path": "$parent.orderNo", "as": "text"},
                        "sku": "sku",
                        "title": "name",
                        "quantity": {"path": "qty", "as": "integer"},
                        "unit_price": {
                            "fields": {
                                "amount": {"path": "price", "as": "decimal"},
                                "currency": "$parent.currency",
                            }
                        },
                    },
                }
            },
        }
    )
    answer = [
        {
            "orderNo": 5,
            "currency": "EUR",
            "lines": [{"sku": "A", "name": "Pen", "qty": "2", "price": 1.5}],
        },
        {"orderNo": 6, "currency": "EUR", "lines": []},
    ]

    found = read_batch("orders", OrderItemsRecord, response, ["5", "6"], answer, "order_items")

    assert found["6"] == OrderItemsRecord(items=())
    record = found["5"]
    assert isinstance(record, OrderItemsRecord)
    [item] = record.items
    assert (item.order_id, item.sku, item.quantity) == ("5", "A", 2)
    assert item.unit_price is not None
    assert (item.unit_price.amount, item.unit_price.currency) == (Decimal("1.5"), "EUR")


def test_parent_reaches_the_object_the_list_was_read_from() -> None:
    spec = fields(
        {
            "items": {
                "each": "lines",
                "fields": {
                    "order_id": "$parent.orderNo",
                    "currency": "$parent.$parent.currency",
                    "sku": "sku",
                },
            }
        }
    )

    mapped = read_record(
        {"orderNo": "SO-1", "lines": [{"sku": "A"}, {"sku": "B"}]}, spec, ({"currency": "EUR"},)
    )

    assert mapped == {
        "items": [
            {"order_id": "SO-1", "currency": "EUR", "sku": "A"},
            {"order_id": "SO-1", "currency": "EUR", "sku": "B"},
        ]
    }


def test_parent_beyond_the_outermost_object_is_absent() -> None:
    assert one("$parent.orderNo", {"orderNo": "SO-1"}) == "<absent>"


# --- defaults --------------------------------------------------------------------------


def test_default_stands_in_for_a_missing_or_null_value_only() -> None:
    spec = {"path": "kind", "default": "other"}

    assert one(spec, {}) == "other"
    assert one(spec, {"kind": None}) == "other"
    assert one(spec, {"kind": "mobile"}) == "mobile"
    assert one({"each": "phones", "fields": {"n": "n"}, "default": []}, {}) == []


def test_default_is_not_converted_but_a_present_value_is() -> None:
    spec = {"path": "qty", "as": "integer", "default": 1}

    assert one(spec, {"qty": "3"}) == 3
    assert one(spec, {}) == 1


# --- failures name the record's field path ------------------------------------------------


def test_a_failure_deep_in_a_list_names_the_record_path_and_not_the_value() -> None:
    spec = fields(
        {
            "orders": {
                "each": "$",
                "fields": {"total": {"fields": {"amount": {"path": "sum", "as": "decimal"}}}},
            }
        }
    )

    with pytest.raises(MappingError) as caught:
        read_record([{"sum": "1"}, {"sum": "2"}, {"sum": "secret-42"}], spec)

    assert caught.value.field == "orders[2].total.amount"
    assert caught.value.reason == "`sum` as decimal: expected a number"
    assert "secret-42" not in str(caught.value)


def test_write_body_uses_the_same_vocabulary() -> None:
    spec = fields(
        {
            "fullName": {"join": ["first_name", "last_name"]},
            "id": {"path": "customer_id", "as": "integer"},
            "emails": {"path": "email", "as_list": True},
        }
    )

    body = write_body({"first_name": "Ada", "last_name": "King", "customer_id": "7"}, spec)

    assert body == {"fullName": "Ada King", "id": 7, "emails": []}


# --- portalgate check: every invalid spec of the vocabulary fails at load -------------------


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"path": "a", "as": "money"}, "Input should be 'text'"),
        ({"template": "no fields here"}, "names no field"),
        ({"template": "{}"}, "path"),
        ({"template": "{a!r}"}, "without `!` or `:`"),
        ({"template": "{a:>5}"}, "without `!` or `:`"),
        ({"template": "{a"}, "template"),
        ({"path": ""}, "may not be empty"),
        ({"split": "", "take": "first"}, "may not be empty"),
        ({"join": []}, "at least 1"),
        ({"join": ["a", ""]}, "may not be empty"),
        ({"split": "name"}, "needs `take`"),
        ({"split": "name", "take": "middle"}, "take"),
        ({"split": "name", "take": "first", "separator": ""}, "at least 1"),
        ({"path": "a", "take": "first"}, "belong to `split`"),
        ({"split": "a", "take": "first", "on": ","}, "Extra inputs"),
        ({"path": "a", "with": "-"}, "belongs to `join`"),
        ({"path": "a", "as": "date", "zone": "Mars/Olympus"}, "unknown time zone"),
        ({"path": "a", "zone": "Europe/Berlin"}, "need `as: date`"),
        ({"path": "a", "as": "integer", "format": "%Y"}, "need `as: date`"),
        ({"path": "a", "as": "integer", "map": {"A": 1}}, "at most one"),
        ({"path": "a", "scale": 2, "as": "decimal"}, "at most one"),
        ({"fields": {"x": "y"}, "as": "text"}, "need `path`"),
        ({"const": 1, "default": 2}, "`default` needs"),
        ({"fields": {"x": "y"}, "default": {}}, "`default` needs"),
        ({"each": "a", "fields": {}, "as_list": True}, "`as_list` needs"),
        ({"path": "a", "template": "{b}"}, "exactly one"),
        ({"split": "a", "take": "first", "join": ["b"]}, "exactly one"),
        ({"path": "a", "As": "text"}, "Extra inputs"),
    ],
)
def test_an_invalid_spec_is_refused_at_load(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        FieldSpec.model_validate(raw)

    assert problem in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        {"path": "$"},
        {"path": "$parent.$parent.a"},
        {"path": "a", "as": "datetime", "zone": "Europe/Berlin", "format": "%d.%m.%Y"},
        {"split": "a", "separator": ",", "take": "all"},
        {"join": ["a", "$parent.b"], "with": ", "},
        {"template": "{a} {$parent.b}"},
        {"path": "a", "as_list": True, "default": "x"},
        {"fields": {"a": "b"}, "as_list": True},
        {"each": "$", "fields": {}, "default": []},
    ],
)
def test_each_documented_shape_is_accepted(raw: dict[str, Any]) -> None:
    FieldSpec.model_validate(raw)


def test_an_offset_in_a_date_only_conversion_does_not_need_a_zone() -> None:
    value = datetime(2026, 1, 5, 23, 30, tzinfo=timezone(timedelta(hours=-5)))

    assert one({"path": "v", "as": "date"}, {"v": value}) == date(2026, 1, 5)
