"""Resolver tests use the schema tests' gateway, serving a schema built from their lists."""

from __future__ import annotations

from tests.schema.conftest import serve_schema, stack

__all__ = ["serve_schema", "stack"]
