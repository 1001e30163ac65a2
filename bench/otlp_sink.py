"""An OTLP/HTTP trace receiver that only counts, run as its own process by the benches.

    python -m bench.otlp_sink      prints `http://127.0.0.1:<port>` on its first line, then
                                   serves POST /v1/traces (decodes, counts the spans) and
                                   GET /count (the spans received so far, as text)

A separate process, so that receiving costs the gateway's process nothing, as with a
collector on another host; it still shares the machine's cores. It stops on SIGTERM or
SIGINT.
"""

from __future__ import annotations

import asyncio
import gzip
import signal

from aiohttp import web
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

_COUNT = web.AppKey("spans", list[int])


async def _export(request: web.Request) -> web.Response:
    body = await request.read()
    if request.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    message = trace_service_pb2.ExportTraceServiceRequest()
    message.ParseFromString(body)
    request.app[_COUNT][0] += sum(
        len(scope.spans) for resource in message.resource_spans for scope in resource.scope_spans
    )
    reply = trace_service_pb2.ExportTraceServiceResponse().SerializeToString()
    return web.Response(body=reply, content_type="application/x-protobuf")


async def _count(request: web.Request) -> web.Response:
    return web.Response(text=str(request.app[_COUNT][0]))


async def serve() -> None:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[_COUNT] = [0]
    app.router.add_post("/v1/traces", _export)
    app.router.add_get("/count", _count)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
