"""The base of graphmem's pydantic models.

A model's validator is built when it is first used, not when its module is imported: a hook or a
CLI command starts a fresh process and touches a handful of the package's models, so it pays
for those alone.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Record(BaseModel):
    """A pydantic model whose schema is built on first use (see the module docstring)."""

    model_config = ConfigDict(defer_build=True)
