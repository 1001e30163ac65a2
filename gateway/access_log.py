"""uvicorn's access log without query values, so no code, state or token reaches a log line.

uvicorn logs every request as ``'%s - "%s %s HTTP/%s" %d'`` with the path *and* its query
string, so the OIDC callback's `code` and `state`, an `id_token_hint`, or a token a client
put in a URL would all be written out. `RedactQueryValues` sits on the `uvicorn.access`
logger and rewrites those arguments before any handler (ours, uvicorn's or a test's)
formats them:

    GET /auth/callback?code=Zx9…&state=q1…&iss=http…
      ▶ GET /auth/callback?code=***&state=***&iss=***

Every value goes, on every route, not only a list of known names: a list would miss the
next parameter that carries a secret (and GraphQL `variables` may carry personal data).
The names stay, because they say what kind of request it was; a "name" that does not
look like one (a bare token as the whole query) is replaced too.
"""

from __future__ import annotations

import logging
import re

__all__ = ["ACCESS_LOGGER", "RedactQueryValues", "redact_access_log", "redact_query_values"]

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "***"
_PARAMETER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-\[\]]{0,39}")


def redact_query_values(target: str) -> str:
    """`target` (a request path) with each query value, and any odd name, as ``***``."""
    path, question_mark, query = target.partition("?")
    if not question_mark:
        return target
    names = (pair.partition("=")[0] for pair in query.split("&") if pair)
    kept = (name if _PARAMETER_NAME.fullmatch(name) else REDACTED for name in names)
    return f"{path}?" + "&".join(f"{name}={REDACTED}" for name in kept)


class RedactQueryValues(logging.Filter):
    """Redacts the query of every path-like string argument of a log record.

    It looks at each argument rather than at uvicorn's argument positions, so a change
    in uvicorn's access-log format cannot silently turn the redaction off.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        return True


def _redact(arg: object) -> object:
    if isinstance(arg, str) and arg.startswith("/") and "?" in arg:
        return redact_query_values(arg)
    return arg


def redact_access_log() -> None:
    """Put `RedactQueryValues` on uvicorn's access logger, once per process.

    Called by `GatewayServer` after uvicorn has configured its loggers; a logger's own
    filter (unlike a handler's) runs before every handler, including ones added later.
    """
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactQueryValues) for f in logger.filters):
        logger.addFilter(RedactQueryValues())
