"""`portalgate check FILE`: each static mistake named with file, line, key path, valid values.

Each case is the shipped example with one line changed, as an owner would mistype it; the
expected line is found in the changed text, so the test says which line the error names.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connectors.kinds import discover_kinds
from gateway.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml"
EXAMPLE_ENV = ("CRM_URL", "ORDERS_URL", "BILLING_URL", "SUPPORT_URL")


@pytest.fixture(autouse=True)
def no_portal_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh clone's shell: none of the variables the example refers to is set."""
    for name in EXAMPLE_ENV:
        monkeypatch.delenv(name, raising=False)


def changed(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The example with the first `old` replaced by `new`, and the 1-based line of `new`."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text, old
    changed_text = text.replace(old, new, 1)
    path = tmp_path / "registry.yaml"
    path.write_text(changed_text, encoding="utf-8")
    return path, changed_text[: changed_text.index(new)].count("\n") + 1


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["check", str(path)])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_readme_command_passes_on_a_fresh_clone(capsys: pytest.CaptureFixture[str]) -> None:
    assert not any(name in os.environ for name in EXAMPLE_ENV)

    status, out, err = check(EXAMPLE, capsys)

    assert (status, err) == (0, "")
    assert out.splitlines()[-1] == (
        f"{EXAMPLE}: ok: 4 connectors, 12 capabilities owned, 4 identity links"
    )
    assert (
        f"warning: {EXAMPLE}: ${{CRM_URL}} is not set: checked with the placeholder "
        "http://crm-url.invalid"
    ) in out.splitlines()


def test_a_set_variable_is_used_and_not_warned_about(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CRM_URL", "http://127.0.0.1:7001")

    status, out, _ = check(EXAMPLE, capsys)

    assert status == 0
    assert "CRM_URL" not in out
    assert "${ORDERS_URL} is not set" in out


def test_a_misspelled_record_field_names_the_valid_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "first_name: name.first", "fist_name: name.first")

    status, out, err = check(path, capsys)

    assert (status, out) == (2, "")
    assert err == (
        f"configuration error: {path}:{line}: "
        "connectors.crm.config.capabilities.profile.response.record.fist_name: "
        "unknown field 'fist_name': the ProfileRecord record has customer_id, first_name, "
        "last_name, emails, phones, addresses, preferences\n"
    )


def test_a_misspelled_field_of_a_nested_record_is_found_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "{kind: kind, street: street,", "{kind: kind, stret: street,")

    status, _, err = check(path, capsys)

    assert status == 2
    assert (
        f"{path}:{line}: connectors.crm.config.capabilities.profile.response.record"
        ".addresses.fields.stret: unknown field 'stret': the Address record has kind, street, "
        "city, postcode, country\n"
    ) in err


def test_a_grouped_record_is_checked_against_its_items(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "quantity: qty", "qty: qty")

    status, _, err = check(path, capsys)

    assert status == 2
    assert f"{path}:{line}: connectors.orders.config.capabilities.order_items" in err
    assert "record.qty: unknown field 'qty': the OrderItemRecord record has order_id, sku," in err


def test_a_mapping_key_the_field_spec_does_not_know_names_the_valid_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "last_name: name.last", "last_name: {pth: name.last}")

    status, _, err = check(path, capsys)

    assert status == 2
    assert err == (
        f"configuration error: {path}:{line}: "
        "connectors.crm.config.capabilities.profile.response.record.last_name.pth: "
        "unknown key (expected one of: path, split, separator, take, join, with, template, "
        "map, scale, as, zone, "
        "format, default, as_list, each, fields, const)\n"
    )


def test_a_connector_pasted_twice_is_refused_with_both_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    support = text[text.index("  support:") : text.index("\nidentity:")]
    path, _ = changed(tmp_path, "\nidentity:", "\n" + support + "\nidentity:")
    first = text[: text.index("  support:")].count("\n") + 1
    second = text[: text.index("\nidentity:")].count("\n") + 2

    status, _, err = check(path, capsys)

    assert status == 2
    assert err == (
        f"configuration error: {path}:{second}:3: connectors.support: "
        f"duplicate key (first at line {first}, again at line {second})\n"
    )


def test_a_duplicate_key_deep_inside_is_refused_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "    timeout_s: 2.0\n", "    timeout_s: 2.0\n    timeout_s: 5\n")

    status, _, err = check(path, capsys)

    assert status == 2
    assert (
        f"{path}:{line + 1}:5: connectors.crm.timeout_s: "
        f"duplicate key (first at line {line}, again at line {line + 1})"
    ) in err


def test_a_yaml_syntax_error_names_the_line_column_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "    retries: 1\n", "    retries: 1: 2\n")

    status, _, err = check(path, capsys)

    assert status == 2
    assert err == f"configuration error: {path}:{line}:15: mapping values are not allowed here\n"


def test_an_unclosed_list_names_where_it_began(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(
        tmp_path,
        "owns: [invoices, invoices_by_organisation]",
        "owns: [invoices, invoices_by_organisation",
    )

    status, _, err = check(path, capsys)

    assert status == 2
    assert f"(while parsing a flow sequence at line {line})" in err


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        pytest.param(
            "owns: [invoices, invoices_by_organisation]",
            "owns: [invoice, invoices_by_organisation]",
            "connectors.billing.owns[0]",
            "unknown capability 'invoice' (known: cases, invoices, invoices_by_organisation, "
            "open_ticket, order, order_items, orders_by_customer, orders_by_organisation, "
            "profile, support_party, tickets, update_profile)",
            id="capability",
        ),
        pytest.param(
            "        invoices:\n",
            "        invoice:\n",
            "connectors.billing.config.capabilities.invoice",
            "unknown capability 'invoice' (known: cases, invoices, ",
            id="capability in a rest config",
        ),
        pytest.param(
            "kind: demo.support_xml",
            "kind: demo.support_soap",
            "connectors.support.kind",
            "unknown kind 'demo.support_soap' (known: {kinds})",
            id="kind",
        ),
        pytest.param(
            "scheme: basic",
            "scheme: basic_auth",
            "connectors.billing.auth.scheme",
            "unknown scheme 'basic_auth' (expected one of: none, api_key, basic, bearer, "
            "client_credentials, forward, token_exchange)",
            id="scheme",
        ),
        pytest.param(
            "profile: {ttl_s: 30}",
            "profile: {ttl_s: 30, scope: everyone}",
            "cache.profile.scope",
            "expected one of: principal, public",
            id="cache scope",
        ),
    ],
)
def test_an_unknown_value_lists_the_valid_ones(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    key: str,
    problem: str,
) -> None:
    path, line = changed(tmp_path, old, new)
    problem = problem.replace("{kinds}", ", ".join(sorted(discover_kinds())))

    status, _, err = check(path, capsys)

    assert status == 2
    assert err.startswith(f"configuration error: {path}:{line}: {key}: {problem}")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("last_name: name.last", "last_name: {pth: name.last}"),
        ("last_name: name.last", "last_name: {path: name.last, each: x}"),
        ("last_name: name.last", "last_name: 12"),
        ("retries: 1", "retries: many"),
        ("timeout_s: 2.0", "timeout_s: -1"),
        ("base_url: ${CRM_URL}", "base_url: crm:80"),
        ("scheme: api_key", "scheme: apikey"),
    ],
)
def test_no_library_internals_reach_the_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str
) -> None:
    path, _ = changed(tmp_path, old, new)

    status, _, err = check(path, capsys)

    assert status == 2
    for internal in ("function-after", "FieldSpec", "Value error", "Input should", "pydantic"):
        assert internal not in err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_a_value_that_fits_no_form_names_every_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "last_name: name.last", "last_name: 12")

    status, _, err = check(path, capsys)

    assert status == 2
    assert err == (
        f"configuration error: {path}:{line}: "
        "connectors.crm.config.capabilities.profile.response.record.last_name: "
        "expected a mapping (key: value) or text\n"
    )


def test_a_field_spec_with_two_forms_says_which_forms_there_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, line = changed(tmp_path, "last_name: name.last", "last_name: {path: name.last, const: x}")

    status, _, err = check(path, capsys)

    assert status == 2
    assert err == (
        f"configuration error: {path}:{line}: "
        "connectors.crm.config.capabilities.profile.response.record.last_name: "
        "give exactly one of `path`, `split`, `join`, `template`, `each` (with `fields`), "
        "`fields`, `const`\n"
    )
