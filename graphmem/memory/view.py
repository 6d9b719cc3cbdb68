"""`show`: one memory with everything needed to judge it: where it applies, whether its code
changed or vanished, what it replaced and what replaced it."""

from __future__ import annotations

from graphmem.memory.results import MemoryView
from graphmem.memory.staleness import staleness_of
from graphmem.memory.supersession import require_memory
from graphmem.model import Memory, RelType
from graphmem.store import Direction, GraphStore

__all__ = ["show"]


def show(store: GraphStore, repo: str, memory_id: str) -> MemoryView:
    """The memory `memory_id` of `repo`, or NotFoundError."""
    node = require_memory(store, repo, memory_id)
    links = store.edges([memory_id], [RelType.SUPERSEDED_BY], Direction.BOTH)
    live = [e for e in links if not e.properties.get("reverted_at")]
    reason = node.get("retracted_reason")
    return MemoryView(
        memory=Memory.from_node(node),
        staleness=staleness_of(store, [node])[memory_id],
        supersedes=sorted(e.source for e in live if e.target == memory_id),
        superseded_by=sorted(e.target for e in live if e.source == memory_id),
        retracted_reason=str(reason) if reason else None,
    )
