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
200 closer memories exist, none of them in scope. The candidates are judged on the facts that
`graphmem.memory.remember_cache` keeps between remembers (status, scope, GOVERNS targets, where
those sit in the CONTAINS tree); only the reported ones are read afresh.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from graphmem.memory.remember_cache import MemoryFacts, RememberCache, remember_cache
from graphmem.memory.results import ConflictCandidate
from graphmem.model import Label, MemoryKind
from graphmem.store import GraphStore
from graphmem.store.base import Search

__all__ = [
    "CONFLICT_THRESHOLD",
    "find_conflicts",
    "nearest_memories",
    "nearest_memories_many",
    "nearest_with",
    "WrittenVectors",
]

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
    cache: RememberCache | None = None,
) -> list[ConflictCandidate]:
    """Active memories of `repo` scoring >= `threshold` against `vector` whose scope overlaps
    any of `target_ids`, best first. `exclude`: ids not to report (those being superseded).
    `nearest`: the result of `nearest_memories(store, vector, threshold)` if at hand; `cache`:
    the store's `remember_cache`, if the caller holds it.

    Candidates are judged on their cached facts; those reported are read afresh (their text,
    and their status and scope checked again)."""
    if nearest is None:
        nearest = nearest_memories(store, vector, threshold)
    ranked = [(-score, mid) for mid, score in nearest.items() if score >= threshold]
    if exclude:
        excluded = set(exclude)
        ranked = [hit for hit in ranked if hit[1] not in excluded]
    ranked.sort()
    if not ranked:
        return []
    cache = cache or remember_cache(store)
    facts = cache.memories(store, [mid for _, mid in ranked])
    candidates = [
        (-negative, mid, fact)
        for negative, mid in ranked
        if (fact := facts.get(mid)) is not None and fact.comparable(repo, kind, branch, user)
    ]
    if not candidates:
        return []
    theirs_all = set().union(*[fact.governs for _, _, fact in candidates])
    above = cache.ancestors(store, [*target_ids, *theirs_all])
    conflicts: list[ConflictCandidate] = []
    for chunk in _in_scope(candidates, target_ids, above):
        nodes = store.get_nodes([c[1] for c in chunk], embeddings=False)
        labels = cache.labels(store, [c[3] for c in chunk])
        for score, mid, relation, theirs in chunk:
            node = nodes.get(mid)
            if node is None or not MemoryFacts.of(node, ()).comparable(repo, kind, branch, user):
                continue
            conflicts.append(
                ConflictCandidate(
                    memory_id=mid,
                    kind=str(node.get("kind")),
                    text=str(node.get("text") or ""),
                    score=round(score, 4),
                    relation=relation,  # type: ignore[arg-type]
                    governs=labels[theirs],
                    hint=f"graphmem supersede {mid} --by {new_id}",
                )
            )
            if len(conflicts) == MAX_REPORTED:
                return conflicts
    return conflicts


def _in_scope(
    candidates: Sequence[tuple[float, str, MemoryFacts]],
    target_ids: Sequence[str],
    above: Mapping[str, frozenset[str]],
) -> Iterator[list[tuple[float, str, str, str]]]:
    """The candidates (best first) whose scope overlaps ours, as (score, id, relation, their
    target), in chunks of MAX_REPORTED: judged only as far down the ranking as the reports
    need."""
    relations: dict[str, tuple[int, str] | None] = {}
    chunk: list[tuple[float, str, str, str]] = []
    for score, mid, fact in candidates:
        best: tuple[int, str] | None = None
        best_theirs = ""
        for theirs in fact.governs:
            if theirs in relations:
                found = relations[theirs]
            else:
                found = relations[theirs] = _closest(target_ids, theirs, above)
            if found is not None and (best is None or found[0] < best[0]):
                best, best_theirs = found, theirs
        if best is not None:
            chunk.append((score, mid, best[1], best_theirs))
            if len(chunk) == MAX_REPORTED:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


def _closest(
    target_ids: Sequence[str], theirs: str, above: Mapping[str, frozenset[str]]
) -> tuple[int, str] | None:
    """The closest relation (rank, name) of `theirs` to any of ours, the first ours on a tie."""
    best: tuple[int, str] | None = None
    for ours in target_ids:
        relation = _relation(ours, theirs, above)
        if relation and (best is None or _RELATION_RANK[relation] < best[0]):
            best = (_RELATION_RANK[relation], relation)
    return best


def _relation(ours: str, theirs: str, above: Mapping[str, frozenset[str]]) -> str | None:
    """Where `theirs` sits relative to `ours`: same, ancestor (contains ours), descendant."""
    if ours == theirs:
        return "same"
    if theirs in above.get(ours, frozenset()):
        return "ancestor"
    if ours in above.get(theirs, frozenset()):
        return "descendant"
    return None


def nearest_memories(
    store: GraphStore, vector: Sequence[float], floor: float | None = None
) -> dict[str, float]:
    """Of the CANDIDATES memories nearest to `vector` (any repository or status), those scoring
    at least `floor`, with scores."""
    return nearest_memories_many(store, [vector], floor)[0]


def nearest_memories_many(
    store: GraphStore, vectors: Sequence[Sequence[float]], floor: float | None = None
) -> list[dict[str, float]]:
    """`nearest_memories` of each vector, as one store step."""
    asked = [Search(Label.MEMORY, CANDIDATES, vector=v, floor=floor) for v in vectors]
    return [{h.node_id: h.score for h in hits} for hits in store.search_all(asked)]


class WrittenVectors:
    """The unit vectors of memories written since a store search (a batch's earlier ones), kept
    as one growing float32 matrix, so each new memory meets them in one product."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self._rows: Any = None

    def add(self, memory_id: str, vector: Sequence[float]) -> None:
        import numpy as np  # only here: a remember that writes one memory needs no numpy

        row = _unit(np.asarray(vector, dtype=np.float32))
        if self._rows is None:
            self._rows = np.empty((16, len(row)), dtype=np.float32)
        elif len(self.ids) == len(self._rows):
            self._rows = np.concatenate([self._rows, np.empty_like(self._rows)])
        self._rows[len(self.ids)] = row
        self.ids.append(memory_id)

    def scores(self, vector: Sequence[float], floor: float = -math.inf) -> dict[str, float]:
        """Cosine of `vector` with each, as the store scores it; only those of at least `floor`
        (compared a little below it, in float32: the caller compares exactly)."""
        if not self.ids:
            return {}
        import numpy as np

        query = _unit(np.asarray(vector, dtype=np.float32))
        scores = self._rows[: len(self.ids)] @ query
        if floor == -math.inf:
            return dict(zip(self.ids, scores.tolist(), strict=True))
        picked = np.flatnonzero(scores >= floor - 1e-6).tolist()
        return {self.ids[i]: float(scores[i]) for i in picked}


def _unit(vector: Any) -> Any:
    import numpy as np

    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def nearest_with(
    nearest: Mapping[str, float],
    vector: Sequence[float],
    written: WrittenVectors,
    floor: float = -math.inf,
) -> dict[str, float]:
    """`nearest` (what the store held of at least `floor`, best first: by score, then id)
    joined by the memories `written` since: the CANDIDATES best, best first. Of the written,
    only those that can enter a full `nearest` (as close as its last) are merged in; the
    store's scores are in [-1, 1] already, so only theirs are clamped."""
    if not written.ids:
        return dict(nearest)
    if len(nearest) >= CANDIDATES:
        floor = max(floor, min(nearest.values()))
    closer = written.scores(vector, floor)
    if not closer:
        return dict(nearest)
    ranked = [(-score, mid) for mid, score in nearest.items()]
    ranked += [(-score, mid) for mid, score in closer.items()]
    ranked.sort()  # (-score, id) tuples sort natively; nearest's run is sorted already
    del ranked[CANDIDATES:]
    merged = {mid: -negative for negative, mid in ranked}
    for mid in closer.keys() & merged.keys():
        merged[mid] = max(-1.0, min(1.0, merged[mid]))
    return merged
