"""The storage-level graph: typed nodes and edges, and the closed sets of labels and types.

Labels and relationship types only ever come from these enums, never from user text, so every
backend may put them into a query string safely (values always travel as parameters).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from graphmem.errors import UsageError
from graphmem.model.base import Record, field


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


class Node(Record, frozen=True):
    """A node as stored: an id, a sorted set of labels and flat, JSON-able properties."""

    id: str
    labels: tuple[Label, ...]
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            raise UsageError("a node needs a non-empty id")
        if not self.labels:
            raise UsageError(f"node {self.id}: a node needs at least one label")
        labels = tuple(sorted({Label(label) for label in self.labels}))
        object.__setattr__(self, "labels", labels)  # frozen: set once, here

    def has(self, label: Label) -> bool:
        return label in self.labels

    def get(self, key: str, default: Any = None) -> Any:
        return self.properties.get(key, default)


class Edge(Record, frozen=True):
    """A directed, typed edge. (type, source, target) identifies it: there are no parallel edges."""

    type: RelType
    source: str
    target: str
    properties: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.source or not self.target:
            raise UsageError(f"a {self.type} edge needs a source and a target")
        object.__setattr__(self, "type", RelType(self.type))  # frozen: set once, here

    @property
    def key(self) -> tuple[str, str, str]:
        return (_TYPE_VALUES[self.type], self.source, self.target)


#: Each type's value, looked up: `Enum.value` is a descriptor call, and an ingest asks for
#: tens of thousands of edge keys.
_TYPE_VALUES: dict[RelType, str] = {t: t.value for t in RelType}
