"""`portalgate serve`: configuration errors end the command with one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main

# `serve` configures the process's logging before it fails; put it back after each test.
pytestmark = pytest.mark.usefixtures("restored_logging")


def test_serve_with_an_unreadable_registry_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "registry.yaml"

    status = main(["serve", "--config", str(missing), "--port", "0"])

    _, err = capsys.readouterr()
    assert status == 2
    assert (
        err.strip()
        == f"configuration error: {missing}: cannot read the file (No such file or directory)"
    )
    assert "Traceback" not in err


def test_serve_with_a_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTALGATE_REQUEST_TIMEOUT_S", "-1")

    status = main(["serve", "--port", "0"])

    _, err = capsys.readouterr()
    assert status == 2
    assert "PORTALGATE_REQUEST_TIMEOUT_S" in err
    assert "greater than 0" in err


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PORTALGATE_LOG_LEVEL", "loud", "'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'"),
        ("PORTALGATE_LOG_FORMAT", "xml", "'json' or 'text'"),
    ],
)
def test_serve_with_a_bad_log_setting_names_the_variable_and_the_choices(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)

    status = main(["serve", "--port", "0"])

    _, err = capsys.readouterr()
    assert status == 2
    assert err.startswith(f"configuration error: environment: {variable}: ")
    assert expected in err


def test_schema_prints_the_sdl(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out, _ = capsys.readouterr()
    assert "type Viewer {" in out
    assert "actionItems: [ActionItem]!" in out
    assert "updateProfile(input: UpdateProfileInput!): Profile" in out


def test_schema_shows_the_cost_directives(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out, _ = capsys.readouterr()
    assert "directive @cost(weight: String!) on FIELD_DEFINITION" in out
    assert (
        "directive @listSize(assumedSize: Int, slicingArguments: [String!], "
        "sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION"
    ) in out
    assert '@listSize(slicingArguments: ["first"], sizedFields: ["edges", "nodes"]' in out


def test_serve_with_a_bad_rate_limit_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORTALGATE_RATE_LIMIT", "lots")

    status = main(["serve", "--port", "0"])

    _, err = capsys.readouterr()
    assert status == 2
    assert "PORTALGATE_RATE_LIMIT:" in err
    assert "couldn't parse rate limit string 'lots'" in err
