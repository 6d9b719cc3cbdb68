"""Supersession: a newer memory replaces older ones, which are kept, never deleted.

- `supersede`: each old memory gets ``status=superseded``, ``valid_to=now`` and a
  ``SUPERSEDED_BY`` edge to the new one; one ``supersede`` event. Only an *active* memory can be
  superseded (a superseded one already has a successor: supersede the current head instead; a
  retracted or purged one no longer holds), and a supersession that would close a cycle is
  refused. Together these keep every chain acyclic with at most one active head.
- `history`: the whole chain through a memory, both directions, oldest first.
- `revert` undoes the supersession that replaced a memory, as a new ``revert`` event. It takes
  the replaced memory or, as `git revert` takes a change, its active successor S (the same
  revert, found from the other end):

  1. the memory must be superseded, and its successor S must be the head (active) or already
     retracted; if S was itself superseded by T, revert S first (undo from the newest end);
  2. S is retracted (``retracted_reason`` says it was reverted) unless it already was;
  3. every memory S had replaced becomes active again (``valid_to`` cleared): S replaced all
     of them at once, so undoing S gives all of them back;
  4. their SUPERSEDED_BY edges to S stay, marked ``reverted_at``, so `history` still shows
     what happened. S cannot be revived later (a retracted memory cannot supersede anything).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from graphmem.errors import ConflictError, NotFoundError
from graphmem.memory.audit import new_event
from graphmem.memory.results import ChangeResult, HistoryEntry
from graphmem.model import Edge, Label, Memory, MemoryStatus, Node, RelType, now_iso
from graphmem.store import Direction, GraphStore, WriteBatch

__all__ = ["check_supersedable", "history", "require_memory", "revert", "supersede"]


def require_memory(store: GraphStore, repo: str, memory_id: str) -> Node:
    """The memory node `memory_id` of `repo`, or NotFoundError."""
    node = store.get_node(memory_id)
    if node is None or not node.has(Label.MEMORY) or node.get("repo") != repo:
        raise NotFoundError(f"no memory {memory_id!r} in repository {repo!r}")
    return node


def check_supersedable(
    store: GraphStore, repo: str, old_ids: Sequence[str], new_id: str | None = None
) -> list[Node]:
    """The old memories, if each may be superseded (by `new_id`); ConflictError otherwise."""
    olds = []
    for old_id in dict.fromkeys(old_ids):
        node = require_memory(store, repo, old_id)
        status = node.get("status")
        if status == MemoryStatus.SUPERSEDED:
            head = _head(store, old_id)
            raise ConflictError(
                f"memory {old_id} is already superseded; supersede its current version "
                f"{head or '(none active)'} instead"
            )
        if status != MemoryStatus.ACTIVE:
            raise ConflictError(f"memory {old_id} is {status}: it cannot be superseded")
        if old_id == new_id:
            raise ConflictError(f"memory {old_id} cannot supersede itself: name what it replaces")
        if new_id is not None and old_id in _successors(store, new_id):
            raise ConflictError(
                f"{new_id} superseding {old_id} would make a cycle: {new_id} already follows it"
            )
        olds.append(node)
    return olds


def superseding_changes(olds: Sequence[Node], new_id: str, at: str) -> WriteBatch:
    """The updates and SUPERSEDED_BY edges that make `new_id` replace `olds`, for one batch.

    The batch is conditional on every old memory still being active when it is applied, so two
    processes superseding the same memory at once cannot both win (the loser gets ConflictError).
    """
    active = {"status": MemoryStatus.ACTIVE.value}
    return WriteBatch(
        set_properties={
            old.id: {"status": MemoryStatus.SUPERSEDED.value, "valid_to": at} for old in olds
        },
        upsert_edges=[
            Edge(
                type=RelType.SUPERSEDED_BY,
                source=old.id,
                target=new_id,
                properties={"created_at": at},
            )
            for old in olds
        ],
        expect={old.id: dict(active) for old in olds},
    )


def supersede(
    store: GraphStore, repo: str, old_ids: Sequence[str], new_id: str, author: str | None = None
) -> ChangeResult:
    """Make the existing memory `new_id` replace `old_ids`, in one batch with its event."""
    new = require_memory(store, repo, new_id)
    if new.get("status") != MemoryStatus.ACTIVE:
        raise ConflictError(
            f"memory {new_id} is {new.get('status')}: only an active memory can supersede"
        )
    olds = check_supersedable(store, repo, old_ids, new_id)
    at = now_iso()
    batch = superseding_changes(olds, new_id, at)
    batch.expect[new_id] = {"status": MemoryStatus.ACTIVE.value}
    ids = [o.id for o in olds]
    event = new_event("supersede", repo, author, [*ids, new_id], {"old": ids, "new": new_id}, at=at)
    batch.upsert_nodes.append(event)
    store.write(batch)
    return ChangeResult(
        action="supersede",
        memory_ids=[*ids, new_id],
        event_id=event.id,
        active=[new_id],
        inactive=ids,
    )


def history(store: GraphStore, repo: str, memory_id: str) -> list[HistoryEntry]:
    """Every memory linked to `memory_id` by SUPERSEDED_BY, either way, oldest first."""
    require_memory(store, repo, memory_id)
    seen = {memory_id}
    queue = deque([memory_id])
    links: dict[tuple[str, str], Edge] = {}
    while queue:
        batch = list(queue)
        queue.clear()
        for edge in store.edges(batch, [RelType.SUPERSEDED_BY], Direction.BOTH):
            links[(edge.source, edge.target)] = edge
            for end in (edge.source, edge.target):
                if end not in seen:
                    seen.add(end)
                    queue.append(end)
    nodes = store.get_nodes(sorted(seen))
    entries = {mid: HistoryEntry(memory=Memory.from_node(node)) for mid, node in nodes.items()}
    for (old, new), edge in sorted(links.items()):
        if old not in entries or new not in entries:
            continue
        if edge.properties.get("reverted_at"):
            entries[old].reverted_links.append(new)
        else:
            entries[old].superseded_by.append(new)
            entries[new].supersedes.append(old)
    return _oldest_first(entries, links)


def revert(store: GraphStore, repo: str, memory_id: str, author: str | None = None) -> ChangeResult:
    """Undo the supersession that replaced `memory_id`, or that `memory_id` made (rule in the
    module docstring)."""
    node = require_memory(store, repo, memory_id)
    if node.get("status") == MemoryStatus.ACTIVE:
        replaced = _replaced(store, memory_id)
        if replaced:
            memory_id, node = replaced[0], require_memory(store, repo, replaced[0])
    if node.get("status") != MemoryStatus.SUPERSEDED:
        raise ConflictError(
            f"memory {memory_id} is {node.get('status')} and replaced nothing: revert takes a "
            "superseded memory or the memory that superseded it"
        )
    out = [
        e
        for e in store.edges([memory_id], [RelType.SUPERSEDED_BY], Direction.OUT)
        if not e.properties.get("reverted_at")
    ]
    if not out:
        raise ConflictError(f"memory {memory_id} is superseded but names no successor to undo")
    successors = store.get_nodes([e.target for e in out])
    for succ_id, succ in successors.items():
        if succ.get("status") == MemoryStatus.SUPERSEDED:
            raise ConflictError(
                f"{succ_id}, which replaced {memory_id}, was itself superseded by "
                f"{_head(store, succ_id) or 'a later memory'}; revert {succ_id} first"
            )
    at = now_iso()
    into = store.edges(list(successors), [RelType.SUPERSEDED_BY], Direction.IN)
    undone = [e for e in into if not e.properties.get("reverted_at")]
    predecessors = store.get_nodes(sorted({e.source for e in undone}))
    restored = sorted(
        pid for pid, p in predecessors.items() if p.get("status") == MemoryStatus.SUPERSEDED
    )
    batch = WriteBatch()
    for pid in restored:
        batch.set_properties[pid] = {"status": MemoryStatus.ACTIVE.value, "valid_to": None}
        batch.expect[pid] = {"status": MemoryStatus.SUPERSEDED.value}
    retracted = []
    for succ_id, succ in successors.items():
        batch.expect[succ_id] = {"status": succ.get("status")}  # nobody changed it meanwhile
        if succ.get("status") == MemoryStatus.ACTIVE:
            retracted.append(succ_id)
            batch.set_properties[succ_id] = {
                "status": MemoryStatus.RETRACTED.value,
                "valid_to": at,
                "retracted_reason": f"reverted: {', '.join(restored)} restored",
            }
    for edge in undone:
        if edge.source in restored:
            batch.upsert_edges.append(
                edge.model_copy(update={"properties": {**edge.properties, "reverted_at": at}})
            )
    event = new_event(
        "revert",
        repo,
        author,
        [memory_id, *restored, *retracted],
        {"restored": restored, "retracted": retracted},
        at=at,
    )
    batch.upsert_nodes.append(event)
    store.write(batch)
    return ChangeResult(
        action="revert",
        memory_ids=list(dict.fromkeys([memory_id, *restored, *retracted])),
        event_id=event.id,
        active=restored,
        inactive=retracted,
    )


def _replaced(store: GraphStore, memory_id: str) -> list[str]:
    """The superseded memories `memory_id` replaced (live SUPERSEDED_BY edges into it)."""
    into = store.edges([memory_id], [RelType.SUPERSEDED_BY], Direction.IN)
    sources = sorted(e.source for e in into if not e.properties.get("reverted_at"))
    nodes = store.get_nodes(sources)
    return [i for i in sources if i in nodes and nodes[i].get("status") == MemoryStatus.SUPERSEDED]


def _successors(store: GraphStore, memory_id: str) -> set[str]:
    """Everything reachable from `memory_id` along SUPERSEDED_BY (reverted links included)."""
    return {
        hop.node_id
        for hop in store.traverse([memory_id], [RelType.SUPERSEDED_BY], Direction.OUT, 10_000)
    }


def _head(store: GraphStore, memory_id: str) -> str | None:
    """The active memory that (transitively) replaced `memory_id`, if there is one."""
    later = sorted(_successors(store, memory_id))
    nodes = store.get_nodes(later)
    active = [mid for mid in later if nodes[mid].get("status") == MemoryStatus.ACTIVE]
    return active[0] if active else None


def _oldest_first(
    entries: dict[str, HistoryEntry], links: dict[tuple[str, str], Edge]
) -> list[HistoryEntry]:
    """Topological order old -> new (Kahn), ties broken by creation time then id."""
    incoming = {mid: 0 for mid in entries}
    for old, new in links:
        if old in entries and new in entries:
            incoming[new] += 1
    ready = sorted(
        (mid for mid, n in incoming.items() if n == 0),
        key=lambda m: (entries[m].memory.created_at, m),
    )
    ordered: list[HistoryEntry] = []
    while ready:
        mid = ready.pop(0)
        ordered.append(entries[mid])
        for old, new in links:
            if old == mid and new in incoming:
                incoming[new] -= 1
                if incoming[new] == 0:
                    ready.append(new)
        ready.sort(key=lambda m: (entries[m].memory.created_at, m))
    leftover = [
        entries[m] for m in entries if entries[m] not in ordered
    ]  # only if a cycle slipped in
    return ordered + leftover
