"""A portal's answers, saved while a connector talks to it, for runs without the portal.

    AnswerRecorder(base_url).trace_config  ─▶ SessionFactory(trace_configs=(...,))
        every request's method, path (below the base URL), query, status, content type
        and body, as aiohttp's tracing signals report them (no headers: they carry the
        credentials)
    save_recording(folder, Recording(...)) / load_recordings(folder)
        <folder>/<connector>/<capability>.json

A recording holds what the portal answered, customers' data included: keep the folder
with the owner's test data, not in a public repository.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import yarl

__all__ = ["AnswerRecorder", "Exchange", "Recording", "load_recordings", "save_recording"]


@dataclass
class Exchange:
    """One request and the portal's answer to it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    status: int = 0
    content_type: str = ""
    chunks: list[bytes] = field(default_factory=list, repr=False)
    body: str = ""
    # SHA-256 of the request body: SOAP-style portals send every call to one URL and
    # differ only in the body, which itself is not kept (it may hold a credential).
    request_digest: str = field(default_factory=lambda: hashlib.sha256().hexdigest())
    sent: Any = field(default_factory=hashlib.sha256, repr=False, compare=False)

    def same_request(self, method: str, path: str, query: list[tuple[str, str]]) -> bool:
        return (self.method, self.path, sorted(self.query)) == (method, path, sorted(query))

    def finished(self) -> Exchange:
        if self.sent is not None:
            self.request_digest = self.sent.hexdigest()
            self.sent = None
        if self.chunks:
            self.body = b"".join(self.chunks).decode("utf-8", errors="replace")
            self.chunks = []
        return self


@dataclass
class Recording:
    """What one capability's sample keys cost: the keys and every exchange they caused."""

    connector: str
    capability: str
    keys: list[str]
    exchanges: list[Exchange]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for exchange in data["exchanges"]:
            exchange.pop("chunks")
            exchange.pop("sent")
        return data


def relative_path(base: yarl.URL, url: yarl.URL) -> str:
    """`url`'s path below `base`'s, so a recording replays under another base URL."""
    prefix = base.path.rstrip("/")
    path = url.path
    return path[len(prefix) :] if prefix and path.startswith(prefix) else path


class AnswerRecorder:
    """Collects the exchanges of the sessions it traces, from aiohttp's tracing signals."""

    def __init__(self, base_url: str) -> None:
        self._base = yarl.URL(base_url)
        self.exchanges: list[Exchange] = []
        self.trace_config = aiohttp.TraceConfig()
        self.trace_config.on_request_start.append(self._start)
        self.trace_config.on_request_end.append(self._end)
        self.trace_config.on_response_chunk_received.append(self._chunk)
        self.trace_config.on_request_chunk_sent.append(self._sent)

    def take(self) -> list[Exchange]:
        """The exchanges so far (bodies complete), and start afresh."""
        taken = [exchange.finished() for exchange in self.exchanges]
        self.exchanges = []
        return taken

    async def _start(
        self,
        _: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        url = params.url
        ctx.exchange = Exchange(
            params.method, relative_path(self._base, url), list(url.query.items())
        )
        self.exchanges.append(ctx.exchange)

    async def _end(
        self, _: aiohttp.ClientSession, ctx: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        ctx.exchange.status = params.response.status
        ctx.exchange.content_type = params.response.headers.get("Content-Type", "")

    async def _chunk(
        self,
        _: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceResponseChunkReceivedParams,
    ) -> None:
        if hasattr(ctx, "exchange"):
            ctx.exchange.chunks.append(params.chunk)

    async def _sent(
        self,
        _: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestChunkSentParams,
    ) -> None:
        if hasattr(ctx, "exchange") and ctx.exchange.sent is not None:
            ctx.exchange.sent.update(params.chunk)


def save_recording(folder: Path, recording: Recording) -> Path:
    """Write `recording` to <folder>/<connector>/<capability>.json; returns the file."""
    target = folder / recording.connector / f"{recording.capability}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(recording.to_json(), indent=2) + "\n", encoding="utf-8")
    return target


def load_recordings(folder: Path) -> list[Recording]:
    """Every recording in `folder`; a file that is not one raises ValueError naming it."""
    recordings: list[Recording] = []
    for file in sorted(folder.glob("*/*.json")):
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            exchanges = [
                Exchange(
                    method=str(e["method"]),
                    path=str(e["path"]),
                    query=[(str(k), str(v)) for k, v in e["query"]],
                    status=int(e["status"]),
                    content_type=str(e["content_type"]),
                    body=str(e["body"]),
                    request_digest=str(e["request_digest"]),
                    sent=None,
                )
                for e in data["exchanges"]
            ]
            recordings.append(
                Recording(
                    str(data["connector"]),
                    str(data["capability"]),
                    [str(k) for k in data["keys"]],
                    exchanges,
                )
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{file}: not a recording ({type(exc).__name__})") from None
    return recordings
