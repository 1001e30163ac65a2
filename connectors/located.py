"""A validation problem that knows where, below the model that found it, it lies.

A model validator can only raise a `ValueError` for the whole model; pydantic keeps the
exception in the error's context, so raising this one lets `config.messages` report
`connectors.crm.config.capabilities.profile.response.record.fist_name` rather than
`connectors.crm.config`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["LocatedValueError", "NestedValueError"]


class LocatedValueError(ValueError):
    """`problem` at `loc`, a key path relative to the model being validated."""

    def __init__(self, loc: tuple[str | int, ...], problem: str) -> None:
        super().__init__(problem)
        self.loc = loc
        self.problem = problem


class NestedValueError(ValueError):
    """A model validated by a validator of ours (not by pydantic's own nesting) failed.

    pydantic keeps only this exception, not the nested errors' locations, so it carries
    them: `config.messages` then names the key below (`...record.last_name.pth`).
    """

    def __init__(self, error: ValidationError, model: type[BaseModel]) -> None:
        super().__init__(str(error.errors(include_input=False)[0]["msg"]))
        self.errors: list[Any] = list(error.errors(include_input=False, include_url=False))
        self.model = model
