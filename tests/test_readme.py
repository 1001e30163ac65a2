"""README.md's error-code table and the code's own list (ErrorCode) name the same codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from connectors.errors import ErrorCode
from gateway.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def documented_codes(readme: str) -> set[str]:
    """The codes in the first column of the table under "Error codes"."""
    section = readme.split("### Error codes", 1)[1].split("\n#", 1)[0]
    codes: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 2:
            codes.update(re.findall(r"`([A-Z][A-Z_]+)`", cells[1]))
    return codes


def test_the_readme_documents_exactly_the_codes_the_gateway_emits() -> None:
    documented = documented_codes(README.read_text(encoding="utf-8"))
    emitted = {str(code) for code in ErrorCode}
    assert emitted - documented == set(), "codes missing from README's table"
    assert documented - emitted == set(), "README lists codes the gateway does not have"


def test_the_readmes_check_command_passes_on_a_fresh_clone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first `portalgate check` line of README.md, run with none of its variables set."""
    readme = README.read_text(encoding="utf-8")
    command = next(
        line.split("#", 1)[0].split()
        for line in readme.splitlines()
        if line.startswith(".venv/bin/portalgate check config/registry.example.yaml")
    )
    for name in ("CRM_URL", "ORDERS_URL", "BILLING_URL", "SUPPORT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(README.parent)

    status = main(command[1:])

    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out.splitlines()[-1].startswith("config/registry.example.yaml: ok: 4 connectors")
