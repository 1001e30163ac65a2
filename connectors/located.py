"""A validation problem that knows where, below the model that found it, it lies.

A model validator can only raise a `ValueError` for the whole model; pydantic keeps the
exception in the error's context, so raising this one lets `config.messages` report
`connectors.crm.config.capabilities.profile.response.record.fist_name` rather than
`connectors.crm.config`.
"""

from __future__ import annotations

__all__ = ["LocatedValueError"]


class LocatedValueError(ValueError):
    """`problem` at `loc`, a key path relative to the model being validated."""

    def __init__(self, loc: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.loc = loc
        self.problem = problem
