"""Which root fields a document's operation selects: what per-operation rate limits key on."""

from __future__ import annotations

from gateway.middleware.root_fields import root_fields


def test_root_fields_of_a_single_operation() -> None:
    assert root_fields("{ viewer { id } node(id: 1) { id } }", None, max_tokens=100) == {
        "viewer",
        "node",
    }


def test_fragments_at_the_root_are_followed_once() -> None:
    document = """
        mutation Harmless { ...Again }
        fragment Again on Mutation {
            openTicket(input: {}) { number }
            ...Again
            ... on Mutation { updateProfile(input: {}) { id } }
        }
    """
    assert root_fields(document, None, max_tokens=200) == {"openTicket", "updateProfile"}


def test_the_operation_named_by_operation_name_is_the_one_counted() -> None:
    document = "query A { viewer { id } } mutation B { openTicket(input: {}) { number } }"
    assert root_fields(document, "B", max_tokens=100) == {"openTicket"}
    assert root_fields(document, None, max_tokens=100) == frozenset()  # ambiguous: not run


def test_documents_that_do_not_parse_or_are_too_long_select_nothing() -> None:
    assert root_fields("{ viewer { id ", None, max_tokens=100) == frozenset()
    assert root_fields("{ viewer { id name } }", None, max_tokens=3) == frozenset()
