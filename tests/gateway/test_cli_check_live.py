"""`portalgate check --live` against the demo portals, and `--recorded` against saved answers.

The command runs in a thread (it calls `asyncio.run` itself) while the demo portals run
on this test's loop. A customer's values must never be in the report, so each failing
case also asserts that the value the mapping choked on is absent from the output.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connectors.contract_suite import SimulatedPortal
from connectors.recorded_portal import RecordedPortal
from demo.stack import DemoStack, open_demo_stack
from gateway.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml"


@pytest.fixture
async def stack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DemoStack]:
    async with open_demo_stack() as running:
        for name, value in running.env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("PORTALGATE_ISSUER", running.issuer.url)
        first = running.customers[0]
        monkeypatch.setenv("PORTALGATE_CHECK_TOKEN", running.issuer.issue_token(first.subject))
        yield running


def fixtures(tmp_path: Path, stack: DemoStack) -> Path:
    first, second = stack.customers[0], stack.customers[1]
    path = tmp_path / "fixtures.yaml"
    path.write_text(
        f"crm:\n  profile: [{first.crm_id}, {second.crm_id}]\n"
        f"  support_party: [{first.crm_id}]\n"
        f"orders:\n  orders_by_customer: [{first.shop_no}]\n"
        f"billing:\n  invoices: [{first.billing_account}]\n"
        f"support:\n  tickets: [{first.support_party}]\n  cases: [{first.support_party}]\n",
        encoding="utf-8",
    )
    return path


async def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = await asyncio.to_thread(main, ["check", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def registry_with(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "registry.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


async def test_live_against_the_demo_portals_passes(
    tmp_path: Path, stack: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = await check(capsys, str(EXAMPLE), "--live", str(fixtures(tmp_path, stack)))

    assert (status, err) == (0, ""), out
    lines = out.splitlines()
    assert "crm.profile: ok: 2 of 2 sample keys mapped" in lines
    assert "support.cases: ok: 1 of 1 sample keys mapped" in lines
    for connector, capability in [("crm", "profile"), ("orders", "orders_by_customer")]:
        subject = f"{connector}.{capability}"
        assert (
            f"{subject}: ok: a hanging portal gives UPSTREAM_TIMEOUT after timeout_s (2 s)" in lines
        )
        assert any(line.startswith(f"{subject}: ok: 5xx opens the breaker") for line in lines)
        assert any(line.startswith(f"{subject}: ok: a 429 whose Retry-After") for line in lines)
    assert lines[-1] == "22 checks, 0 failed"
    assert stack.customers[0].last_name not in out


async def test_an_answer_that_does_not_map_fails_naming_the_field_not_the_value(
    tmp_path: Path, stack: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    # The portal's email objects have `address`; a mapping that reads `mail` leaves the
    # record's required field empty.
    registry = registry_with(
        tmp_path,
        "emails: {each: emails, fields: {address: address, primary: primary}}",
        "emails: {each: emails, fields: {address: mail, primary: primary}}",
    )

    status, out, _ = await check(capsys, str(registry), "--live", str(fixtures(tmp_path, stack)))

    assert status == 1
    assert (
        "crm.profile: FAILED: all 2 sample keys: did not map: "
        "profile.emails[0].address: is required"
    ) in out.splitlines()
    assert out.splitlines()[-1] == "22 checks, 1 failed"
    assert stack.customers[0].email not in out


async def test_a_value_of_the_wrong_type_names_what_was_expected(
    tmp_path: Path, stack: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = registry_with(tmp_path, "first_name: name.first", "first_name: name")

    status, out, _ = await check(capsys, str(registry), "--live", str(fixtures(tmp_path, stack)))

    assert status == 1
    assert "did not map: profile.first_name: expected text" in out
    assert stack.customers[0].first_name not in out


async def test_a_portal_that_answers_garbage_fails(
    tmp_path: Path, stack: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.billing.knobs.malformed = True

    status, out, _ = await check(capsys, str(EXAMPLE), "--live", str(fixtures(tmp_path, stack)))

    assert status == 1
    assert (
        "billing.invoices: FAILED: sample key 1 of 1: did not map: the answer is not what the "
        "kind reads (not JSON, or cut short)"
    ) in out.splitlines()


async def test_a_failing_portal_fails_with_the_public_code(
    tmp_path: Path, stack: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.crm.knobs.fail_status = 503

    status, out, _ = await check(capsys, str(EXAMPLE), "--live", str(fixtures(tmp_path, stack)))

    assert status == 1
    assert (
        "crm.profile: FAILED: all 2 sample keys: UPSTREAM_UNAVAILABLE: crm failed (HTTP 503)" in out
    )


async def test_a_per_user_scheme_without_a_customer_token_is_not_passed(
    tmp_path: Path,
    stack: DemoStack,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PORTALGATE_CHECK_TOKEN")

    status, out, _ = await check(capsys, str(EXAMPLE), "--live", str(fixtures(tmp_path, stack)))

    assert status == 1
    assert (
        "orders: FAILED: not checked: token_exchange needs a customer's token: "
        "set PORTALGATE_CHECK_TOKEN"
    ) in out.splitlines()


async def test_fixtures_naming_what_the_registry_lacks_are_refused(
    tmp_path: Path, stack: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text("crm:\n  profile: [C-1]\n  profil: [C-1]\n", encoding="utf-8")

    status, _, err = await check(capsys, str(EXAMPLE), "--live", str(path))

    assert status == 2
    assert err == (
        f"configuration error: {path}:3: crm.profil: crm reads no capability 'profil' "
        "(it reads: profile, support_party)\n"
    )

    path.write_text("crm:\n  profile: C-1\n", encoding="utf-8")
    status, _, err = await check(capsys, str(EXAMPLE), "--live", str(path))
    assert status == 2
    assert err == f"configuration error: {path}:2: crm.profile: expected a list\n"

    path.write_text("crm:\n  profile: []\n", encoding="utf-8")
    status, _, err = await check(capsys, str(EXAMPLE), "--live", str(path))
    assert status == 2
    assert err == f"configuration error: {path}:2: crm.profile: give at least one sample key\n"


async def test_recorded_answers_replay_without_the_portals(
    tmp_path: Path,
    stack: DemoStack,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "answers"
    status, _, _ = await check(
        capsys, str(EXAMPLE), "--live", str(fixtures(tmp_path, stack)), "--record", str(folder)
    )
    assert status == 0
    saved = (folder / "crm" / "profile.json").read_text(encoding="utf-8")
    assert stack.env["CRM_API_KEY"] not in saved  # headers are never recorded
    assert {p.name for p in (folder / "support").iterdir()} == {"tickets.json", "cases.json"}

    # An owner's CI: no portal and none of the registry's variables.
    await stack.crm.refuse_connections()
    for name in ("CRM_URL", "ORDERS_URL", "BILLING_URL", "SUPPORT_URL", "CRM_API_KEY"):
        monkeypatch.delenv(name)
    status, out, _ = await check(capsys, str(EXAMPLE), "--recorded", str(folder))

    assert status == 0
    assert "crm.profile: ok: 2 of 2 sample keys mapped" in out.splitlines()
    assert "support.tickets: ok: 1 of 1 sample keys mapped" in out.splitlines()
    assert out.splitlines()[-1] == "22 checks, 0 failed"


async def test_a_recorded_answer_that_does_not_map_fails(
    tmp_path: Path, stack: DemoStack, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "answers"
    await check(
        capsys, str(EXAMPLE), "--live", str(fixtures(tmp_path, stack)), "--record", str(folder)
    )
    file = folder / "crm" / "profile.json"
    recording = json.loads(file.read_text(encoding="utf-8"))
    answer = json.loads(recording["exchanges"][0]["body"])
    second = answer["customers"][1]
    hidden = second["name"]["first"]
    second["name"]["last"] = ["MARKER-VALUE"]
    recording["exchanges"][0]["body"] = json.dumps(answer)
    file.write_text(json.dumps(recording), encoding="utf-8")

    status, out, _ = await check(capsys, str(EXAMPLE), "--recorded", str(folder))

    assert status == 1
    assert (
        "crm.profile: FAILED: all 2 sample keys: did not map: profile.last_name: expected text"
    ) in out.splitlines()
    assert "MARKER-VALUE" not in out
    assert hidden not in out


async def test_an_empty_or_broken_recording_folder_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = await check(capsys, str(EXAMPLE), "--recorded", str(tmp_path))
    assert status == 2
    assert err == (
        f"configuration error: {tmp_path}: holds no recordings (<connector>/<capability>.json)\n"
    )

    (tmp_path / "crm").mkdir()
    (tmp_path / "crm" / "profile.json").write_text("{", encoding="utf-8")
    status, _, err = await check(capsys, str(EXAMPLE), "--recorded", str(tmp_path))
    assert status == 2
    assert err == (
        f"configuration error: {tmp_path / 'crm' / 'profile.json'}: not a recording "
        "(JSONDecodeError)\n"
    )


def test_the_stand_in_is_a_portal_the_contract_suite_can_drive() -> None:
    portal: SimulatedPortal = RecordedPortal()  # checked by mypy: the suite's protocol

    portal.knobs.hang = True
    portal.knobs.fail_status = 500
    assert portal.requests_total == 0
