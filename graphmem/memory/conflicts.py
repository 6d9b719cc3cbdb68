"""Possible conflicts: active memories on overlapping scope that say something close.

Two memories overlap when one governs the same entity as the other, an ancestor of it, or a
descendant of it (via CONTAINS). Memories on unrelated modules never conflict, however similar
their words; neither do memories scoped to different branches, nor one user's preference with
another user's.

"Close" is cosine similarity of the all-MiniLM-L6-v2 embeddings of the two texts at or above
`CONFLICT_THRESHOLD` (0.5). Measured on pairs such as

  0.81  "Invoices are immutable once sent" / "Invoices can be changed after sending"
  0.74  "All timestamps are stored in UTC" / "Store timestamps in local time"
  0.65  "Use PostgreSQL for persistence" / "Use SQLite for persistence"
  0.60  "Use tabs for indentation" / "Use 4 spaces for indentation"
  0.25  "Tests must not hit the network" / "Use the vcr cassettes for HTTP tests"
  0.02  "Invoices are immutable once sent" / "Use structlog for logging"

contradictions and restatements score 0.55-0.9 and unrelated statements below 0.3, so 0.5
reports the former and stays quiet on the latter. A conflict is only reported, never acted on:
the caller supersedes (`graphmem supersede OLD --by NEW`) or keeps both.

Bounded work per remember: the CANDIDATES (200) nearest memories are examined and at most
MAX_REPORTED (10) conflicts, the closest, are reported. A conflict is missed only when more than
200 closer memories exist, none of them in scope.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphmem.memory.governance import containment
from graphmem.memory.results import ConflictCandidate, entity_label
from graphmem.model import Label, MemoryKind, MemoryStatus, Node, RelType
from graphmem.store import Direction, GraphStore

__all__ = ["CONFLICT_THRESHOLD", "find_conflicts", "nearest_memories"]

CONFLICT_THRESHOLD = 0.5
#: The nearest memories looked at (all repositories and statuses), and the most reported.
CANDIDATES = 200
MAX_REPORTED = 10

_RELATION_RANK = {"same": 0, "ancestor": 1, "descendant": 2}


def find_conflicts(
    store: GraphStore,
    repo: str,
    vector: Sequence[float],
    target_ids: Sequence[str],
    *,
    kind: MemoryKind,
    branch: str | None,
    user: str | None,
    exclude: Sequence[str] = (),
    new_id: str = "NEW",
    threshold: float = CONFLICT_THRESHOLD,
    nearest: dict[str, float] | None = None,
) -> list[ConflictCandidate]:
    """Active memories of `repo` scoring >= `threshold` against `vector` whose scope overlaps
    any of `target_ids`, best first. `exclude`: ids not to report (those being superseded).
    `nearest`: the result of `nearest_memories(store, vector)` if already at hand."""
    if nearest is None:
        nearest = nearest_memories(store, vector)
    scores = {mid: score for mid, score in nearest.items() if score >= threshold}
    if not scores:
        return []
    nodes = store.get_nodes(sorted(scores), embeddings=False)
    candidates = {
        mid: node
        for mid, node in nodes.items()
        if mid not in exclude and _comparable(node, repo, kind, branch, user)
    }
    if not candidates:
        return []
    governs: dict[str, list[str]] = {}
    for edge in store.edges(sorted(candidates), [RelType.GOVERNS], Direction.OUT):
        governs.setdefault(edge.source, []).append(edge.target)
    everything = sorted(set(target_ids) | {t for ts in governs.values() for t in ts})
    tree = containment(store, everything)
    above = {eid: set(tree.above(eid)) for eid in everything}
    entities = store.get_nodes(everything, embeddings=False)
    conflicts = []
    for mid, node in candidates.items():
        best: tuple[str, str] | None = None
        for theirs in governs.get(mid, []):
            for ours in target_ids:
                relation = _relation(ours, theirs, above)
                if relation and (
                    best is None or _RELATION_RANK[relation] < _RELATION_RANK[best[0]]
                ):
                    best = (relation, theirs)
        if best is None:
            continue
        entity = entities.get(best[1])
        conflicts.append(
            ConflictCandidate(
                memory_id=mid,
                kind=str(node.get("kind")),
                text=str(node.get("text") or ""),
                score=round(scores[mid], 4),
                relation=best[0],  # type: ignore[arg-type]
                governs=entity_label(
                    str(entity.get("kind") or ""),
                    str(entity.get("path") or ""),
                    str(entity.get("qualified_name") or ""),
                )
                if entity
                else best[1],
                hint=f"graphmem supersede {mid} --by {new_id}",
            )
        )
    conflicts.sort(key=lambda c: (-c.score, c.memory_id))
    return conflicts[:MAX_REPORTED]


def _relation(ours: str, theirs: str, above: dict[str, set[str]]) -> str | None:
    """Where `theirs` sits relative to `ours`: same, ancestor (contains ours), descendant."""
    if ours == theirs:
        return "same"
    if theirs in above.get(ours, set()):
        return "ancestor"
    if ours in above.get(theirs, set()):
        return "descendant"
    return None


def _comparable(
    node: Node, repo: str, kind: MemoryKind, branch: str | None, user: str | None
) -> bool:
    if not node.has(Label.MEMORY) or node.get("repo") != repo:
        return False
    if node.get("status") != MemoryStatus.ACTIVE:
        return False
    theirs = node.get("branch")
    if theirs and branch and theirs != branch:
        return False
    is_preference = node.get("kind") == MemoryKind.PREFERENCE
    if is_preference and node.get("user") != user:
        return False
    return not (kind == MemoryKind.PREFERENCE and is_preference and node.get("user") != user)


def nearest_memories(store: GraphStore, vector: Sequence[float]) -> dict[str, float]:
    """The CANDIDATES memories nearest to `vector` (any repository or status), with scores."""
    hits = store.vector_search(vector, Label.MEMORY, limit=CANDIDATES)
    return {h.node_id: h.score for h in hits}
