"""The storage-level graph: typed nodes and edges, and the closed sets of labels and types.

Labels and relationship types only ever come from these enums, never from user text, so every
backend may put them into a query string safely (values always travel as parameters).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field, field_validator

from graphmem.model.base import Record


class Label(StrEnum):
    """Every node label graphmem writes (Neo4j style: CamelCase)."""

    CODE_ENTITY = "CodeEntity"
    REPOSITORY = "Repository"
    DIRECTORY = "Directory"
    MODULE = "Module"
    CLASS = "Class"
    FUNCTION = "Function"
    METHOD = "Method"
    VARIABLE = "Variable"
    INTERFACE = "Interface"
    SERVICE = "Service"
    COMMIT = "Commit"

    MEMORY = "Memory"
    DECISION = "Decision"
    CONSTRAINT = "Constraint"
    FAILURE = "Failure"
    PREFERENCE = "Preference"
    FACT = "Fact"

    EVENT = "Event"
    RECEIPT = "Receipt"
    FILE_STATE = "FileState"


class RelType(StrEnum):
    """Every relationship type graphmem writes (UPPER_SNAKE_CASE, as Neo4j names them)."""

    CONTAINS = "CONTAINS"
    IMPORTS = "IMPORTS"
    CALLS = "CALLS"
    INHERITS = "INHERITS"
    IMPLEMENTS = "IMPLEMENTS"
    DEPENDS_ON = "DEPENDS_ON"
    MODIFIES = "MODIFIES"
    GOVERNS = "GOVERNS"
    SUPERSEDED_BY = "SUPERSEDED_BY"


#: The label that marks a node as code, and the ones that mark it as knowledge.
CODE_LABELS = frozenset(
    {
        Label.REPOSITORY,
        Label.DIRECTORY,
        Label.MODULE,
        Label.CLASS,
        Label.FUNCTION,
        Label.METHOD,
        Label.VARIABLE,
        Label.INTERFACE,
        Label.SERVICE,
        Label.COMMIT,
    }
)
MEMORY_LABELS = frozenset(
    {Label.DECISION, Label.CONSTRAINT, Label.FAILURE, Label.PREFERENCE, Label.FACT}
)

PropertyValue = str | int | float | bool | None | list[str] | list[int] | list[float]


class Node(Record):
    """A node as stored: an id, a sorted set of labels and flat, JSON-able properties."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    labels: tuple[Label, ...]
    properties: dict[str, Any] = Field(default_factory=dict)

    @field_validator("labels")
    @classmethod
    def _sorted_unique(cls, value: tuple[Label, ...]) -> tuple[Label, ...]:
        if not value:
            raise ValueError("a node needs at least one label")
        return tuple(sorted(set(value)))

    def has(self, label: Label) -> bool:
        return label in self.labels

    def get(self, key: str, default: Any = None) -> Any:
        return self.properties.get(key, default)


class Edge(Record):
    """A directed, typed edge. (type, source, target) identifies it: there are no parallel edges."""

    model_config = ConfigDict(frozen=True)

    type: RelType
    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    properties: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (_TYPE_VALUES[self.type], self.source, self.target)


#: Each type's value, looked up: `Enum.value` is a descriptor call, and an ingest asks for
#: tens of thousands of edge keys.
_TYPE_VALUES: dict[RelType, str] = {t: t.value for t in RelType}
