"""`portalgate serve` as a child process in front of the demo stack, on a free loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from demo.stack import DemoStack

EXAMPLE_REGISTRY = Path(__file__).resolve().parents[2] / "config" / "registry.example.yaml"
_START_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class ServedGateway:
    """A running `portalgate serve`: its port and what it wrote to stderr so far."""

    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _wait_until_listening(served: ServedGateway, process: asyncio.subprocess.Process) -> None:
    started = time.monotonic()
    while time.monotonic() - started < _START_TIMEOUT_S:
        if process.returncode is not None:
            raise RuntimeError(f"portalgate serve exited: {served.log()[-2000:]}")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        # A whole request the server answers and closes itself: once we read its end, the
        # server has forgotten this connection, so it never counts against a test's cap.
        writer.write(b"GET /ready-probe HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        await reader.read()
        writer.close()
        await writer.wait_closed()
        return
    raise RuntimeError("portalgate serve did not start listening in time")


@contextlib.asynccontextmanager
async def serve_gateway(
    stack: DemoStack, settings: Mapping[str, str]
) -> AsyncIterator[ServedGateway]:
    """Run `portalgate serve` with PORTALGATE_<NAME> set from `settings`."""
    env = {
        **os.environ,
        **stack.env,
        "PORTALGATE_ISSUER": stack.issuer.url,
        "PORTALGATE_REGISTRY_PATH": str(EXAMPLE_REGISTRY),
        **{f"PORTALGATE_{name.upper()}": value for name, value in settings.items()},
    }
    # Append mode: the child writes at the end however far the test has read.
    with tempfile.NamedTemporaryFile(mode="ab", prefix="portalgate-serve-") as log:
        served = ServedGateway(_free_port(), Path(log.name))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gateway.cli",
            "serve",
            "--port",
            str(served.port),
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            await _wait_until_listening(served, process)
            yield served
        finally:
            if process.returncode is None:
                process.terminate()
                await process.wait()
