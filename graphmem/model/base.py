"""The base of graphmem's records: typed values with the part of pydantic's interface graphmem
uses (`model_dump`, `model_dump_json`, `model_copy`, `model_construct`, `model_fields`), built
without pydantic.

A record is a keyword-only dataclass. Building one (`Memory(id=..., ...)`) checks what strict
mypy checks and what its `__post_init__` checks, no more: records are made by graphmem's own
code from values it has checked already. Input is validated where it enters: by the API, which
turns each bad argument into a UsageError; by pydantic models for the files graphmem reads back
(memory/exchange.py, store/transfer.py); by the MCP SDK for tool arguments. So a command that
only reads (a hook, `show`, `context`, `stale`) never imports pydantic, which was a third of its
start-up.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Collection, Mapping
from enum import Enum
from typing import Any, ClassVar, Literal, Self, dataclass_transform

_MISSING: Any = dataclasses.MISSING


def field(
    default: Any = _MISSING,
    *,
    default_factory: Callable[[], Any] = _MISSING,
    description: str | None = None,
) -> Any:
    """A record field with a default or a factory; `description` says what it holds."""
    metadata = {"description": description} if description else None
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
class Record:
    """A keyword-only dataclass with pydantic's record interface (see the module docstring).
    `class Node(Record, frozen=True)` makes its instances immutable."""

    model_fields: ClassVar[dict[str, dataclasses.Field[Any]]]
    _defaults: ClassVar[dict[str, Any]]
    _factories: ClassVar[dict[str, Callable[[], Any]]]

    def __init_subclass__(cls, *, frozen: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(cls, kw_only=True, frozen=frozen)
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        cls.model_fields = fields
        cls._defaults = {n: f.default for n, f in fields.items() if f.default is not _MISSING}
        cls._factories = {
            n: f.default_factory  # type: ignore[misc]
            for n, f in fields.items()
            if f.default_factory is not _MISSING
        }

    @classmethod
    def stored(cls, values: dict[str, Any]) -> Self:
        """A record from values known to be valid, every field given (a store's rows, an
        ingest's own ids): `values` becomes its attributes, with no copy and no check. Equal
        in every way to the record built field by field (tests check it)."""
        record = cls.__new__(cls)
        object.__setattr__(record, "__dict__", values)  # a frozen record refuses __setattr__
        return record

    @classmethod
    def model_construct(cls, **values: Any) -> Self:
        """A record from valid values, the fields left out given their defaults."""
        filled = dict(cls._defaults)
        for name, factory in cls._factories.items():
            if name not in values:
                filled[name] = factory()
        filled.update(values)
        return cls.stored({name: filled[name] for name in cls.model_fields if name in filled})

    def model_dump(
        self, *, mode: Literal["python", "json"] = "python", exclude: Collection[str] = ()
    ) -> dict[str, Any]:
        """The fields as plain values, nested records as dicts; `mode="json"` also turns enums
        into their values and tuples into lists, as pydantic does."""
        plain = mode == "json"
        values = self.__dict__
        return {
            name: _dumped(values[name], plain) for name in self.model_fields if name not in exclude
        }

    def model_dump_json(self) -> str:
        """The fields as compact JSON, as pydantic writes it."""
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":"))

    def model_copy(self, *, update: Mapping[str, Any] | None = None) -> Self:
        """A shallow copy, with `update`'s fields replaced (not checked, as in pydantic)."""
        record = copy.copy(self)
        if update:
            record.__dict__.update(update)
        return record


def _dumped(value: Any, plain: bool) -> Any:
    if isinstance(value, Record):
        return value.model_dump(mode="json" if plain else "python")
    if isinstance(value, list):
        return [_dumped(v, plain) for v in value]
    if isinstance(value, tuple):
        items = [_dumped(v, plain) for v in value]
        return items if plain else tuple(items)
    if isinstance(value, dict):
        return {k: _dumped(v, plain) for k, v in value.items()}
    if plain and isinstance(value, Enum):
        return value.value
    return value
