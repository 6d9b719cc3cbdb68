"""Which memories govern a set of code entities, and how: the one rule, for every caller.

A memory GOVERNS entities; it applies to each governed entity and to everything that entity
CONTAINS. So, for an entity X (a *subject*), the memories that matter are those governing

- X itself (relation ``self``),
- any ancestor of X, walking CONTAINS up: its class, module, directories, service, the
  repository (relation ``ancestor``: a decision on ``src/api/`` reaches every function in it),
- with ``down=True``, anything X contains (relation ``descendant``: about to edit a module, the
  decisions on its functions matter too), including memories whose code vanished from inside
  X (flagged orphaned by the last ingest), so they do not silently disappear,
- with ``near=[...]``, the entities given as X's neighbours (relation ``nearby``: not rules for
  X, but worth knowing).

Only *served* memories are returned (`ReadScope.serves`): active ones (plus superseded and
retracted ones when history is asked for, never purged ones), on the reader's branch or on no
branch, and, for preferences, only the reader's own.

The single-entity case is the batch of one; context, impact, prompt, search (--near), hooks and
review all call `governing`::

    scope = ReadScope(store, repo="shop", branch="main", user="ana")
    for served in governing(scope, [entity.id], down=True):
        served.memory.text            # the knowledge
        served.applies[0].relation    # "self" | "ancestor" | "descendant" | "nearby"
        served.applies[0].entity      # what it governs, e.g. "src/api/"
        served.applies[0].subject     # which of the entities asked about it applies to
        served.staleness.possibly_stale, served.staleness.orphaned

Store calls do not grow with the number of entities asked about: one `GraphReads.governance`
step reads the containment walk, the memories on it and what staleness compares (one statement
on Neo4j). With a `limit`, that read is brief and one `linked` call reads the kept memories in
full.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from graphmem.memory.results import (
    Anchor,
    Application,
    GoverningMemory,
    Relation,
    Staleness,
    anchors_of,
    entity_label,
)
from graphmem.memory.staleness import AnchorRead, staleness_of
from graphmem.model import Label, Memory, MemoryKind, MemoryStatus, Node, RelType
from graphmem.store.base import Around, Direction, GraphReads

_T = TypeVar("_T")

__all__ = [
    "Containment",
    "ReadScope",
    "applying_to",
    "containment",
    "governing",
]

#: What serving and ordering a memory reads of it (ReadScope.serves, newest first).
SERVED_PROPERTIES = ("status", "branch", "kind", "user", "created_at", "repo")
#: Deeper than any real containment tree (repository / directories / module / class / method).
MAX_DEPTH = 64
_RANK = {"self": 0, "ancestor": 1, "descendant": 2, "nearby": 3}


@dataclass(frozen=True)
class ReadScope:
    """Who reads, and what they are served: built once per answer by GraphMem.

    `repo`: the reader's repository (another repository's memories are left out; "" reads every
    repository's). `branch`: the reader's branch (memories scoped to another branch are left
    out; memories with no branch apply everywhere). `user`: the reader (other users' preferences
    are left out).
    `include_history`: also superseded and retracted memories (never purged ones).
    `every_reader`: serve every branch's and every user's memories (reports on the whole store).
    """

    store: GraphReads
    repo: str
    branch: str | None = None
    user: str | None = None
    include_history: bool = False
    every_reader: bool = False

    def serves(self, node: Node) -> bool:
        """Whether a memory node is served to this reader (see the module docstring)."""
        if not node.has(Label.MEMORY):
            return False
        allowed = (
            {MemoryStatus.ACTIVE, MemoryStatus.SUPERSEDED, MemoryStatus.RETRACTED}
            if self.include_history
            else {MemoryStatus.ACTIVE}
        )
        if node.get("status") not in allowed:
            return False
        if self.of_another_repository(node):
            return False
        if self.every_reader:
            return True
        memory_branch = node.get("branch")
        if memory_branch and memory_branch != self.branch:
            return False
        return not (node.get("kind") == MemoryKind.PREFERENCE and node.get("user") != self.user)

    def of_another_repository(self, node: Node) -> bool:
        """Whether `node` (a memory, a commit) belongs to another repository than the reader's:
        one store (a Neo4j database) can hold several."""
        return bool(self.repo and node.get("repo") and node.get("repo") != self.repo)

    def with_history(self, include_history: bool = True) -> ReadScope:
        return ReadScope(
            self.store, self.repo, self.branch, self.user, include_history, self.every_reader
        )


@dataclass(frozen=True)
class Containment:
    """Where entities sit in the CONTAINS tree: their containers and their contents.

    `paths[subject][other]` is one shortest CONTAINS path between the two, container first;
    `relation[subject][other]` says whether `other` is the subject itself, an ancestor or a
    descendant.
    """

    paths: Mapping[str, Mapping[str, list[str]]]
    relation: Mapping[str, Mapping[str, Relation]]

    def inside(self, subject: str) -> list[str]:
        """`subject` and everything it contains, nearest first (ties by id)."""
        rel = self.relation.get(subject, {})
        down = [n for n, r in rel.items() if r == "descendant"]
        return [subject, *sorted(down, key=lambda n: (len(self.paths[subject][n]), n))]

    def above(self, subject: str) -> list[str]:
        """Everything that contains `subject`, nearest first."""
        rel = self.relation.get(subject, {})
        up = [n for n, r in rel.items() if r == "ancestor"]
        return sorted(up, key=lambda n: (len(self.paths[subject][n]), n))

    def ids(self) -> set[str]:
        return {other for rel in self.relation.values() for other in rel}

    @classmethod
    def of(cls, subjects: Sequence[str], read: Around) -> Containment:
        """The tree of `subjects` from the CONTAINS walks a store step read (`around`)."""
        return _tree(list(dict.fromkeys(subjects)), read)


def containment(
    store: GraphReads, subjects: Sequence[str], *, up: bool = True, down: bool = False
) -> Containment:
    """Walk CONTAINS from every subject at once: one `around` step."""
    return Containment.of(subjects, store.around(subjects, up=up, down=down))


def _tree(subjects: list[str], read: Around) -> Containment:
    parents: dict[str, set[str]] = {}
    for edge in read.above:
        parents.setdefault(edge.target, set()).add(edge.source)
    children: dict[str, set[str]] = {}
    for edge in read.below:
        children.setdefault(edge.source, set()).add(edge.target)
    paths: dict[str, dict[str, list[str]]] = {}
    relation: dict[str, dict[str, Relation]] = {}
    for subject in subjects:
        paths[subject] = {subject: [subject]}
        relation[subject] = {subject: "self"}
        for node, path in _shortest(subject, parents).items():
            paths[subject][node] = list(reversed(path))
            relation[subject][node] = "ancestor"
        for node, path in _shortest(subject, children).items():
            if node not in relation[subject]:
                paths[subject][node] = path
                relation[subject][node] = "descendant"
    return Containment(paths, relation)


def governing(
    scope: ReadScope,
    subjects: Sequence[str],
    *,
    up: bool = True,
    down: bool = False,
    near: Sequence[str] = (),
    only: Collection[str] | None = None,
    skip_repository: bool = False,
    limit: int | None = None,
    near_limit: int | None = None,
    with_staleness: bool = True,
    tree: Containment | None = None,
) -> list[GoverningMemory]:
    """Served memories that apply to any of `subjects` (module docstring), with every way each
    applies and its staleness.

    `near`: neighbour entities whose own memories are reported as ``nearby`` (to the first
    subject); `near_limit` keeps at most that many memories that are only nearby.
    `only`: consider just these memory ids (search ranks its own candidates).
    `skip_repository`: leave out memories anchored on the repository itself: they apply to
    everything, so they say nothing about one particular set of entities. `tree`: a containment
    walk the caller already made. `limit`: keep the first memories (staleness only for those).

    Ordered by how many subjects (then neighbours) a memory covers, then by its best application
    (self, then the nearest ancestor, then descendants, then nearby), then newest first.
    """
    subjects = list(dict.fromkeys(subjects))
    if not subjects:
        return []
    store = scope.store
    orphans_of = scope.repo if down else None
    # Keeping the best few: a brief first read, then the kept ones in full.
    brief = SERVED_PROPERTIES if limit is not None and not down else None
    if tree is None:
        read = store.governance(
            subjects, up=up, down=down, near=near, orphans_of=orphans_of, brief=brief
        )
        tree = Containment.of(subjects, read)
    else:
        read = store.governance(sorted(tree.ids()), near=near, orphans_of=orphans_of, brief=brief)
    near_of = [n for n in dict.fromkeys(near) if n not in tree.relation.get(subjects[0], {})]
    anchor_ids = tree.ids() | set(near_of)
    governs = [
        edge
        for edge in read.links
        if edge.target in anchor_ids and (only is None or edge.source in only)
    ]
    fetched = read.nodes
    served = {e.source: fetched[e.source] for e in governs if e.source in fetched}
    served = {mid: node for mid, node in served.items() if scope.serves(node)}
    ways = _ways(tree, subjects, near_of)
    applications: dict[str, list[Application]] = {}
    for edge in sorted(governs, key=lambda e: e.key):
        if edge.source not in served:
            continue
        entity = fetched.get(edge.target)
        if skip_repository and entity is not None and entity.has(Label.REPOSITORY):
            continue
        for subject, relation, path in ways.get(edge.target, ()):
            applications.setdefault(edge.source, []).append(
                _application(subject, edge.target, entity, relation, path)
            )
    if down:
        for mid, node, app in _orphaned_within(scope, subjects, read.nodes, only):
            served.setdefault(mid, node)
            applications.setdefault(mid, []).append(app)
    ordered = _newest_first(
        [(served[mid], sorted(apps, key=_rank)) for mid, apps in applications.items()],
        lambda pair: str(pair[0].get("created_at") or ""),
        lambda pair: pair[0].id,
    )
    ordered.sort(
        key=lambda pair: (
            -len({a.subject for a in pair[1] if a.relation != "nearby"}),
            -len({a.entity_id for a in pair[1] if a.relation == "nearby"}),
            _rank(pair[1][0]),
        )
    )
    if near_limit is not None:
        only_near = [m for m, apps in ordered if all(a.relation == "nearby" for a in apps)]
        dropped = {m.id for m in only_near[near_limit:]}
        ordered = [pair for pair in ordered if pair[0].id not in dropped]
    if limit is not None:
        ordered = ordered[:limit]
    if brief is not None and ordered:
        full = store.linked([node.id for node, _ in ordered], [RelType.GOVERNS], Direction.OUT)
        ordered = [(full.nodes.get(node.id, node), apps) for node, apps in ordered]
        read = Around([], [], full.edges, full.nodes)
    kept = [node for node, _ in ordered]
    anchors = AnchorRead.of_read(read, kept, store if brief is not None else None)
    stale = staleness_of(store, kept, anchors) if with_staleness else {}
    return [
        GoverningMemory(
            memory=Memory.from_node(node),
            applies=apps,
            staleness=stale[node.id] if node.id in stale else Staleness(),
        )
        for node, apps in ordered
    ]


def applying_to(
    served: Sequence[GoverningMemory], subject: str
) -> list[tuple[GoverningMemory, Application]]:
    """The memories of a batch that apply to `subject` by scope, each with its best way there,
    ordered as for a batch of one: self, nearest ancestors, descendants; newest first."""
    found = []
    for gov in served:
        ways = [a for a in gov.applies if a.subject == subject and a.relation != "nearby"]
        if ways:
            found.append((gov, ways[0]))
    found = _newest_first(found, lambda pair: pair[0].memory.created_at, lambda p: p[0].memory.id)
    found.sort(key=lambda pair: _rank(pair[1]))
    return found


def _ways(
    tree: Containment, subjects: Sequence[str], near: Sequence[str]
) -> dict[str, list[tuple[str, Relation, list[str]]]]:
    """For each entity a memory may be anchored on, every (subject, relation, path) through
    which such a memory applies."""
    ways: dict[str, list[tuple[str, Relation, list[str]]]] = {}
    for subject in subjects:
        for anchor, relation in tree.relation.get(subject, {}).items():
            ways.setdefault(anchor, []).append((subject, relation, tree.paths[subject][anchor]))
    for anchor in near:
        ways.setdefault(anchor, []).append((subjects[0], "nearby", [anchor]))
    return ways


def _application(
    subject: str, anchor: str, entity: Node | None, relation: Relation, path: list[str]
) -> Application:
    kind = str(entity.get("kind") or "") if entity else ""
    label = entity_label(
        kind,
        str(entity.get("path") or "") if entity else "",
        str(entity.get("qualified_name") or "") if entity else anchor,
    )
    return Application(
        subject=subject,
        entity_id=anchor,
        entity=label,
        entity_kind=kind,
        relation=relation,
        distance=len(path) - 1,
        path=path,
    )


def _orphaned_within(
    scope: ReadScope,
    subjects: Sequence[str],
    alive: Mapping[str, Node],
    only: Collection[str] | None,
) -> list[tuple[str, Node, Application]]:
    """Memories whose anchored code vanished from inside a subject (flagged by
    refresh_anchors): served there as descendants. `alive`: the nodes `governance` read, which
    hold the subjects and every existing entity such a memory names."""
    candidates = sorted(
        (
            m
            for m in alive.values()
            if m.get("orphaned") is True
            and m.get("repo") == scope.repo
            and scope.serves(m)
            and (only is None or m.id in only)
        ),
        key=lambda m: m.id,
    )
    if not candidates:
        return []
    anchors = {m.id: anchors_of(m) for m in candidates}
    found = []
    for subject in subjects:
        entity = alive.get(subject)
        if entity is None:
            continue
        for memory in candidates:
            for anchor in anchors[memory.id]:
                if anchor.entity_id in alive or not _inside(anchor, entity):
                    continue
                app = Application(
                    subject=subject,
                    entity_id=anchor.entity_id,
                    entity=f"{anchor.label} (vanished)",
                    entity_kind=anchor.kind,
                    relation="descendant",
                    distance=1,
                    path=[subject, anchor.entity_id],
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


def _shortest(start: str, links: Mapping[str, set[str]]) -> dict[str, list[str]]:
    """Breadth-first from `start` over `links`: each node reached, with one shortest path from
    `start` to it (ties broken by id, so the answer is the same every time)."""
    paths: dict[str, list[str]] = {}
    frontier = [[start]]
    seen = {start}
    while frontier:
        following = []
        for path in frontier:
            for nxt in sorted(links.get(path[-1], ())):
                if nxt not in seen:
                    seen.add(nxt)
                    paths[nxt] = [*path, nxt]
                    following.append(paths[nxt])
        frontier = following
    return paths


def _rank(app: Application) -> tuple[int, int]:
    return (_RANK[app.relation], app.distance)


def _newest_first(
    items: Iterable[_T], created_at: Callable[[_T], str], tie: Callable[[_T], str]
) -> list[_T]:
    """`items` newest first (ISO times), ties by `tie`: a base order that the caller's stable
    sort by its own keys keeps within each group."""
    return sorted(sorted(items, key=tie), key=created_at, reverse=True)
