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
        field given: built through its pickling state, without validation, at half the cost of
        `model_construct`, which also fills in defaults field by field. Equal in every way to
        the validated record. `fields`: the set of field names, which records of one kind may
        share (sympy's ingest builds 150k edges)."""
        record = cls.__new__(cls)
        record.__setstate__(
            {
                "__dict__": values,
                "__pydantic_fields_set__": set(values) if fields is None else fields,
                "__pydantic_extra__": None,
                "__pydantic_private__": None,
            }
        )
        return record
