"""DocumentParser: the token limit (comments included) and syntax errors, each with its code."""

from __future__ import annotations

import pytest
from graphql import GraphQLError, GraphQLSyntaxError

from gateway.validation import DocumentParser, TooManyTokens


def test_a_document_of_exactly_the_limit_parses_and_one_more_token_is_refused() -> None:
    parser = DocumentParser(max_tokens=6)
    assert parser.parse("{ viewer { id } }").definitions  # 6 tokens
    with pytest.raises(TooManyTokens) as refused:
        parser.parse("{ viewer { id name } }")
    assert refused.value.extensions == {"code": "QUERY_TOO_COMPLEX", "maxTokens": 6}
    assert refused.value.locations is not None


def test_comments_count_towards_the_limit() -> None:
    parser = DocumentParser(max_tokens=6)
    with pytest.raises(TooManyTokens):
        parser.parse("{ viewer #\n { id } }")


def test_a_syntax_error_is_graphql_parse_failed() -> None:
    parser = DocumentParser(max_tokens=100)
    with pytest.raises(GraphQLSyntaxError) as failed:
        parser.parse('{ viewer { id "unterminated')
    assert failed.value.extensions == {"code": "GRAPHQL_PARSE_FAILED"}


def test_the_same_text_is_parsed_once() -> None:
    parser = DocumentParser(max_tokens=100)
    assert parser.parse("{ viewer { id } }") is parser.parse("{ viewer { id } }")


def test_a_refusal_is_a_graphql_error_clients_can_read() -> None:
    with pytest.raises(GraphQLError, match="more than 3 tokens"):
        DocumentParser(max_tokens=3).parse("{ viewer { id } }")
