"""The registry loader, over the shipped example file and broken variants of it.

Every failure is a ConfigError naming the file, the key path inside it and what was
expected; variants are the example file loaded with PyYAML, edited, and written back.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.errors import ConfigError
from config.registry import Registry, load_registry
from connectors.capabilities import CAPABILITIES
from connectors.kinds import discover_kinds
from connectors.rest import RestConfig
from connectors.support_xml import SupportXmlConnector
from demo.stack import open_demo_stack
from gateway.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml"
# What the example refers to with ${VAR}: the portals' URLs (secrets are only referenced).
ENV = {
    "CRM_URL": "http://127.0.0.1:7001",
    "ORDERS_URL": "http://127.0.0.1:7002",
    "BILLING_URL": "http://127.0.0.1:7003",
    "SUPPORT_URL": "http://127.0.0.1:7004",
}


def example() -> dict[str, Any]:
    loaded = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return copy.deepcopy(loaded)  # the file uses anchors; edits must not leak between uses


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path, environ: dict[str, str] | None = None) -> Registry:
    return load_registry(path, ENV if environ is None else environ, discover_kinds())


def test_the_example_loads_with_every_capability_owned() -> None:
    registry = load(EXAMPLE)

    assert registry.source == EXAMPLE
    assert set(registry.connectors) == {"crm", "orders", "billing", "support"}
    assert dict(registry.owners) == {
        "profile": "crm",
        "update_profile": "crm",
        "support_party": "crm",
        "orders_by_customer": "orders",
        "order": "orders",
        "order_items": "orders",
        "orders_by_organisation": "orders",
        "invoices": "billing",
        "invoices_by_organisation": "billing",
        "tickets": "support",
        "cases": "support",
        "open_ticket": "support",
    }
    assert set(registry.owners) == set(CAPABILITIES)
    assert {name: link.claim for name, link in registry.links.items()} == {
        "crm": "crm",
        "orders": "orders",
        "billing": "billing",
        "support": "support",
    }
    assert set(registry.cache) == {"profile", "order_items"}
    assert registry.cache["profile"].scope == "principal"


async def test_the_example_loads_with_the_demo_env_and_its_secrets_resolve(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with open_demo_stack(customers=3) as stack:
        registry = load(EXAMPLE, stack.env)
        billing_url = stack.billing.url
        for name, value in stack.env.items():
            monkeypatch.setenv(name, value)
        status = main(["check", "--secrets", str(EXAMPLE)])

    config = registry.configs["billing"]
    assert isinstance(config, RestConfig)
    assert str(config.base_url).rstrip("/") == billing_url
    assert set(registry.owners) == set(CAPABILITIES)
    out, _ = capsys.readouterr()
    assert status == 0
    assert "4 connectors, 12 capabilities owned, 4 identity links" in out


def test_check_with_secrets_names_a_missing_one_but_no_value(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = {"ORDERS_TOKEN": "t-81c2", "BILLING_USER": "u", "BILLING_PASSWORD": "p-77aa"}
    for name, value in {**ENV, **secrets}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CRM_API_KEY", raising=False)

    status = main(["check", "--secrets", str(EXAMPLE)])

    _, err = capsys.readouterr()
    assert status == 2
    assert f"{EXAMPLE}: connectors.crm.auth.secret: secret not set (env CRM_API_KEY)" in err
    assert "t-81c2" not in err and "p-77aa" not in err


def test_each_connector_config_is_its_kinds_config_with_urls_from_the_environment() -> None:
    registry = load(EXAMPLE)

    crm, support = registry.configs["crm"], registry.configs["support"]
    assert isinstance(crm, RestConfig)
    assert str(crm.base_url).rstrip("/") == ENV["CRM_URL"]
    assert isinstance(support, SupportXmlConnector.Config)
    assert str(support.base_url).rstrip("/") == ENV["SUPPORT_URL"]
    assert registry.connectors["billing"].auth.scheme == "basic"


def test_the_support_link_may_come_from_a_crm_lookup(tmp_path: Path) -> None:
    data = example()
    data["identity"]["links"]["support"] = {"lookup": "support_party", "from": "crm"}

    registry = load(write(tmp_path, data))

    assert registry.links["support"].lookup == "support_party"
    assert registry.links["support"].from_ == "crm"


def test_an_unused_link_capability_needs_no_owner(tmp_path: Path) -> None:
    data = example()
    data["connectors"]["crm"]["owns"].remove("support_party")

    registry = load(write(tmp_path, data))

    assert "support_party" not in registry.owners


def set_path(data: dict[str, Any], dotted: str, value: object) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[leaf] = value


def edit(dotted: str, value: object) -> Callable[[dict[str, Any]], None]:
    return lambda data: set_path(data, dotted, value)


def owns(connector: str, capabilities: list[str]) -> Callable[[dict[str, Any]], None]:
    return edit(f"connectors.{connector}.owns", capabilities)


def api_key_secret(secret: dict[str, str]) -> Callable[[dict[str, Any]], None]:
    return edit("connectors.crm.auth.secret", secret)


def drop_base_url(data: dict[str, Any]) -> None:
    del data["connectors"]["billing"]["config"]["base_url"]


def rename_rest_capability(data: dict[str, Any]) -> None:
    capabilities = data["connectors"]["crm"]["config"]["capabilities"]
    capabilities["profiles"] = capabilities.pop("profile")


def rename_cache(data: dict[str, Any]) -> None:
    data["caches"] = data.pop("cache")


BROKEN = [
    pytest.param(
        rename_cache,
        "caches",
        "unknown key (expected one of: connectors, identity, cache, data)",
        id="top-level typo",
    ),
    pytest.param(
        edit("connectors.crm.timout_s", 3),
        "connectors.crm.timout_s",
        "unknown key (expected one of: kind, owns, timeout_s, retries, breaker, auth, config)",
        id="connector typo",
    ),
    pytest.param(
        edit("connectors.billing.kind", "odata"),
        "connectors.billing.kind",
        "unknown kind 'odata' (known: demo.support_xml, rest, soap)",
        id="unknown kind",
    ),
    pytest.param(
        edit("connectors.crm.config.base_url", "crm.internal:8080"),
        "connectors.crm.config.base_url",
        "URL scheme should be 'http' or 'https'",
        id="bad base_url",
    ),
    pytest.param(
        edit("connectors.crm.config.base_url", "not a url"),
        "connectors.crm.config.base_url",
        "expected a URL (relative URL without a base)",
        id="base_url not a URL",
    ),
    pytest.param(
        drop_base_url, "connectors.billing.config.base_url", "is required", id="no base_url"
    ),
    pytest.param(
        edit("connectors.support.config.max_batch", 0),
        "connectors.support.config.max_batch",
        "must be at least 1",
        id="support config",
    ),
    pytest.param(
        owns("billing", ["invoices", "profile"]),
        "connectors.billing.owns[1]",
        "'profile' is already owned by 'crm'",
        id="owned twice",
    ),
    pytest.param(
        owns("billing", ["invoices", "payments"]),
        "connectors.billing.owns[1]",
        "unknown capability 'payments' (known: cases, invoices, invoices_by_organisation, ",
        id="unknown capability",
    ),
    pytest.param(
        rename_rest_capability,
        "connectors.crm.config.capabilities.profiles",
        "unknown capability 'profiles' (known: cases, invoices, ",
        id="unknown capability in a rest config",
    ),
    pytest.param(
        edit("identity.links.support", {"lookup": "support_party", "from": "support"}),
        "identity.links.support.from",
        "must name a link that comes from a claim",
        id="lookup from a non-claim link",
    ),
    pytest.param(
        edit("identity.links.support", {"lookup": "support_party", "from": "orders"}),
        "identity.links.support.lookup",
        "'support_party' must be owned by 'orders'",
        id="link capability owned by the wrong connector",
    ),
    pytest.param(
        edit("identity.links.support", {"lookup": "profile", "from": "crm"}),
        "identity.links.support.lookup",
        "'profile' is not a link capability",
        id="lookup of a non-link capability",
    ),
    pytest.param(
        edit("identity.links.support", {"from": "crm"}),
        "identity.links.support",
        "give `claim` or `lookup`",
        id="link without a source",
    ),
    pytest.param(
        edit("identity.links.documents", {"claim": "documents"}),
        "identity.links.documents",
        "must be named after a connector",
        id="link for no connector",
    ),
    pytest.param(
        edit("identity.links", {"crm": {"claim": "crm"}}),
        "identity.links",
        "no link for 'orders'",
        id="owner without a link",
    ),
    pytest.param(
        edit("cache.update_profile", {"ttl_s": 30}),
        "cache.update_profile",
        "is not a cacheable read capability",
        id="cache for a write",
    ),
    pytest.param(
        edit("cache.profile", {"ttl_s": 30, "scope": "everyone"}),
        "cache.profile.scope",
        "expected one of: principal, public",
        id="unknown cache scope",
    ),
    pytest.param(
        api_key_secret({"env": "CRM_API_KEY", "file": "/run/secrets/crm"}),
        "connectors.crm.auth.secret",
        "exactly one of `env` or `file`",
        id="auth with env and file",
    ),
    pytest.param(
        api_key_secret({}),
        "connectors.crm.auth.secret",
        "exactly one of `env` or `file`",
        id="auth with neither env nor file",
    ),
    pytest.param(
        edit("connectors.orders.auth.scheme", "oauth"),
        "connectors.orders.auth.scheme",
        "unknown scheme 'oauth' (expected one of: none, api_key, basic, bearer, ",
        id="unknown auth scheme",
    ),
]


@pytest.mark.parametrize(("change", "key", "problem"), BROKEN)
def test_a_broken_registry_names_file_key_and_expectation(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], key: str, problem: str
) -> None:
    data = example()
    change(data)
    path = write(tmp_path, data)

    with pytest.raises(ConfigError) as caught:
        load(path)

    assert caught.value.file == str(path)
    assert caught.value.key == key
    assert problem in caught.value.problem
    assert caught.value.line is not None
    assert str(caught.value).startswith(f"{path}:{caught.value.line}: {key}: ")


def test_a_missing_environment_variable_names_where_it_is_used() -> None:
    environ = {k: v for k, v in ENV.items() if k != "ORDERS_URL"}

    with pytest.raises(ConfigError) as caught:
        load(EXAMPLE, environ)

    assert caught.value.file == str(EXAMPLE)
    assert caught.value.key == "connectors.orders.config.base_url"
    assert caught.value.problem == "environment variable ORDERS_URL is not set"


def test_variables_are_expanded_inside_longer_values(tmp_path: Path) -> None:
    data = example()
    data["connectors"]["crm"]["config"]["base_url"] = "http://${CRM_HOST}:${CRM_PORT}/crm"

    registry = load(write(tmp_path, data), {**ENV, "CRM_HOST": "10.0.0.7", "CRM_PORT": "8443"})

    config = registry.configs["crm"]
    assert isinstance(config, RestConfig)
    assert str(config.base_url) == "http://10.0.0.7:8443/crm"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text("connectors:\n  crm:\n    kind: rest\n    owns: [profile\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load(path)

    assert caught.value.file == str(path)
    assert (caught.value.line, caught.value.column) == (5, 1)
    assert caught.value.problem == (
        "expected ',' or ']', but got '<stream end>' (while parsing a flow sequence at line 4)"
    )


@pytest.mark.parametrize("text", ["- crm\n- orders\n", "just text\n", ""])
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "registry.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load(path)

    assert caught.value.file == str(path)
    assert caught.value.key == ""
    assert "must be a mapping" in caught.value.problem


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"

    with pytest.raises(ConfigError) as caught:
        load(path)

    assert caught.value.file == str(path)
    assert "cannot read the file" in caught.value.problem


def test_check_prints_a_summary_and_returns_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)

    status = main(["check", str(EXAMPLE)])

    out, err = capsys.readouterr()
    assert status == 0
    assert out.strip() == (f"{EXAMPLE}: ok: 4 connectors, 12 capabilities owned, 4 identity links")
    assert err == ""


def test_check_returns_2_and_names_the_file_and_key_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    data = example()
    data["connectors"]["billing"]["owns"] = ["invoices", "profile"]
    path = write(tmp_path, data)

    status = main(["check", str(path)])

    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    lines = path.read_text(encoding="utf-8").splitlines()
    billing = lines.index("  billing:")
    line = next(i for i, text in enumerate(lines) if i > billing and text.endswith("- profile"))
    where = f"{path}:{line + 1}"
    assert f"{where}: connectors.billing.owns[1]: 'profile' is already owned by 'crm'" in err


def test_a_plain_name_audience_is_a_warning_that_steers_to_a_resource_uri(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    data = example()
    data["connectors"]["support"]["auth"] = {
        "scheme": "client_credentials",
        "audience": "support-portal",
    }
    data["connectors"]["orders"]["auth"] = {
        "scheme": "token_exchange",
        "audience": "https://orders.example.com/",
    }
    path = write(tmp_path, data)

    status = main(["check", str(path)])

    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert status == 0 and err == ""
    assert len(lines) == 2  # one warning (support), then the summary
    assert lines[0].startswith(f"warning: {path}: connectors.support.auth.audience:")
    assert "'support-portal' is not a URI" in lines[0]
    assert "resource URI" in lines[0] and "target_parameter: audience" in lines[0]
    assert lines[1].endswith("4 identity links")
    registry = load_registry(path, ENV, discover_kinds())
    assert registry.warnings == (lines[0].removeprefix("warning: "),)


def test_target_parameter_forces_the_parameter_and_silences_the_warning(tmp_path: Path) -> None:
    data = example()
    data["connectors"]["support"]["auth"]["target_parameter"] = "audience"
    assert load_registry(write(tmp_path, data), ENV, discover_kinds()).warnings == ()

    # A plain name cannot be an RFC 8707 resource: forcing it there is warned of too.
    for forced in ("resource", "both"):
        data["connectors"]["support"]["auth"]["target_parameter"] = forced
        (warning,) = load_registry(write(tmp_path, data), ENV, discover_kinds()).warnings
        assert "connectors.support.auth.target_parameter:" in warning
        assert "must be an absolute URI" in warning and "invalid_target" in warning

    data["connectors"]["support"]["auth"]["target_parameter"] = "header"
    with pytest.raises(ConfigError) as caught:
        load_registry(write(tmp_path, data), ENV, discover_kinds())
    assert caught.value.key == "connectors.support.auth.target_parameter"
    assert caught.value.problem == "expected one of: auto, resource, audience, both"


def test_check_with_secrets_accepts_a_private_key_instead_of_a_client_secret(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = {
        "CRM_API_KEY": "k",
        "ORDERS_TOKEN": "t",
        "BILLING_USER": "u",
        "BILLING_PASSWORD": "p",
        "SUPPORT_API_KEY": "s",
        "PORTALGATE_CLIENT_ID": "portalgate",
        "PORTALGATE_CLIENT_PRIVATE_KEY_FILE": "/run/secrets/portalgate.pem",
    }
    for name, value in {**ENV, **secrets}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PORTALGATE_CLIENT_SECRET", raising=False)

    status = main(["check", "--secrets", str(EXAMPLE)])

    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out.strip().endswith("4 identity links")
