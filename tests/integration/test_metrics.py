"""GET /metrics: scraped by a real Prometheus and queried with PromQL, checked by promtool,
and read directly for what a scrape must show (bounded names, principal kinds, breakers)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client.parser import text_string_to_metric_families

from demo.stack import DemoStack
from tests.integration.conftest import Gateway, open_gateway, serve_in_process
from tests.integration.test_dashboard import DASHBOARD

ACCEPT = {"Accept": "application/graphql-response+json"}
EMPLOYEE = {"sub": "emp-001", "roles": ["customer_service"]}


def _tool(name: str) -> str:
    """Debian's prometheus package; CI installs it (.ci/run), so there it must be present."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        message = f"{name} is not installed (apt-get install prometheus)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def run_prometheus(target: str, workdir: Path) -> AsyncIterator[str]:
    """Prometheus on loopback scraping `target` (host:port) every second; yields its URL."""
    config = workdir / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: portalgate\n"
        "    metrics_path: /metrics\n"
        f"    static_configs: [{{targets: ['{target}']}}]\n"
    )
    port = _free_port()
    log = (workdir / "prometheus.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        _tool("prometheus"),
        f"--config.file={config}",
        f"--storage.tsdb.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as client, asyncio.timeout(30):
            while True:
                assert process.returncode is None, (workdir / "prometheus.log").read_text()
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/-/ready")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
        log.close()


async def promql(prometheus: str, query: str, at_least: float = 1.0) -> dict[str, float]:
    """The instant vector `query` as {labels: value}, once some series reaches `at_least`
    (Prometheus scrapes every second; a generous bound for a loaded machine)."""
    async with httpx.AsyncClient(base_url=prometheus) as client, asyncio.timeout(30):
        while True:
            response = await client.get("/api/v1/query", params={"query": query})
            assert response.status_code == 200, response.text
            result = response.json()["data"]["result"]
            vector = {
                ",".join(f"{k}={v}" for k, v in sorted(r["metric"].items()) if k != "__name__"): (
                    float(r["value"][1])
                )
                for r in result
            }
            if any(value >= at_least for value in vector.values()):
                return vector
            await asyncio.sleep(0.5)


async def test_prometheus_scrapes_the_dashboards_metrics_and_promtool_accepts_them(
    stack: DemoStack, tracer_provider: TracerProvider, tmp_path: Path
) -> None:
    async with serve_in_process(stack, tracer_provider) as server:
        target = server.url.removeprefix("http://")
        async with run_prometheus(target, tmp_path) as prometheus:
            token = stack.issuer.issue_token("cust-001")
            async with httpx.AsyncClient(base_url=server.url) as client:
                for _ in range(2):  # the second finds the profile in the record cache
                    response = await client.post(
                        "/graphql",
                        json={"query": DASHBOARD},
                        headers={"Authorization": f"Bearer {token}", **ACCEPT},
                    )
                    assert response.status_code == 200
                    assert "errors" not in response.json()
                scraped = await client.get("/metrics")

            assert await promql(prometheus, 'up{job="portalgate"}') == {
                f"instance={target},job=portalgate": 1.0
            }
            operations = await promql(
                prometheus,
                "sum by (operation, outcome, principal_kind)"
                ' (portalgate_operations_total{operation="Dashboard"})',
                at_least=2,
            )
            assert operations == {"operation=Dashboard,outcome=ok,principal_kind=customer": 2.0}
            calls = await promql(
                prometheus,
                'sum by (connector) (portalgate_connector_call_duration_seconds_bucket{le="+Inf"})',
            )
            assert set(calls) == {f"connector={c}" for c in ("crm", "orders", "billing", "support")}
            outcomes = await promql(
                prometheus, "sum by (outcome) (portalgate_connector_calls_total)"
            )
            assert set(outcomes) == {"outcome=ok"}
            cache = await promql(
                prometheus, 'sum by (result) (portalgate_cache_lookups_total{capability="profile"})'
            )
            assert cache["result=hit"] >= 1
            assert cache["result=miss"] == 1
            overhead = await promql(prometheus, "portalgate_gateway_overhead_seconds_count", 2)
            assert list(overhead.values()) == [2.0]
            breakers = await promql(prometheus, 'portalgate_breaker_state{state="closed"}')
            assert sorted(breakers.values()) == [1.0, 1.0, 1.0, 1.0]

    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain; version=")
    check = await asyncio.create_subprocess_exec(
        _tool("promtool"),
        "check",
        "metrics",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await check.communicate(scraped.content)
    assert check.returncode == 0, output.decode()


async def scrape(gateway: Gateway) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """/metrics as {sample name: {sorted labels: value}}."""
    response = await gateway.client.get("/metrics")
    assert response.status_code == 200
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


async def test_operation_names_beyond_the_limit_and_refused_ones_fold_into_other(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, metrics_max_operation_names=2) as gateway:
        for name in ("First", "Second", "Third", "Fourth"):
            await gateway.query(f"query {name} {{ __typename }}")
        refused = await gateway.client.post(
            "/graphql",
            json={"query": "query Zed { noSuchField }"},
            headers={**gateway.auth(), **ACCEPT},
        )
        assert refused.status_code == 400
        operations = (await scrape(gateway))["portalgate_operations_total"]

    by_name = {(dict(k)["operation"], dict(k)["outcome"]): v for k, v in operations.items()}
    assert by_name == {
        ("First", "ok"): 1.0,
        ("Second", "ok"): 1.0,
        ("other", "ok"): 2.0,
        ("other", "rejected"): 1.0,
    }


async def test_usage_is_counted_apart_for_customers_acting_employees_and_service_clients(
    gateway: Gateway,
) -> None:
    profile = "query Look { viewer { profile { lastName } } }"
    await gateway.query(profile)
    await gateway.query(profile, act=EMPLOYEE)
    await gateway.query("query Ping { __typename }", roles=["service_client"])
    samples = await scrape(gateway)

    kinds = {
        (dict(k)["operation"], dict(k)["principal_kind"]): v
        for k, v in samples["portalgate_operations_total"].items()
    }
    assert kinds == {("Look", "customer"): 1.0, ("Look", "employee"): 1.0, ("Ping", "service"): 1.0}
    loads = {
        (dict(k)["capability"], dict(k)["principal_kind"]): v
        for k, v in samples["portalgate_capability_loads_total"].items()
    }
    assert loads == {("profile", "customer"): 1.0, ("profile", "employee"): 1.0}
    # The scrape itself is the one request in flight.
    assert samples["portalgate_http_requests_in_flight"] == {(): 1.0}


async def test_an_open_breaker_and_rate_limit_refusals_show_in_the_metrics(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, rate_limit="8/minute") as gateway:
        stack.crm.knobs.fail_status = 503
        statuses = []
        for _ in range(9):
            response = await gateway.client.post(
                "/graphql",
                json={"query": "query Look { viewer { profile { lastName } } }"},
                headers={**gateway.auth(), **ACCEPT},
            )
            statuses.append(response.status_code)
        samples = await scrape(gateway)

    assert statuses == [200] * 8 + [429]
    assert samples["portalgate_rate_limit_refusals_total"] == {(("route", "/graphql"),): 1.0}
    states = {
        dict(k)["state"]: v
        for k, v in samples["portalgate_breaker_state"].items()
        if dict(k)["connector"] == "crm"
    }
    assert states == {"closed": 0.0, "open": 1.0, "half_open": 0.0}
    transitions = samples["portalgate_breaker_transitions_total"]
    assert transitions == {(("connector", "crm"), ("state", "open")): 1.0}
    crm_calls = {
        dict(k)["outcome"]: v
        for k, v in samples["portalgate_connector_calls_total"].items()
        if dict(k)["connector"] == "crm"
    }
    assert set(crm_calls) == {"UPSTREAM_UNAVAILABLE"}


async def test_metrics_switched_off_are_not_served(
    stack: DemoStack, tracer_provider: TracerProvider
) -> None:
    async with open_gateway(stack, tracer_provider, metrics_enabled=False) as gateway:
        await gateway.query("query Ping { __typename }")
        response = await gateway.client.get("/metrics")

    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_gateway_overhead_leaves_out_the_wait_on_a_slow_portal(gateway: Gateway) -> None:
    gateway.stack.crm.knobs.latency_s = 0.5
    await gateway.query("query Look { viewer { profile { lastName } } }")
    samples = await scrape(gateway)

    (request_s,) = samples["portalgate_operation_duration_seconds_sum"].values()
    (overhead_s,) = samples["portalgate_gateway_overhead_seconds_sum"].values()
    assert request_s >= 0.5
    # Generous: the portal's half second is left out, whatever the machine's load.
    assert overhead_s < request_s - 0.4
