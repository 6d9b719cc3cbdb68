"""Pydantic types for the graph schema. No I/O lives here."""

from graphmem.model.entities import CodeEntity, entity_id
from graphmem.model.graph import CODE_LABELS, MEMORY_LABELS, Edge, Label, Node, RelType
from graphmem.model.memories import Event, Memory, MemoryKind, MemoryStatus, now_iso

__all__ = [
    "CODE_LABELS",
    "MEMORY_LABELS",
    "CodeEntity",
    "Edge",
    "Event",
    "Label",
    "Memory",
    "MemoryKind",
    "MemoryStatus",
    "Node",
    "RelType",
    "entity_id",
    "now_iso",
]
