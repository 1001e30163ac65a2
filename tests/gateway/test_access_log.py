"""The access-log filter: query values never survive, parameter names do."""

from __future__ import annotations

import logging

import pytest

from gateway.access_log import (
    ACCESS_LOGGER,
    RedactQueryValues,
    redact_access_log,
    redact_query_values,
)


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/graphql", "/graphql"),
        (
            "/auth/callback?code=abc&state=def&iss=http%3A%2F%2Fx",
            "/auth/callback?code=***&state=***&iss=***",
        ),
        ("/graphql?query=%7Bviewer%7D&variables=%7B%7D", "/graphql?query=***&variables=***"),
        ("/x?eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "/x?***=***"),
        ("/x?a=1&&b", "/x?a=***&b=***"),
    ],
)
def test_query_values_are_redacted_and_names_kept(target: str, logged: str) -> None:
    assert redact_query_values(target) == logged


def test_the_filter_rewrites_every_path_argument_and_leaves_the_rest() -> None:
    record = logging.LogRecord(
        ACCESS_LOGGER,
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/auth/callback?code=c0de&state=st4te", "1.1", 302),
        None,
    )
    assert RedactQueryValues().filter(record) is True
    assert (
        record.getMessage()
        == '127.0.0.1:5000 - "GET /auth/callback?code=***&state=*** HTTP/1.1" 302'
    )


def test_installing_twice_adds_one_filter() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    redact_access_log()
    redact_access_log()
    assert sum(isinstance(f, RedactQueryValues) for f in logger.filters) == 1
