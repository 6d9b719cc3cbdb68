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
    def stored(cls, values: dict[str, Any], fields: set[str] | None = None) -> Self:
        """A record from values known to be valid (a store's rows, an ingest's own ids), every
        field given: built without validation by setting the four attributes pydantic's own
        `__setstate__` sets, at a quarter of the cost of `model_construct` (which also fills in
        defaults field by field) and half of `__setstate__`'s. Equal in every way to the
        validated record (tests check it). `fields`: the set of field names, which records of
        one kind may share (sympy's ingest builds 150k edges)."""
        record = cls.__new__(cls)
        _set(record, "__dict__", values)
        _set(record, "__pydantic_fields_set__", set(values) if fields is None else fields)
        _set(record, "__pydantic_extra__", None)
        _set(record, "__pydantic_private__", None)
        return record


_set = object.__setattr__  # a frozen model refuses its own __setattr__
