"""Knowledge that governs code: decisions, constraints, failures, preferences and facts."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from graphmem.model.base import Record, field
from graphmem.model.graph import Label, Node


class MemoryKind(StrEnum):
    DECISION = "decision"
    CONSTRAINT = "constraint"
    FAILURE = "failure"
    PREFERENCE = "preference"
    FACT = "fact"

    @property
    def label(self) -> Label:
        return Label(self.value.capitalize())

    @property
    def id_prefix(self) -> str:
        return _ID_PREFIX[self]


_ID_PREFIX = {
    MemoryKind.DECISION: "d",
    MemoryKind.CONSTRAINT: "c",
    MemoryKind.FAILURE: "f",
    MemoryKind.PREFERENCE: "p",
    MemoryKind.FACT: "k",
}


class MemoryStatus(StrEnum):
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    RETRACTED = "retracted"
    PURGED = "purged"


def now_iso() -> str:
    """UTC timestamps as ISO-8601 strings: sortable, and the same on every backend."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_memory_id(kind: MemoryKind) -> str:
    """A short, typable id such as `d-3f9a1c2b` (callers retry on the rare collision)."""
    return f"{kind.id_prefix}-{secrets.token_hex(4)}"


#: What a failure records beyond its text: symptom, cause, fix, and the test or commit involved.
FAILURE_FIELDS = ("symptom", "cause", "fix", "test", "commit")


class Memory(Record):
    """One piece of knowledge. Superseded and retracted memories are kept, never overwritten."""

    id: str
    kind: MemoryKind
    text: str
    rationale: str | None = None
    status: MemoryStatus = MemoryStatus.ACTIVE
    created_at: str = field(default_factory=now_iso)
    valid_from: str = field(default_factory=now_iso)
    valid_to: str | None = None
    author: str | None = None
    source: str | None = None
    tags: list[str] = field(default_factory=list)
    repo: str
    branch: str | None = None
    user: str | None = None
    # Failure details (symptom, cause, fix, and the test or commit involved).
    symptom: str | None = None
    cause: str | None = None
    fix: str | None = None
    test: str | None = None
    commit: str | None = None

    def failure_details(self) -> list[tuple[str, str]]:
        """The failure details that are set, as (field, value), in a fixed order."""
        return [(name, value) for name in FAILURE_FIELDS if (value := getattr(self, name))]

    def to_node(self, embedding: list[float] | None = None) -> Node:
        props: dict[str, Any] = self.model_dump(exclude={"id"})
        props["kind"] = self.kind.value
        props["status"] = self.status.value
        if embedding is not None:
            props["embedding"] = embedding
        return Node(id=self.id, labels=(Label.MEMORY, self.kind.label), properties=props)

    @classmethod
    def from_node(cls, node: Node) -> Memory:
        """The Memory of a node as a store keeps it (valid when written: only the enums are
        made again); a purged memory, whose text is gone, comes back with text ''."""
        props = {
            k: v for k, v in node.properties.items() if k in cls.model_fields and v is not None
        }
        props["id"] = node.id
        props["kind"] = MemoryKind(props["kind"])
        props["status"] = MemoryStatus(props.get("status", MemoryStatus.ACTIVE))
        props.setdefault("text", "")
        props.setdefault("repo", "")
        return cls.model_construct(**props)


class Event(Record):
    """An append-only audit record. It never holds memory text, so a purge leaves none behind."""

    id: str
    action: str
    at: str = field(default_factory=now_iso)
    author: str | None = None
    memory_ids: list[str] = field(default_factory=list)
    repo: str | None = None
    details: str | None = field(default=None, description="JSON-encoded, text-free details")

    def to_node(self) -> Node:
        return Node(id=self.id, labels=(Label.EVENT,), properties=self.model_dump(exclude={"id"}))

    @classmethod
    def from_node(cls, node: Node) -> Event:
        return cls(
            id=node.id, **{k: v for k, v in node.properties.items() if k in cls.model_fields}
        )
