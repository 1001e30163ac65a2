"""The status page's HTML, from `status_snapshot`'s dict; pure, no I/O.

Self-contained on purpose: inline CSS, no script, no link, image or font to fetch, so the
page works on an operator network without internet and leaks no request to a third party.
It reloads itself with a meta refresh. Every value goes through `html.escape`, the
connector's name and a breaker reason as much as a number.

Written with f-strings rather than a template engine: the page is a few fixed tables, and
a template dependency would be bigger than it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["REFRESH_S", "render_status"]

REFRESH_S = 5

_CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f;
  background: #fafafa; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin: 0 0 .5rem; } h3 { font-size: 1rem; }
section { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 1rem;
  margin: 0 0 1rem; }
table { border-collapse: collapse; margin: .25rem 0 .75rem; }
th, td { text-align: left; padding: .2rem .75rem .2rem 0; border-bottom: 1px solid #eee;
  vertical-align: top; }
th { font-weight: 600; color: #555; }
.state { display: inline-block; padding: 0 .5rem; border-radius: 4px; color: #fff; }
.up, .closed { background: #2e7d32; } .degraded, .half_open { background: #ef6c00; }
.down, .open { background: #c62828; }
.none { color: #777; }
"""


def _text(value: Any) -> str:
    if value is None:
        return '<span class="none">-</span>'
    return escape(str(value))


def _state(value: str) -> str:
    return f'<span class="state {escape(value)}">{escape(value)}</span>'


def _ms(value: float | None) -> str:
    return _text(None if value is None else f"{value:.1f} ms")


def _rate(value: float | None) -> str:
    return _text(None if value is None else f"{value * 100:.1f} %")


def _table(headings: Sequence[str], rows: Iterable[Sequence[str]], empty: str) -> str:
    """A table of already escaped cells, or a line saying there is nothing."""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return f'<p class="none">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headings)
    return f"<table>{f'<tr>{head}</tr>' if head else ''}{body}</table>"


def _connector(name: str, c: Mapping[str, Any]) -> str:
    facts = [
        ("readiness", f"{_state(c['status'])} {_text(c['reason'])}"),
        ("since", _text(c["since"])),
        ("breaker", _state(c["breaker"])),
        ("health probe", _ms(c["probeLatencyMs"])),
        ("calls", _text(c["calls"])),
        ("p50 / p95", f"{_ms(c['p50Ms'])} / {_ms(c['p95Ms'])}"),
        ("error rate", _rate(c["errorRate"])),
    ]
    outcomes = [(_text(code), _text(n)) for code, n in c["outcomes"].items()]
    transitions = [
        (_text(t["at"]), f"{_state(t['from'])} &rarr; {_state(t['to'])}", _text(t["reason"]))
        for t in c["breakerHistory"]
    ]
    errors = [
        (_text(e["at"]), _text(e["capability"]), _text(e["code"]), _text(e["reason"]))
        for e in c["lastErrors"]
    ]
    return (
        f'<section id="connector-{escape(name)}"><h2>{escape(name)} {_state(c["status"])}</h2>'
        + _table((), ((f"<b>{escape(k)}</b>", v) for k, v in facts), "")
        + "<h3>Calls by outcome</h3>"
        + _table(("outcome", "calls"), outcomes, "no calls in the window")
        + "<h3>Breaker history</h3>"
        + _table(("at", "transition", "reason"), transitions, "no transitions yet")
        + "<h3>Last errors</h3>"
        + _table(("at", "capability", "code", "reason"), errors, "no errors yet")
        + "</section>"
    )


def _overview(connectors: Mapping[str, Mapping[str, Any]]) -> str:
    """One row per connector, to scan before reading the sections."""
    rows = [
        (
            escape(name),
            _state(c["status"]),
            _state(c["breaker"]),
            _text(c["calls"]),
            _ms(c["p50Ms"]),
            _ms(c["p95Ms"]),
            _rate(c["errorRate"]),
        )
        for name, c in connectors.items()
    ]
    headings = ("connector", "readiness", "breaker", "calls", "p50", "p95", "error rate")
    return _table(headings, rows, "no connectors")


def render_status(snapshot: Mapping[str, Any]) -> str:
    """The whole page for one snapshot."""
    connectors = "".join(_connector(n, c) for n, c in snapshot["connectors"].items())

    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{REFRESH_S}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>portalgate status: {escape(snapshot['status'])}</title>"
        f"<style>{_CSS}</style></head><body>"
        f"<h1>portalgate {_state(snapshot['status'])}</h1>"
        f"<p>At {_text(snapshot['generatedAt'])}; call figures over the last "
        f"{_text(round(snapshot['windowS']))} s (at most the last "
        f"{_text(snapshot['maxCalls'])} calls per connector). "
        f"This page reloads every {REFRESH_S} s; the same data as JSON: "
        "<code>/status.json</code>.</p>"
        f"{_overview(snapshot['connectors'])}{connectors}"
        "</body></html>"
    )
