"""The `portalgate` command: serve, demo, check, schema.

portalgate serve --config registry.yaml     run the gateway (settings from PORTALGATE_*)
portalgate demo                             simulated portals + dev issuer + gateway
portalgate check registry.yaml              validate a registry file and exit
portalgate check registry.yaml --live FIXTURES [--record DIR]   call the portals, check mappings
portalgate check registry.yaml --recorded DIR                   the same against saved answers
portalgate schema [--config registry.yaml]  print the schema (SDL) for UI developers,
                                            with that registry's declared data
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from opentelemetry.trace import NoOpTracerProvider
from pydantic import ValidationError
from starlette.applications import Starlette

from config.errors import ConfigError
from config.settings import Settings
from gateway.app import create_app
from gateway.check import check_registry, run_probe
from gateway.extensions import discover_extensions, load_with_extensions, registry_schema
from gateway.logs import configure_logging
from gateway.runtime import open_runtime
from gateway.slow_clients import ConnectionGuard, GuardedConfig
from gateway.telemetry import build_tracer_provider
from schema.build import build_schema

__all__ = ["GatewayServer", "main", "server_config"]

EXAMPLE_REGISTRY = Path(__file__).resolve().parent.parent / "config" / "registry.example.yaml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portalgate", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the gateway")
    serve.add_argument("--config", type=Path, help="registry file (else PORTALGATE_REGISTRY_PATH)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    demo = commands.add_parser("demo", help="run the demo: portals, issuer and gateway, locally")
    demo.add_argument("--port", type=int, default=8000, help="gateway port")
    demo.add_argument("--config", type=Path, default=EXAMPLE_REGISTRY)

    check = commands.add_parser("check", help="validate a registry file")
    check.add_argument("config", type=Path)
    check.add_argument(
        "--secrets", action="store_true", help="also require every referenced secret to be set"
    )
    probe = check.add_mutually_exclusive_group()
    probe.add_argument(
        "--live",
        type=Path,
        metavar="FIXTURES",
        help="call each capability with the sample keys in FIXTURES (YAML)",
    )
    probe.add_argument(
        "--recorded", type=Path, metavar="DIR", help="the same checks against answers saved in DIR"
    )
    check.add_argument(
        "--record", type=Path, metavar="DIR", help="with --live: save the answers in DIR"
    )

    schema = commands.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema.add_argument("--config", type=Path, help="registry file whose `data:` fields to include")
    return parser


def print_schema(path: Path | None, environ: Mapping[str, str]) -> str:
    """The SDL clients see: with the installed extensions and, given a registry, its data."""
    installed = discover_extensions()
    if path is None:
        return build_schema(viewer_extensions=installed).as_str()
    registry = load_with_extensions(path, environ, installed)
    schema = registry_schema(
        registry, installed, lambda fields: build_schema(viewer_extensions=fields)
    )
    return schema.as_str()


class GatewayServer(uvicorn.Server):
    """uvicorn's server, printing a banner once the gateway has started listening."""

    def __init__(self, config: uvicorn.Config, banner: str | None) -> None:
        super().__init__(config)
        self._banner = banner

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # Everything alive now (modules, schema, runtime) lives as long as the process;
        # moving it out of the collector's view keeps full collections short
        # (bench/README.md measured GC at a third of wall time under load without this).
        gc.freeze()
        if self._banner and self.started:
            print(self._banner, flush=True)


async def _preflight(settings: Settings, environ: Mapping[str, str]) -> None:
    """Open and close the runtime once before serving, so that configuration errors
    (registry, secrets, issuer) end the command with one clear line instead of a server
    that logs a traceback from its lifespan."""
    async with open_runtime(settings, NoOpTracerProvider(), environ):
        pass


def server_config(app: Starlette, settings: Settings, **server: Any) -> GuardedConfig:
    """uvicorn's configuration for the gateway; `server` adds uvicorn options (host, port).

    uvicorn neither configures logging (`log_config=None`: `configure_logging` did, so its
    own lines are JSON too) nor writes its access log: the gateway's access line
    (gateway/middleware/access_line.py) replaces it, without the query string.
    """
    guard = ConnectionGuard.from_settings(settings)
    return GuardedConfig(
        app,
        guard=guard,
        log_config=None,
        log_level=settings.log_level.lower(),
        access_log=False,
        **server,
    )


async def _serve(
    app: Starlette, settings: Settings, host: str, port: int, banner: str | None = None
) -> None:
    server = GatewayServer(server_config(app, settings, host=host, port=port), banner)
    await server.serve()
    if not server.started:
        raise SystemExit(1)


async def _demo(port: int, config: Path) -> None:
    from demo.stack import open_demo_stack  # the gateway itself never imports demo/

    async with open_demo_stack() as stack:
        base = f"http://127.0.0.1:{port}"
        settings = Settings(
            registry_path=config,
            issuer=stack.issuer.url,
            client_id=stack.env["PORTALGATE_CLIENT_ID"],
            client_secret=stack.env["PORTALGATE_CLIENT_SECRET"],
            public_url=base,
            post_logout_url=f"{base}/auth/session",
            development=True,
        )
        configure_logging(settings.log_format, settings.log_level)
        environ = {**os.environ, **stack.env}
        await _preflight(settings, environ)
        app = create_app(settings, tracer_provider=build_tracer_provider(environ), environ=environ)
        first = stack.customers[0]
        token = stack.issuer.issue_token(first.subject)
        banner = "\n".join(
            [
                "",
                "portalgate demo is running.",
                f"  GraphiQL:  {base}/graphql",
                f"  Health:    {base}/health",
                f"  Customer:  {first.subject} ({first.first_name} {first.last_name})",
                f"  Token:     {token}",
                '  In GraphiQL, add the header:  {"Authorization": "Bearer <token>"}',
                "  Try:  { viewer { profile { displayName } actionItems { title dueOn } } }",
                f"  Another customer's token (cust-001 .. cust-{len(stack.customers):03d}):",
                f"    curl -s '{stack.issuer.url}/dev/token?customer=cust-002'",
                f"  Browser sign-in: {base}/auth/login  (any cust-NNN, password: demo)",
                "  Stop with Ctrl-C.",
                "",
            ]
        )
        # Plain http on 127.0.0.1: browsers accept Secure cookies on loopback, so the
        # production cookie settings work unchanged in the demo.
        await _serve(app, settings, "127.0.0.1", port, banner)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "schema":
            print(print_schema(args.config, os.environ))
            return 0
        if args.command == "check":
            print(check_registry(args.config, os.environ, secrets=args.secrets))
            if args.record is not None and args.live is None:
                raise ConfigError(None, "--record", "goes with --live FIXTURES")
            if args.live is None and args.recorded is None:
                return 0
            report = asyncio.run(
                run_probe(
                    args.config,
                    os.environ,
                    live=args.live,
                    record=args.record,
                    recorded=args.recorded,
                )
            )
            print(report.render())
            return 1 if report.failed else 0
        if args.command == "demo":
            asyncio.run(_demo(args.port, args.config))
            return 0
        tracer_provider = build_tracer_provider(os.environ)  # a bad OTEL_* ends it here
        overrides = {"registry_path": args.config} if args.config else {}
        settings = Settings(**overrides)
        configure_logging(settings.log_format, settings.log_level)
        asyncio.run(_preflight(settings, os.environ))
        app = create_app(settings, tracer_provider=tracer_provider)
        asyncio.run(_serve(app, settings, args.host, args.port))
        return 0
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        key = "PORTALGATE_" + "__".join(str(p) for p in first["loc"]).upper()
        print(f"configuration error: environment: {key}: {first['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
