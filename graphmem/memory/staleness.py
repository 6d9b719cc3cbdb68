"""Is the code a memory governs still the code it was written about?

Each GOVERNS edge records the target's `content_hash` when the memory was attached. After a
re-ingest:

- a target whose current hash differs makes the memory *possibly stale* (the code changed; the
  knowledge may or may not still hold: `acknowledge` re-confirms it);
- a target that vanished makes it *orphaned*. Deleting a node deletes its edges, so every memory
  node also keeps its anchors as flat lists (`anchor_ids`, `anchor_names`, `anchor_paths`,
  `anchor_kinds`, `anchor_hashes`); that is what orphans are detected and re-anchored from.

`refresh_anchors` runs after every ingest (and before `graphmem stale`), over the memories the
store cannot tell are in order (`memories_to_review`). For each anchor:

1. the entity still exists but its GOVERNS edge is gone (the ingester re-wrote the node):
   the edge is restored, with the hash recorded at anchoring time;
2. the entity is gone: the same code is looked for, among entities of the same kind in the
   repository, by these rules in order, the first with exactly one candidate winning:

   - ``renamed``: what the ingest saw renamed in place (the same text but for the name, see
     `renamed_definitions` in the ingest pipeline);
   - ``content_hash``: the same content hash (a move without edits; with several, the one
     with the same name, then the one in the same file);
   - ``qualified_name``: the same qualified name in another file (a moved file, in languages
     whose names do not follow paths);
   - ``name_in_module``: the same name in the same file (moved into another class).

   A match re-attaches the memory (new GOVERNS edge, anchors updated, a ``reanchor`` event);
   the recorded hash is kept, so moved *and* edited code still shows as possibly stale.
   No unique match leaves the memory orphaned (flagged ``orphaned=true`` on its node): it is
   listed by `stale`, and served with the flag by `governing` for the file or directory the
   vanished code was in, until it is superseded, retracted or acknowledged.

A Repository anchor is never "changed": the repository's hash follows its top-level listing,
which says nothing about whether a repository-wide rule still holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphmem.errors import ConflictError, NotFoundError, Remedy
from graphmem.memory.audit import new_event
from graphmem.memory.results import (
    Anchor,
    AnchorState,
    AnchorStatus,
    ChangeResult,
    Reanchor,
    ReanchorRule,
    RefreshReport,
    StaleEntry,
    Staleness,
    StaleReport,
    anchor_properties,
    anchors_of,
)
from graphmem.model import Edge, Label, Memory, MemoryStatus, Node, RelType, now_iso
from graphmem.store import Direction, GraphStore, WriteBatch
from graphmem.store.base import Around, GraphReads, Review

__all__ = ["acknowledge", "refresh_anchors", "stale", "staleness_of"]

_CODE_LABEL = {label.value: label for label in Label}


def staleness_of(
    store: GraphReads, memories: Sequence[Node], read: AnchorRead | None = None
) -> dict[str, Staleness]:
    """Each memory's staleness, computed from its anchors and live GOVERNS edges (batched).

    `read` is the GOVERNS edges and anchored entities already read for these memories, if any.
    """
    if not memories:
        return {}
    read = read or AnchorRead.of(store, memories)
    result: dict[str, Staleness] = {}
    for memory in memories:
        statuses = []
        for anchor in read.anchors_of(memory):
            state, current = read.state(memory.id, anchor.entity_id, anchor.content_hash)
            statuses.append(AnchorStatus(anchor=anchor, state=state, current_hash=current))
        result[memory.id] = Staleness(
            possibly_stale=any(s.state == "changed" for s in statuses),
            orphaned=any(s.state == "orphaned" for s in statuses),
            anchors=statuses,
        )
    return result


def refresh_anchors(
    store: GraphStore,
    repo: str,
    author: str | None = None,
    renamed: Mapping[str, str] | None = None,
) -> RefreshReport:
    """Restore lost GOVERNS edges and re-anchor memories whose code moved (module docstring).

    Call it after every ingest of `repo`, with what that ingest saw renamed (old entity id ->
    new); it is idempotent and writes one batch (or nothing).
    """
    review = store.memories_to_review(repo)
    read = AnchorRead.of(store, review.memories)
    report, batch = _refresh(store, repo, author, review, read, renamed or {})
    if len(batch):
        store.write(batch)
    return report


def stale(store: GraphStore, repo: str, author: str | None = None) -> StaleReport:
    """Refresh the anchors, then list active memories that are orphaned or possibly stale.

    Only the memories the store cannot pass in one statement (`memories_to_review`) are read,
    with their GOVERNS edges and anchored code, without embeddings; again only if the refresh
    wrote something.
    """
    review = store.memories_to_review(repo)
    read = AnchorRead.of(store, review.memories)
    report, batch = _refresh(store, repo, author, review, read)
    if len(batch):
        store.write(batch)
        review = store.memories_to_review(repo)
        read = AnchorRead.of(store, review.memories)
    flagged = [
        m
        for m in review.memories
        if m.get("status") == MemoryStatus.ACTIVE.value and read.needs_attention(m)
    ]
    states = staleness_of(store, flagged, read)
    entries = [StaleEntry(memory=Memory.from_node(m), staleness=states[m.id]) for m in flagged]
    entries.sort(key=lambda e: (not e.staleness.orphaned, e.memory.created_at))
    return StaleReport(refresh=report, memories=entries)


@dataclass(frozen=True)
class AnchorRead:
    """Some memories' GOVERNS edges (by memory and target) and the entities they anchor, read
    once; the one place an anchor's state is decided."""

    edges: dict[str, dict[str, Edge]]
    targets: dict[str, Node]

    @classmethod
    def of(cls, store: GraphReads, memories: Sequence[Node]) -> AnchorRead:
        """Read for `memories`: their GOVERNS edges, then the entities those edges and the
        memories' anchors name (the memories themselves are not read again)."""
        if not memories:
            return cls({}, {})
        governs = store.edges([m.id for m in memories], [RelType.GOVERNS], Direction.OUT)
        return cls.of_read(Around([], [], governs, {}), memories, store)

    @classmethod
    def of_read(
        cls, read: Around, memories: Sequence[Node], lost_in: GraphReads | None = None
    ) -> AnchorRead:
        """From what a store step read: `links` holding the memories' GOVERNS edges, `nodes`
        the entities they govern and name. `lost_in`: a store to read what `nodes` lacks of
        those (an anchor whose edge is gone: re-written code, or vanished, then it stays
        missing), when the step did not look anchors up."""
        wanted = {m.id for m in memories}
        edges: dict[str, dict[str, Edge]] = {}
        for edge in read.links:
            if edge.source in wanted and edge.type == RelType.GOVERNS:
                edges.setdefault(edge.source, {})[edge.target] = edge
        targets = read.nodes
        if lost_in is not None:
            named = {str(i) for m in memories for i in m.get("anchor_ids") or ()}
            named |= {target for by_target in edges.values() for target in by_target}
            if lost := sorted(named - set(targets)):
                targets = {**targets, **lost_in.get_nodes(lost, embeddings=False)}
        return cls(edges, targets)

    def anchors_of(self, memory: Node) -> list[Anchor]:
        return _anchors(memory, self.edges)

    def state(
        self, memory_id: str, entity_id: str, anchored: str
    ) -> tuple[AnchorState, str | None]:
        """An anchor's state and its entity's current hash. The hash to compare with is the live
        edge's (acknowledge moves it forward), else the one recorded at anchoring time."""
        target = self.targets.get(entity_id)
        if target is None:
            return "orphaned", None
        edge = self.edges.get(memory_id, {}).get(entity_id)
        recorded = str(edge.properties.get("content_hash") or "") if edge else anchored
        current = str(target.get("content_hash") or "")
        if target.has(Label.REPOSITORY):
            return "ok", current or None  # its hash follows the top-level listing, not the rules
        changed = recorded and current and recorded != current
        return ("changed" if changed else "ok"), current or None

    def needs_attention(self, memory: Node) -> bool:
        """Possibly stale or orphaned, decided from the raw anchor lists (no models built)."""
        ids = memory.get("anchor_ids") or list(self.edges.get(memory.id, {}))
        hashes = memory.get("anchor_hashes") or []
        return any(
            self.state(memory.id, str(i), str(hashes[n] or "") if n < len(hashes) else "")[0]
            != "ok"
            for n, i in enumerate(ids)
        )


def _refresh(
    store: GraphStore,
    repo: str,
    author: str | None,
    review: Review,
    read: AnchorRead,
    renamed: Mapping[str, str] | None = None,
) -> tuple[RefreshReport, WriteBatch]:
    """What refresh_anchors finds, and the batch that repairs it (empty when all is well)."""
    report = RefreshReport(checked=review.total)
    batch = WriteBatch()
    memories = review.memories
    if not memories:
        return report, batch
    edges, existing = read.edges, read.targets
    at = now_iso()
    finder = _Finder(store, repo, renamed or {})
    for memory in memories:
        named = memory.get("anchor_ids") or ()
        live = edges.get(memory.id, {})
        if named and not memory.get("orphaned") and all(i in live for i in named):
            continue  # every anchor has its edge: nothing to restore, re-anchor or flag
        anchors = anchors_of(memory)
        changed = False
        taken = {a.entity_id for a in anchors}
        for i, anchor in enumerate(anchors):
            if anchor.entity_id in existing:
                if anchor.entity_id not in live:
                    batch.upsert_edges.append(_governs_edge(memory, anchor, at))
                    report.restored_edges += 1
                continue
            match = finder.find(anchor, taken)
            if match is None:
                if memory.id not in report.orphaned:
                    report.orphaned.append(memory.id)
                continue
            node, rule = match
            taken.add(node.id)
            new = Anchor.of(node).model_copy(update={"content_hash": anchor.content_hash})
            anchors[i] = new
            changed = True
            batch.upsert_edges.append(_governs_edge(memory, new, at))
            report.reanchored.append(
                Reanchor(
                    memory_id=memory.id,
                    old=anchor,
                    new_entity_id=node.id,
                    new_entity=new.label,
                    rule=rule,
                )
            )
            batch.upsert_nodes.append(
                new_event(
                    "reanchor",
                    repo,
                    author,
                    [memory.id],
                    {"from": anchor.entity_id, "to": node.id, "rule": rule},
                    at=at,
                )
            )
        updates: dict[str, Any] = dict(anchor_properties(anchors)) if changed else {}
        orphaned = memory.id in report.orphaned
        if orphaned != bool(memory.get("orphaned")):
            updates["orphaned"] = True if orphaned else None
        if updates:
            batch.set_properties[memory.id] = updates
    return report, batch


def acknowledge(
    store: GraphStore, repo: str, memory_id: str, author: str | None = None
) -> ChangeResult:
    """Re-confirm a possibly stale memory: record its targets' current hashes as the new baseline.

    Anchors whose code vanished are dropped; if none is left the memory cannot be re-confirmed
    (it no longer governs anything): supersede it with one on the new code instead.
    """
    node = store.get_node(memory_id)
    if node is None or not node.has(Label.MEMORY) or node.get("repo") != repo:
        raise NotFoundError(f"no memory {memory_id!r} in repository {repo!r}")
    if node.get("status") != MemoryStatus.ACTIVE:
        raise ConflictError(
            f"memory {memory_id} is {node.get('status')}: only an active memory can be acknowledged"
        )
    edges = _governs(store, [memory_id]).get(memory_id, {})
    anchors = _anchors(node, {memory_id: edges})
    targets = store.get_nodes([a.entity_id for a in anchors])
    kept = [Anchor.of(targets[a.entity_id]) for a in anchors if a.entity_id in targets]
    dropped = [a.entity_id for a in anchors if a.entity_id not in targets]
    if not kept:
        raise ConflictError(
            f"everything memory {memory_id} governed is gone: it cannot be acknowledged, "
            "only recorded again on the code as it is now, superseding it",
            remedy=Remedy("record-again", {"memory": memory_id, "kind": str(node.get("kind"))}),
        )
    at = now_iso()
    event = new_event(
        "acknowledge",
        repo,
        author,
        [memory_id],
        {"confirmed": [a.entity_id for a in kept], "dropped": dropped},
        at=at,
    )
    batch = WriteBatch(
        upsert_nodes=[event],
        upsert_edges=[_governs_edge(node, a, at) for a in kept],
        set_properties={memory_id: {**anchor_properties(kept), "orphaned": None}},
    )
    store.write(batch)
    return ChangeResult(
        action="acknowledge", memory_ids=[memory_id], event_id=event.id, active=[memory_id]
    )


def governs_edge(memory_id: str, anchor: Anchor, created_at: str) -> Edge:
    """The GOVERNS edge for an anchor, recording its content hash and when it was made."""
    return Edge(
        type=RelType.GOVERNS,
        source=memory_id,
        target=anchor.entity_id,
        properties={"content_hash": anchor.content_hash, "created_at": created_at},
    )


def _governs_edge(memory: Node, anchor: Anchor, at: str) -> Edge:
    return governs_edge(memory.id, anchor, at)


def _governs(store: GraphReads, memory_ids: Sequence[str]) -> dict[str, dict[str, Edge]]:
    result: dict[str, dict[str, Edge]] = {}
    for edge in store.edges(memory_ids, [RelType.GOVERNS], Direction.OUT):
        result.setdefault(edge.source, {})[edge.target] = edge
    return result


def _anchors(memory: Node, edges: dict[str, dict[str, Edge]]) -> list[Anchor]:
    """Recorded anchors; for a memory without them (imported from elsewhere), its live edges."""
    anchors = anchors_of(memory)
    if anchors:
        return anchors
    return [
        Anchor(
            entity_id=target,
            qualified_name="",
            path="",
            kind="",
            content_hash=str(edge.properties.get("content_hash") or ""),
        )
        for target, edge in sorted(edges.get(memory.id, {}).items())
    ]


class _Finder:
    """Looks for the code an orphaned anchor pointed at, by the rules of the module docstring."""

    def __init__(self, store: GraphStore, repo: str, renamed: Mapping[str, str]) -> None:
        self.store = store
        self.repo = repo
        self.renamed = renamed

    def find(self, anchor: Anchor, taken: set[str]) -> tuple[Node, ReanchorRule] | None:
        label = _CODE_LABEL.get(anchor.kind)
        if label is None or label == Label.REPOSITORY:
            return None
        new_id = self.renamed.get(anchor.entity_id)
        if new_id is not None and new_id not in taken:
            node = self.store.get_node(new_id)
            if node is not None and node.has(label):
                return node, "renamed"
        if anchor.content_hash:
            same = self._candidates(label, {"content_hash": anchor.content_hash}, taken)
            if len(same) > 1:
                same = [n for n in same if n.get("name") == _name(anchor)] or same
            if len(same) > 1:
                same = [n for n in same if n.get("path") == anchor.path] or same
            if len(same) == 1:
                return same[0], "content_hash"
        if anchor.qualified_name:
            moved = self._candidates(label, {"qualified_name": anchor.qualified_name}, taken)
            if len(moved) == 1:
                return moved[0], "qualified_name"
        if anchor.path and label not in (Label.MODULE, Label.DIRECTORY):
            in_file = self._candidates(label, {"path": anchor.path, "name": _name(anchor)}, taken)
            if len(in_file) == 1:
                return in_file[0], "name_in_module"
        return None

    def _candidates(self, label: Label, where: dict[str, str], taken: set[str]) -> list[Node]:
        found = self.store.find_nodes(label, {"repo": self.repo, **where})
        return [n for n in found if n.id not in taken]


def _name(anchor: Anchor) -> str:
    return anchor.qualified_name.rsplit(".", 1)[-1] if anchor.qualified_name else ""
