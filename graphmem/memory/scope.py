"""Which memories apply to a piece of code, and how.

A memory GOVERNS entities; it applies to each governed entity and to everything that entity
CONTAINS. So, for an entity X, the memories that matter are those governing

- X itself (relation ``self``),
- any ancestor of X, walking CONTAINS up: its class, module, directories, service, the
  repository (relation ``ancestor``: a decision on ``src/api/`` reaches every function in it),
- anything X contains, walking CONTAINS down (relation ``descendant``: about to edit a module,
  the decisions on its functions matter too).

Only *served* memories are returned: active ones (plus superseded and retracted ones when
history is asked for, never purged ones), on the caller's branch or on no branch, and, for
preferences, only the caller's own.

`governing` is what `context`, `prompt` and `show` build on::

    for served in governing(store, entity.id, branch="main", user="ana"):
        served.memory.text           # the knowledge
        served.applies[0].relation   # "self" | "ancestor" | "descendant"
        served.applies[0].entity     # what it governs, e.g. "src/api/"
        served.staleness.possibly_stale, served.staleness.orphaned
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from graphmem.memory.results import (
    Anchor,
    Application,
    GoverningMemory,
    Relation,
    anchors_of,
    entity_label,
    memory_from_node,
)
from graphmem.memory.staleness import staleness_of
from graphmem.model import Label, MemoryKind, MemoryStatus, Node, RelType
from graphmem.store import Direction, GraphStore

__all__ = [
    "ancestors",
    "detect_branch",
    "governing",
    "is_served",
]

#: Deeper than any real containment tree (repository / directories / module / class / method).
MAX_DEPTH = 64
#: How many ids go into one `edges` call.
CHUNK = 1000


def governing(
    store: GraphStore,
    entity_id: str,
    branch: str | None,
    user: str | None,
    include_history: bool = False,
) -> list[GoverningMemory]:
    """Memories that apply to `entity_id`, each with every way it applies and its staleness.

    `branch`: the caller's branch; memories scoped to another branch are left out (memories
    with no branch apply everywhere). `user`: the caller; other users' preferences are left out.
    `include_history`: also superseded and retracted memories (never purged ones).

    Ordered: memories on the entity itself first, then the nearest ancestors, then descendants;
    within one rank, newest first. Each memory appears once, with all its applications.
    """
    up = _paths(store, entity_id, Direction.IN)  # ancestor id -> [ancestor, ..., entity]
    down = _paths(store, entity_id, Direction.OUT)  # descendant id -> [entity, ..., descendant]
    relation: dict[str, tuple[Relation, list[str]]] = {entity_id: ("self", [entity_id])}
    for node_id, path in up.items():
        relation[node_id] = ("ancestor", path)
    for node_id, path in down.items():
        relation.setdefault(node_id, ("descendant", path))

    governs = [
        edge
        for chunk in _chunks(list(relation))
        for edge in store.edges(chunk, [RelType.GOVERNS], Direction.IN)
    ]
    memory_nodes = store.get_nodes(sorted({e.source for e in governs}))
    served = {
        mid: node
        for mid, node in memory_nodes.items()
        if is_served(node, branch, user, include_history)
    }
    entities = store.get_nodes(sorted({e.target for e in governs if e.source in served}))
    applications: dict[str, list[Application]] = {}
    for edge in governs:
        if edge.source not in served:
            continue
        rel, path = relation[edge.target]
        entity = entities.get(edge.target)
        kind = str(entity.get("kind") or "") if entity else ""
        applications.setdefault(edge.source, []).append(
            Application(
                entity_id=edge.target,
                entity=entity_label(
                    kind,
                    str(entity.get("path") or "") if entity else "",
                    str(entity.get("qualified_name") or "") if entity else edge.target,
                ),
                entity_kind=kind,
                relation=rel,
                distance=len(path) - 1,
                path=path,
            )
        )
    for mid, node, app in _orphaned_within(store, entity_id, branch, user, include_history):
        served.setdefault(mid, node)
        applications.setdefault(mid, []).append(app)
    if not served:
        return []
    stale = staleness_of(store, list(served.values()))
    result = []
    for mid, node in served.items():
        applies = sorted(applications[mid], key=_application_rank)
        result.append(
            GoverningMemory(memory=memory_from_node(node), applies=applies, staleness=stale[mid])
        )
    result.sort(key=lambda g: (_application_rank(g.applies[0]), _newest_first(g.memory.created_at)))
    return result


def is_served(node: Node, branch: str | None, user: str | None, include_history: bool) -> bool:
    """Whether a memory node is served to `user` on `branch` (see the module docstring)."""
    if not node.has(Label.MEMORY):
        return False
    status = node.get("status")
    allowed = (
        {MemoryStatus.ACTIVE, MemoryStatus.SUPERSEDED, MemoryStatus.RETRACTED}
        if include_history
        else {MemoryStatus.ACTIVE}
    )
    if status not in allowed:
        return False
    memory_branch = node.get("branch")
    if memory_branch and memory_branch != branch:
        return False
    return not (node.get("kind") == MemoryKind.PREFERENCE and node.get("user") != user)


def ancestors(store: GraphStore, entity_ids: Sequence[str]) -> dict[str, set[str]]:
    """For each entity, the ids of everything that CONTAINS it, transitively (not itself)."""
    result: dict[str, set[str]] = {eid: set() for eid in entity_ids}
    parents: dict[str, set[str]] = {}
    frontier = set(entity_ids)
    for _ in range(MAX_DEPTH):
        todo = [n for n in frontier if n not in parents]
        if not todo:
            break
        for chunk in _chunks(todo):
            for n in chunk:
                parents.setdefault(n, set())
            for edge in store.edges(chunk, [RelType.CONTAINS], Direction.IN):
                parents[edge.target].add(edge.source)
        frontier = {p for n in todo for p in parents[n]}
    for eid in entity_ids:
        stack, seen = list(parents.get(eid, ())), set()
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            stack.extend(parents.get(n, ()))
        result[eid] = seen
    return result


def detect_branch(repo_root: Path) -> str | None:
    """The checked-out git branch, read from .git/HEAD (no git process); None when detached."""
    git = repo_root / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: /path/to/.git/worktrees/name"
            pointer = git.read_text(encoding="utf-8").strip()
            if pointer.startswith("gitdir:"):
                git = (repo_root / pointer.removeprefix("gitdir:").strip()).resolve()
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    prefix = "ref: refs/heads/"
    return head.removeprefix(prefix) if head.startswith(prefix) else None


def _orphaned_within(
    store: GraphStore,
    entity_id: str,
    branch: str | None,
    user: str | None,
    include_history: bool,
) -> list[tuple[str, Node, Application]]:
    """Memories whose anchored code vanished from inside `entity_id` (flagged by
    refresh_anchors): served there as descendants, so they do not silently disappear."""
    entity = store.get_node(entity_id)
    if entity is None:
        return []
    candidates = [
        m
        for m in store.find_nodes(Label.MEMORY, {"repo": entity.get("repo"), "orphaned": True})
        if is_served(m, branch, user, include_history)
    ]
    if not candidates:
        return []
    anchors = {m.id: anchors_of(m) for m in candidates}
    alive = store.get_nodes(sorted({a.entity_id for ms in anchors.values() for a in ms}))
    found = []
    for memory in candidates:
        for anchor in anchors[memory.id]:
            if anchor.entity_id in alive or not _inside(anchor, entity):
                continue
            app = Application(
                entity_id=anchor.entity_id,
                entity=f"{anchor.label} (vanished)",
                entity_kind=anchor.kind,
                relation="descendant",
                distance=1,
                path=[entity_id, anchor.entity_id],
            )
            found.append((memory.id, memory, app))
    return found


def _inside(anchor: Anchor, entity: Node) -> bool:
    """Whether the vanished code of `anchor` was inside `entity`, judged by path and name."""
    path = str(entity.get("path") or "")
    if entity.has(Label.REPOSITORY):
        return True
    if entity.has(Label.DIRECTORY):
        return anchor.path.startswith(path + "/")
    if entity.has(Label.MODULE):
        return anchor.path == path
    qualified = str(entity.get("qualified_name") or "")
    return anchor.path == path and anchor.qualified_name.startswith(qualified + ".")


def _paths(store: GraphStore, start: str, direction: Direction) -> dict[str, list[str]]:
    """Every node reached from `start` along CONTAINS in `direction`, with one shortest path,
    written top-down (container first) in both directions."""
    hops = store.traverse([start], [RelType.CONTAINS], direction, MAX_DEPTH)
    previous: dict[str, str] = {}
    for hop in hops:
        if hop.via is None:
            continue
        previous[hop.node_id] = hop.via.target if direction == Direction.IN else hop.via.source
    paths: dict[str, list[str]] = {}
    for hop in hops:
        chain = [hop.node_id]
        while chain[-1] != start and chain[-1] in previous:
            chain.append(previous[chain[-1]])
        paths[hop.node_id] = chain if direction == Direction.IN else list(reversed(chain))
    return paths


def _application_rank(app: Application) -> tuple[int, int]:
    order = {"self": 0, "ancestor": 1, "descendant": 2}
    return (order[app.relation], app.distance)


def _newest_first(created_at: str) -> str:
    # ISO strings: invert each character so that a plain ascending sort puts the newest first.
    return "".join(chr(0x10FFFF - ord(c)) for c in created_at)


def _chunks(ids: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for node_id in ids:
        batch.append(node_id)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
