"""Which memories govern a *set* of entities, in a few batched store calls.

`graphmem.memory.scope.governing` answers this for one entity at a time (with every way each
memory applies), which is what `context` needs. Impact, search (--near), prompt and the
undocumented-modules query ask it for hundreds of entities at once, so they use this batched
form, built on the same pieces (`scope.ancestors`, `scope.is_served`, `staleness_of`) so that
the rules for what is served stay in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from graphmem.memory.results import Staleness
from graphmem.memory.scope import ancestors, is_served
from graphmem.memory.staleness import staleness_of
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import Direction, GraphStore

_CHUNK = 1000


@dataclass
class Governance:
    """A memory and the entities (among those asked about) it governs, directly or by scope."""

    memory: Node
    #: entity the GOVERNS edge points at -> the edge
    anchors: dict[str, Edge] = field(default_factory=dict)
    #: entity asked about -> the anchor that covers it (the entity itself or an ancestor)
    covers: dict[str, str] = field(default_factory=dict)
    staleness: Staleness = field(default_factory=Staleness)


def governing_many(
    store: GraphStore,
    entity_ids: Sequence[str],
    *,
    branch: str | None,
    user: str | None,
    include_ancestors: bool = True,
    include_history: bool = False,
    skip_labels: Collection[Label] = (Label.REPOSITORY,),
    with_staleness: bool = True,
    serve: Callable[[Node], bool] | None = None,
    limit: int | None = None,
) -> list[Governance]:
    """Served memories governing any of `entity_ids` (or, with `include_ancestors`, an ancestor).

    Anchors with a label in `skip_labels` are left out: a memory on the repository applies to
    everything, so it says nothing about one particular set of entities. `serve` replaces the
    usual rule for which memories count (status, branch, user). Ordered by how many of the
    entities each memory covers, then id; `limit` keeps the first ones (and computes staleness
    for those only).
    """
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return []
    above = ancestors(store, ids) if include_ancestors else {eid: set() for eid in ids}
    anchor_ids = sorted(set(ids).union(*above.values()))
    governs = [
        edge
        for start in range(0, len(anchor_ids), _CHUNK)
        for edge in store.edges(anchor_ids[start : start + _CHUNK], [RelType.GOVERNS], Direction.IN)
    ]
    if not governs:
        return []
    memories = store.get_nodes(sorted({e.source for e in governs}))
    served = {
        mid: node
        for mid, node in memories.items()
        if (serve(node) if serve else is_served(node, branch, user, include_history))
    }
    skipped: set[str] = set()
    if skip_labels:
        targets = store.get_nodes(sorted({e.target for e in governs if e.source in served}))
        skipped = {
            tid for tid, node in targets.items() if any(node.has(label) for label in skip_labels)
        }
    by_memory: dict[str, Governance] = {}
    for edge in sorted(governs, key=lambda e: e.key):
        if edge.source in served and edge.target not in skipped:
            by_memory.setdefault(edge.source, Governance(served[edge.source])).anchors[
                edge.target
            ] = edge
    by_anchor: dict[str, list[Governance]] = {}
    for gov in by_memory.values():
        for anchor in gov.anchors:
            by_anchor.setdefault(anchor, []).append(gov)
    for entity_id in ids:
        for anchor in [entity_id, *sorted(above.get(entity_id, ()))]:
            for gov in by_anchor.get(anchor, ()):
                gov.covers.setdefault(entity_id, anchor)
    ordered = sorted(by_memory.values(), key=lambda g: (-len(g.covers), g.memory.id))
    if limit is not None:
        ordered = ordered[:limit]
    if with_staleness and ordered:
        stale = staleness_of(store, [g.memory for g in ordered])
        for gov in ordered:
            gov.staleness = stale.get(gov.memory.id, Staleness())
    return ordered
