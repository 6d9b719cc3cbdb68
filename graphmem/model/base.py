"""The base of graphmem's pydantic models.

A model's validator is built when it is first used, not when its module is imported: a hook or a
CLI command starts a fresh process and touches a handful of the package's models, so it pays
for those alone.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """A pydantic model whose schema is built on first use (see the module docstring)."""

    model_config = ConfigDict(defer_build=True)

    @classmethod
    def stored(cls, **values: Any) -> Self:
        """A record from values validated when they were written (a store's rows), with every
        field given: built without validation, at half the cost of `model_construct`, which
        also fills in defaults. Reading 10k memories and their edges builds 20k of these."""
        record = cls.__new__(cls)
        object.__setattr__(record, "__dict__", values)
        object.__setattr__(record, "__pydantic_fields_set__", set(values))
        object.__setattr__(record, "__pydantic_extra__", None)
        object.__setattr__(record, "__pydantic_private__", None)
        return record
