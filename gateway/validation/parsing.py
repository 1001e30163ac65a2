"""Parsing a request's document: the token limit first, then graphql-core's parser, cached.

    query ─▶ more than max_tokens tokens (comments count)? ─▶ QUERY_TOO_COMPLEX {maxTokens}
          ─▶ graphql-core parse ─▶ GraphQLSyntaxError ─▶ GRAPHQL_PARSE_FAILED
          ─▶ DocumentNode (LRU-cached per query text)

Replaces strawberry's MaxTokensLimiter and ParserCache. graphql-core's own `max_tokens`
fails the parse with a GraphQLSyntaxError, the same type as a typo, so only its message
would tell the two apart; the tokens are counted here instead, and each error carries its
code from the start. Counting stops at the first token over the limit, so a document
padded with comments costs no more than the limit's worth of lexing.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSyntaxError, Source, parse
from graphql.language import Lexer, Token, TokenKind
from strawberry.extensions import SchemaExtension

from connectors.errors import ErrorCode

__all__ = ["DocumentParser", "ParseDocument", "TooManyTokens"]


class TooManyTokens(GraphQLError):
    """The document has more tokens than the gateway parses; a QUERY_TOO_COMPLEX error."""

    def __init__(self, source: Source, token: Token, max_tokens: int) -> None:
        super().__init__(
            f"The document has more than {max_tokens} tokens; the limit is {max_tokens}.",
            source=source,
            positions=[token.start],
            extensions={"code": str(ErrorCode.QUERY_TOO_COMPLEX), "maxTokens": max_tokens},
        )


class DocumentParser:
    """Parses query texts under one token limit; owns the LRU of parsed documents."""

    def __init__(self, max_tokens: int, cache_size: int = 256) -> None:
        self.max_tokens = max_tokens
        self._cached_parse = lru_cache(maxsize=cache_size)(self._parse)

    def parse(self, query: str) -> DocumentNode:
        """The document; raises TooManyTokens or a GraphQLSyntaxError, both with a code."""
        return self._cached_parse(query)

    def _parse(self, query: str) -> DocumentNode:
        source = Source(query)
        over = _token_over_limit(source, self.max_tokens)
        if over is not None:
            raise TooManyTokens(source, over, self.max_tokens)
        try:
            return parse(source)
        except GraphQLSyntaxError as error:
            error.extensions = {
                **(error.extensions or {}),
                "code": str(ErrorCode.GRAPHQL_PARSE_FAILED),
            }
            raise


def _token_over_limit(source: Source, max_tokens: int) -> Token | None:
    """The first token past `max_tokens` (comments included, as graphql-core counts), or None.

    A lexing error ends the count: the parser then reports it as the syntax error it is.
    """
    lexer = Lexer(source)
    token = lexer.token
    try:
        for _ in range(max_tokens + 1):
            token = lexer.read_next_token(token.end)
            if token.kind is TokenKind.EOF:
                return None
    except GraphQLSyntaxError:
        return None
    return token


class ParseDocument(SchemaExtension):
    """Sets the request's document from the shared parser; strawberry then skips its own."""

    def __init__(self, parser: DocumentParser) -> None:
        self.parser = parser

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            context.graphql_document = self.parser.parse(context.query)
        yield
