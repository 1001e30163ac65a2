"""`portalgate check` refuses every invalid spec of the mapping vocabulary at load time,
naming the file, the key and what was expected (no request is ever made with it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from tests.config.test_registry import ENV, example, write


def crm_profile(data: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = data["connectors"]["crm"]["config"]["capabilities"]["profile"][
        "response"
    ]
    return response


def billing_invoice(data: dict[str, Any]) -> dict[str, Any]:
    capability = data["connectors"]["billing"]["config"]["capabilities"]["invoices"]
    fields: dict[str, Any] = capability["response"]["record"]["invoices"]["fields"]
    return fields


PROFILE = "connectors.crm.config.capabilities.profile.response"
INVOICE = "connectors.billing.config.capabilities.invoices.response.record.invoices.fields"


@pytest.mark.parametrize(
    ("edit", "key", "problem"),
    [
        (lambda d: crm_profile(d).update(items=""), f"{PROFILE}.items", "may not be empty"),
        (lambda d: crm_profile(d).update(key="a..b"), f"{PROFILE}.key", "empty segment"),
        (
            lambda d: billing_invoice(d).update(issued_on={"path": "issued", "as": "day"}),
            f"{INVOICE}.issued_on.as",
            "expected one of: text, integer",
        ),
        (
            lambda d: billing_invoice(d).update(invoice_id={"template": "INV"}),
            f"{INVOICE}.invoice_id",
            "names no field",
        ),
        (
            lambda d: billing_invoice(d).update(invoice_id=""),
            f"{INVOICE}.invoice_id",
            "may not be empty",
        ),
        (
            lambda d: billing_invoice(d).update(
                due_on={"path": "due", "as": "date", "zone": "Atlantis/Capital"}
            ),
            f"{INVOICE}.due_on",
            "unknown time zone",
        ),
    ],
)
def test_check_refuses_an_invalid_mapping_naming_file_and_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[dict[str, Any]], None],
    key: str,
    problem: str,
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    data = example()
    edit(data)
    path = write(tmp_path, data)

    status = main(["check", str(path)])

    _, err = capsys.readouterr()
    assert status == 2
    assert re.search(rf"{re.escape(str(path))}:\d+: {re.escape(key)}: ", err), err
    assert problem in err
