"""The GraphStore interface every backend implements, and the logic shared above the backends.

Atomicity, stated once for every backend: each call to `GraphStore.write` is one transaction.
Either every operation in the `WriteBatch` is applied, or none is. Reads see only committed writes.
Nothing else is atomic across calls; code that needs several changes to land together (a
supersession, one file of an ingest) puts them in one batch. Reads that must agree with each
other run in one `snapshot()` (one read transaction; see there for each backend's isolation).

Arguments are checked and normalised once, by the public methods here; the backends implement
`_impl` methods and declare what differs (`capabilities`, `cypher_dialect`, `write_clause`,
`data_version`), so code above the store never asks which backend it has.
"""

from __future__ import annotations

import abc
import math
import threading
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graphmem.errors import CapabilityError, UsageError
from graphmem.model.graph import CODE_LABELS, MEMORY_LABELS, Edge, Label, Node, RelType
from graphmem.model.memories import MemoryStatus
from graphmem.store.cypher_text import find_write_clause

#: Node labels that carry the uniqueness constraint on `id`: every node has exactly one of them.
BASE_LABELS: tuple[Label, ...] = (
    Label.CODE_ENTITY,
    Label.MEMORY,
    Label.EVENT,
    Label.RECEIPT,
    Label.FILE_STATE,
)

#: Properties indexed for full-text search, per searchable label.
FULLTEXT_FIELDS: dict[Label, tuple[str, ...]] = {
    Label.MEMORY: ("text", "rationale", "symptom", "cause", "fix"),
    Label.COMMIT: ("message",),
}

#: The node property that holds a memory's embedding (the vector index is built on it).
EMBEDDING_PROPERTY = "embedding"


def base_label(labels: Iterable[Label]) -> Label:
    """The one label of BASE_LABELS a node carries (it is what `id` is unique within)."""
    for label in labels:
        if label in BASE_LABELS:
            return label
    raise ValueError(f"a node needs one of {', '.join(BASE_LABELS)} among its labels")


class Direction(StrEnum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


class Capability(StrEnum):
    """What a backend can do beyond the interface's core; tests skip, with the reason, without."""

    CYPHER_READ = "cypher_read"
    CYPHER_WRITE = "cypher_write"
    VECTOR_INDEX = "vector_index"
    #: A snapshot's reads never see commits made after its first read (repeatable reads).
    SNAPSHOT_ISOLATION = "snapshot_isolation"


class CypherDialect(StrEnum):
    """Which Cypher a backend runs: named queries pick their implementation by it."""

    #: The whole language, run by a Neo4j server.
    NEO4J = "neo4j"
    #: The subset docs/queries.md lists, run by an interpreter over a snapshot of the graph.
    SUBSET = "subset"


@dataclass
class WriteBatch:
    """A set of changes applied atomically by `GraphStore.write`.

    Applied in this order: edge deletes, node deletes (with their edges), node upserts, property
    updates, edge upserts. An edge whose endpoint does not exist after that fails the whole batch.

    `expect` makes the batch conditional (compare-and-set): before anything is applied, inside the
    same transaction, each named node must exist and have the given property values (None: the
    property is absent). Otherwise the batch fails with ConflictError and nothing is written. It is
    how two processes changing the same memory at once cannot both succeed.
    """

    upsert_nodes: list[Node] = field(default_factory=list)
    upsert_edges: list[Edge] = field(default_factory=list)
    delete_nodes: list[str] = field(default_factory=list)
    delete_edges: list[tuple[RelType, str, str]] = field(default_factory=list)
    #: id -> properties to merge into an existing node; a value of None removes the property.
    set_properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: id -> property values the node must have when the batch is applied (see above).
    expect: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return (
            len(self.upsert_nodes)
            + len(self.upsert_edges)
            + len(self.delete_nodes)
            + len(self.delete_edges)
            + len(self.set_properties)
        )


@dataclass(frozen=True)
class Hop:
    """One node reached by `traverse`: its distance and the edge it was first reached through."""

    node_id: str
    depth: int
    via: Edge | None


@dataclass(frozen=True)
class Linked:
    """What `linked` read: edges ordered by key, and the nodes at both ends of each (without
    their embeddings), by id."""

    edges: list[Edge]
    nodes: dict[str, Node]


@dataclass(frozen=True)
class Around:
    """What `around` or `governance` read: the CONTAINS edges on the walks up (`above`) and down
    (`below`) from the entities asked about, the `links` found from them, and every node at an
    end of any of those edges (without embeddings), by id. Edges are ordered by key."""

    above: list[Edge]
    below: list[Edge]
    links: list[Edge]
    nodes: dict[str, Node]


@dataclass(frozen=True)
class Review:
    """What `memories_to_review` read: how many live memories the repository has, and those
    that may need a look (without embeddings), ordered by id."""

    total: int
    memories: list[Node]


@dataclass(frozen=True)
class Search:
    """One search of `search_all`: the words `text` over `label`'s full-text index, or the
    nearest neighbours of `vector` among `label`'s embeddings, those scoring at least `floor`
    if one is given (remember's checks read only close memories: the rest need not be built)."""

    label: Label = Label.MEMORY
    limit: int = 20
    text: str | None = None
    vector: Sequence[float] | None = None
    floor: float | None = None


@dataclass(frozen=True)
class PlannedSearch:
    """A `Search` as a backend receives it: `label` is the indexed label for a full-text search
    (`narrow` the sub-label to keep, if any), `vector` a checked list, `limit` at least one;
    a backend may leave out the vector hits below `floor` early (search_all drops them anyway)."""

    label: Label
    limit: int
    text: str | None = None
    vector: list[float] | None = None
    narrow: Label | None = None
    floor: float | None = None


@dataclass(frozen=True)
class SearchHit:
    node_id: str
    score: float


class GraphReads(abc.ABC):
    """The read half of a store: what one answer asks. A `GraphStore` is one, and so is the view
    `GraphStore.snapshot()` gives, whose reads all share one read transaction.

    The public methods check and normalise their arguments, here and only here; backends
    implement the `_impl` methods, which receive de-duplicated ids, coerced labels and types, and
    never a limit below one.
    """

    # -- point reads ----------------------------------------------------------------------

    def get_nodes(self, ids: Sequence[str], *, embeddings: bool = True) -> dict[str, Node]:
        """The nodes that exist among `ids`, by id (missing ids are simply absent).

        `embeddings=False` leaves EMBEDDING_PROPERTY out: most readers never look at it, and a
        memory's embedding is most of what it costs to decode (over Bolt, three quarters).
        """
        unique = _unique_ids(ids)
        return self._get_nodes_impl(unique, embeddings) if unique else {}

    def get_node(self, node_id: str) -> Node | None:
        return self.get_nodes([node_id]).get(node_id)

    def find_nodes(
        self,
        label: Label | None = None,
        where: Mapping[str, Any] | None = None,
        limit: int | None = None,
        *,
        embeddings: bool = True,
    ) -> list[Node]:
        """Nodes with `label` whose properties equal every value in `where`, ordered by id.

        Backends index `id`, `repo`, `path`, `qualified_name`, `name`, `status` and `sha`.
        `embeddings=False` leaves EMBEDDING_PROPERTY out, as for `get_nodes`.
        """
        if limit is not None and limit <= 0:
            return []
        return self._find_nodes_impl(_label_or_none(label), dict(where or {}), limit, embeddings)

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> list[Edge]:
        """Edges touching `node_ids` in `direction` (OUT: they are the source), of `types`,
        ordered by (type, source, target)."""
        ids = _unique_ids(node_ids)
        wanted = None if types is None else tuple(sorted({_rel_type(t) for t in types}))
        if not ids or wanted == ():
            return []
        return self._edges_impl(ids, wanted, _direction(direction))

    def counts(self, repo: str | None = None) -> dict[str, int]:
        """Number of nodes per label and edges per relationship type (zeros omitted), by name:
        of the whole store, or of `repo`'s nodes and the edges from them (one store, a Neo4j
        database most of all, can hold several repositories). A store of that repository alone
        is counted whole, which is cheaper."""
        if repo is not None:
            held = {str(n.get("repo")) for n in self.find_nodes(Label.REPOSITORY)}
            if held == {repo}:
                repo = None
        return dict(sorted(self._counts_impl(repo).items()))

    # -- search ---------------------------------------------------------------------------

    def fulltext_search(self, query: str, label: Label, limit: int = 20) -> list[SearchHit]:
        """Keyword search over FULLTEXT_FIELDS of `label`, or of the base label a sub-label
        (Decision, Commit...) is indexed under; best first. The query is plain words."""
        return self.search_all([Search(label, limit, text=query)])[0]

    def vector_search(
        self, vector: Sequence[float], label: Label = Label.MEMORY, limit: int = 20
    ) -> list[SearchHit]:
        """Nearest nodes by cosine of EMBEDDING_PROPERTY; score in [-1, 1], best first.

        A vector of a dimension the label's embeddings do not have is a UsageError on every
        backend (it is a different model's vector: nothing could be near it).
        """
        return self.search_all([Search(label, limit, vector=vector)])[0]

    def search_all(self, searches: Sequence[Search]) -> list[list[SearchHit]]:
        """Several searches as one step, each answered as `fulltext_search` (a `Search` with
        `text`) or `vector_search` (with `vector`) answers it: a hybrid search's keyword and
        vector retrievers in one statement on Neo4j (`_search_all_impl`)."""
        planned = [self._planned(search) for search in searches]
        asked = [plan for plan in planned if plan is not None]
        found = iter(self._search_all_impl(asked) if asked else [])
        return [_above(next(found), plan.floor) if plan else [] for plan in planned]

    def _planned(self, search: Search) -> PlannedSearch | None:
        """A search checked and normalised, or None when it finds nothing by its arguments."""
        label = _label(search.label)
        if search.vector is not None:
            query = search_vector(search.vector)
            dimensions = self._vector_dimensions_impl(label)
            if dimensions and len(query) not in dimensions:
                stored = ", ".join(str(d) for d in sorted(dimensions))
                raise UsageError(
                    f"the query vector has {len(query)} dimensions but the {label.value} "
                    f"embeddings have {stored}: embed the query with the model the memories "
                    "were stored with"
                )
            if search.limit <= 0:
                return None
            return PlannedSearch(label, search.limit, vector=query, floor=search.floor)
        indexed = label if label in FULLTEXT_FIELDS else SEARCH_BASE.get(label)
        if indexed not in FULLTEXT_FIELDS:
            searchable = ", ".join(sorted(FULLTEXT_FIELDS))
            raise UsageError(
                f"no full-text index for {label.value} nodes (searchable: {searchable} "
                "and their kinds)"
            )
        if search.limit <= 0 or not str(search.text or "").strip():
            return None
        assert indexed is not None
        narrow = None if indexed == label else label
        return PlannedSearch(indexed, search.limit, text=str(search.text), narrow=narrow)

    def linked(
        self,
        node_ids: Sequence[str],
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> Linked:
        """`edges(node_ids, types, direction)` and the nodes on them, as `get_nodes(...,
        embeddings=False)` gives them: the memories on GOVERNS edges and the code they govern,
        the callers of a function. One statement where the backend can (`_linked_impl`), else
        the two reads here."""
        ids = _unique_ids(node_ids)
        wanted = None if types is None else tuple(sorted({_rel_type(t) for t in types}))
        if not ids or wanted == ():
            return Linked([], {})
        direction = _direction(direction)
        native = self._linked_impl(ids, wanted, direction)
        if native is not None:
            return native
        edges = self._edges_impl(ids, wanted, direction)
        ends = sorted({e.source for e in edges} | {e.target for e in edges})
        return Linked(edges, self._get_nodes_impl(ends, False) if ends else {})

    def reachable(
        self,
        start_ids: Sequence[str],
        types: Sequence[RelType],
        direction: Direction,
        max_depth: int = 64,
    ) -> list[Edge]:
        """Every edge on a walk of at most `max_depth` hops from `start_ids` along `types`
        (`direction` IN walks from target to source, OUT from source to target), each once,
        ordered by key. A whole containment walk is one step: backends that can answer it in
        one statement do (`_reachable_impl`); the rest walk it here, one `edges` call a level.
        SQLite is one of the rest: its recursive query read the whole edge index to walk up
        from a function (1.2 ms at 300k edges, against 0.04 ms for these indexed reads).
        """
        ids = _unique_ids(start_ids)
        wanted = tuple(sorted({_rel_type(t) for t in types}))
        direction = _direction(direction)
        if direction == Direction.BOTH:
            raise UsageError("reachable walks one direction: IN or OUT")
        if not ids or not wanted or max_depth < 1:
            return []
        native = self._reachable_impl(ids, wanted, direction, max_depth)
        if native is not None:
            return native
        found: dict[tuple[str, str, str], Edge] = {}
        seen = set(ids)
        frontier = ids
        for _ in range(max_depth):
            if not frontier:
                break
            following: list[str] = []
            for edge in self._edges_impl(frontier, wanted, direction):
                found[edge.key] = edge
                far = edge.source if direction == Direction.IN else edge.target
                if far not in seen:
                    seen.add(far)
                    following.append(far)
            frontier = following
        return [found[key] for key in sorted(found)]

    # -- one step of an answer: several reads that one statement can answer ---------------

    def around(
        self,
        node_ids: Sequence[str],
        *,
        up: bool = False,
        down: bool = False,
        types: Sequence[RelType] = (),
        direction: Direction = Direction.BOTH,
        depth: int = 1,
    ) -> Around:
        """Where entities sit and what they touch, in one step: the CONTAINS walks above (`up`)
        and below (`down`) them, and, from them and everything below them, the edges of `types`
        in `direction` leaving every node less than `depth` such hops away (with `depth` 1,
        the edges touching them: a module's callers and callees; with 3, what impact walks).

        `node_ids` are code entities' (other ids find nothing). On Neo4j it is one statement
        (`_around_impl`); elsewhere the reads below.
        """
        ids = _unique_ids(node_ids)
        wanted = tuple(sorted({_rel_type(t) for t in types}))
        direction = _direction(direction)
        if not ids:
            return Around([], [], [], {})
        native = self._around_impl(ids, up, down, wanted, direction, max(1, depth))
        if native is not None:
            return native
        starts = self._code_nodes(ids)
        ids = [i for i in ids if i in starts]
        if not ids:
            return Around([], [], [], {})
        above, below = self._walks(ids, up, down)
        links: dict[tuple[str, str, str], Edge] = {}
        frontier = list(dict.fromkeys([*ids, *(e.target for e in below)]))
        seen = set(frontier)
        for _ in range(max(1, depth) if wanted else 0):
            if not frontier:
                break
            reached = set(frontier)
            following: list[str] = []
            for edge in self._edges_impl(frontier, wanted, direction):
                links[edge.key] = edge
                for far in _far_ends(edge, reached, direction):
                    if far not in seen:
                        seen.add(far)
                        following.append(far)
            frontier = following
        return self._with_nodes(starts, above, below, [links[k] for k in sorted(links)])

    def governance(
        self,
        node_ids: Sequence[str],
        *,
        up: bool = False,
        down: bool = False,
        near: Sequence[str] = (),
        orphans_of: str | None = None,
        brief: Sequence[str] | None = None,
    ) -> Around:
        """What governs entities, in one step: the CONTAINS walks as `around` makes them; the
        memories with a GOVERNS edge to any entity of those walks or of `near` (not walked);
        with `orphans_of`, also that repository's memories flagged orphaned; and, as `links`,
        every GOVERNS edge of all those memories (staleness compares each anchor). The nodes
        hold the memories, the code they govern, and the entities their `anchor_ids` name that
        still exist (an anchor whose edge was lost).

        With `brief` (property names), a first look for a caller that keeps only the best few
        of many memories: the memories may come with just those properties, `links` are only
        their GOVERNS edges to the walked entities, and anchors are not looked up; `linked`
        then reads the kept ones in full.

        `node_ids` and `near` are code entities' (other ids find nothing). On Neo4j it is one
        statement (`_governance_impl`); elsewhere the reads below.
        """
        ids = _unique_ids(node_ids)
        extra = [n for n in _unique_ids(near) if n not in set(ids)]
        if not ids and not extra and orphans_of is None:
            return Around([], [], [], {})
        lean = None if brief is None else tuple(sorted(set(brief)))
        native = self._governance_impl(ids, up, down, extra, orphans_of, lean)
        if native is not None:
            return native
        starts = self._code_nodes([*ids, *extra])
        ids, extra = [i for i in ids if i in starts], [i for i in extra if i in starts]
        above, below = self._walks(ids, up, down) if ids else ([], [])
        tree = {*ids, *extra, *(e.source for e in above), *(e.target for e in below)}
        direct = self._edges_impl(sorted(tree), (RelType.GOVERNS,), Direction.IN) if tree else []
        memories = {e.source for e in direct}
        if orphans_of is not None:
            where = {"repo": orphans_of, "orphaned": True}
            memories |= {m.id for m in self._find_nodes_impl(Label.MEMORY, where, None, False)}
        if lean is not None:
            return self._with_nodes(starts, above, below, direct, sorted(memories))
        governs = (
            self._edges_impl(sorted(memories), (RelType.GOVERNS,), Direction.OUT)
            if memories
            else []
        )
        read = self._with_nodes(starts, above, below, governs, sorted(memories))
        named = {str(a) for m in memories if m in read.nodes for a in _anchor_ids(read.nodes[m])}
        if lost := sorted(named - set(read.nodes)):
            read.nodes.update(self._get_nodes_impl(lost, False))
        return read

    def memories_to_review(self, repo: str) -> Review:
        """A repository's memories that are not purged, for `stale` and the anchor refresh
        after every ingest: how many there are, and those that may need a look. That is every
        one, unless the backend tells in one statement (`_review_impl`) that all of a memory's
        anchors are in place: it is not flagged orphaned, it has a GOVERNS edge to each entity
        its `anchor_ids` name, and each of its GOVERNS edges records the current
        `content_hash` of an entity that exists. What is stale is decided above the store
        (memory/staleness.py); this only leaves out memories that pass every rule there.
        """
        native = self._review_impl(repo)
        if native is not None:
            return native
        found = self._find_nodes_impl(Label.MEMORY, {"repo": repo}, None, False)
        memories = [m for m in found if m.get("status") != MemoryStatus.PURGED]
        return Review(len(memories), memories)

    def _code_nodes(self, ids: list[str]) -> dict[str, Node]:
        """The code entities among `ids`: where the generic steps start."""
        found = self._get_nodes_impl(ids, False) if ids else {}
        return {i: node for i, node in found.items() if node.has(Label.CODE_ENTITY)}

    def _walks(self, ids: list[str], up: bool, down: bool) -> tuple[list[Edge], list[Edge]]:
        above = self.reachable(ids, [RelType.CONTAINS], Direction.IN) if up else []
        below = self.reachable(ids, [RelType.CONTAINS], Direction.OUT) if down else []
        return above, below

    def _with_nodes(
        self,
        starts: dict[str, Node],
        above: list[Edge],
        below: list[Edge],
        links: list[Edge],
        also: Sequence[str] = (),
    ) -> Around:
        """The step's result: its edges, and every node on them or in `also`, the start nodes
        (already read) included."""
        ends = {n for e in (*above, *below, *links) for n in (e.source, e.target)}
        wanted = sorted((ends | set(also)) - set(starts))
        nodes = {**starts, **(self._get_nodes_impl(wanted, False) if wanted else {})}
        return Around(above, below, links, nodes)

    # -- shared logic, the same for every backend -----------------------------------------

    def traverse(
        self,
        start_ids: Sequence[str],
        types: Sequence[RelType],
        direction: Direction,
        max_depth: int,
        limit: int | None = None,
    ) -> list[Hop]:
        """Breadth-first walk from `start_ids`, one batched `edges` call per level.

        Each reached node appears once, at its shortest distance, with the edge it was first
        reached through, so one shortest path per node can be rebuilt from the hops.
        """
        direction = _direction(direction)
        seen: set[str] = set(start_ids)
        hops: list[Hop] = []
        frontier = _unique_ids(start_ids)
        for depth in range(1, max_depth + 1):
            if not frontier or (limit is not None and limit <= 0):
                break
            next_frontier: list[str] = []
            frontier_set = set(frontier)
            for edge in self.edges(frontier, types, direction):
                for node_id in _far_ends(edge, frontier_set, direction):
                    if node_id in seen:
                        continue
                    seen.add(node_id)
                    hops.append(Hop(node_id, depth, edge))
                    next_frontier.append(node_id)
                    if limit is not None and len(hops) >= limit:
                        return hops
            frontier = next_frontier
        return hops

    # -- what a backend implements --------------------------------------------------------

    @abc.abstractmethod
    def _get_nodes_impl(self, ids: list[str], embeddings: bool) -> dict[str, Node]:
        """`ids` is non-empty and has no duplicates; without `embeddings`, leave them out."""

    def _linked_impl(
        self, ids: list[str], types: tuple[RelType, ...] | None, direction: Direction
    ) -> Linked | None:
        """`linked` in one statement, or None to let the generic two reads answer."""
        return None

    def _around_impl(
        self,
        ids: list[str],
        up: bool,
        down: bool,
        types: tuple[RelType, ...],
        direction: Direction,
        depth: int,
    ) -> Around | None:
        """`around` in one statement, or None to let the generic reads answer. `ids` non-empty
        and unique, `types` possibly empty (no links), `depth` at least one."""
        return None

    def _governance_impl(
        self,
        ids: list[str],
        up: bool,
        down: bool,
        near: list[str],
        orphans_of: str | None,
        brief: tuple[str, ...] | None,
    ) -> Around | None:
        """`governance` in one statement, or None to let the generic reads answer. `near` has
        none of `ids`; `brief` is sorted."""
        return None

    def _review_impl(self, repo: str) -> Review | None:
        """`memories_to_review` in one statement, or None to let the generic read answer."""
        return None

    @abc.abstractmethod
    def _find_nodes_impl(
        self, label: Label | None, where: dict[str, Any], limit: int | None, embeddings: bool
    ) -> list[Node]:
        """`limit` is None or at least one."""

    @abc.abstractmethod
    def _edges_impl(
        self, ids: list[str], types: tuple[RelType, ...] | None, direction: Direction
    ) -> list[Edge]:
        """`ids` non-empty and unique; `types` None (every type) or non-empty; sorted by key."""

    @abc.abstractmethod
    def _counts_impl(self, repo: str | None) -> dict[str, int]: ...

    def _reachable_impl(
        self, ids: list[str], types: tuple[RelType, ...], direction: Direction, max_depth: int
    ) -> list[Edge] | None:
        """The whole walk in one statement, or None to let `reachable` walk it level by level.
        `ids` non-empty and unique, `types` non-empty, `direction` IN or OUT."""
        return None

    def _search_all_impl(self, searches: list[PlannedSearch]) -> list[list[SearchHit]]:
        """Every search, in order; in one statement where the backend can."""
        return [
            self._vector_search_impl(s.vector, s.label, s.limit)
            if s.vector is not None
            else self._fulltext_search_impl(str(s.text), s.label, s.narrow, s.limit)
            for s in searches
        ]

    @abc.abstractmethod
    def _fulltext_search_impl(
        self, query: str, indexed: Label, narrow: Label | None, limit: int
    ) -> list[SearchHit]:
        """Search the index of `indexed` (a key of FULLTEXT_FIELDS); keep only `narrow` nodes
        when given (a sub-label: the limit counts narrowed hits)."""

    @abc.abstractmethod
    def _vector_dimensions_impl(self, label: Label) -> frozenset[int]:
        """The dimensions `label`'s embeddings have (empty when unknown or none are stored)."""

    @abc.abstractmethod
    def _vector_search_impl(self, query: list[float], label: Label, limit: int) -> list[SearchHit]:
        """`query` is finite, non-zero and of a stored dimension; `limit` at least one."""


class GraphStore(GraphReads):
    """A property graph of code entities and memories. See the module docstring for atomicity.

    What differs between backends is declared, never asked by name: `capabilities`,
    `cypher_dialect`, `write_clause` and `data_version`.
    """

    #: A short name shown to users: "embedded" or "neo4j".
    name: str = "abstract"
    capabilities: frozenset[Capability] = frozenset()
    #: The Cypher this backend runs, or None if it runs none.
    cypher_dialect: CypherDialect | None = None

    # -- writes ---------------------------------------------------------------------------

    def write(self, batch: WriteBatch) -> None:
        """Apply the batch in one transaction (see WriteBatch for order and failure rules)."""
        if _open_snapshots(self).depth:
            raise UsageError("cannot write while this thread has a snapshot of the store open")
        normalised = normalise_batch(batch)
        if len(normalised):
            self._write_impl(normalised)

    @abc.abstractmethod
    def _write_impl(self, batch: WriteBatch) -> None:
        """`batch` is non-empty and normalised (see `normalise_batch`)."""

    # -- one snapshot for several reads ---------------------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[GraphReads]:
        """A read-only view whose reads all share one read transaction:

            with store.snapshot() as view:
                memories = view.find_nodes(Label.MEMORY, {"status": "active"})
                governs = view.edges([m.id for m in memories], [RelType.GOVERNS])

        Embedded: one SQLite read transaction, a true snapshot (later commits stay unseen until
        it ends; Capability.SNAPSHOT_ISOLATION); the store's connection serves only this thread
        meanwhile. Neo4j: one explicit read transaction on one session (read-committed: a commit
        made between two steps may be seen by the second; no per-call session set-up). Writing
        through the store from the thread that holds its snapshot is refused on both.
        """
        open_here = _open_snapshots(self)
        open_here.depth += 1
        try:
            with self._snapshot_impl() as view:
                yield view
        finally:
            open_here.depth -= 1

    @abc.abstractmethod
    def _snapshot_impl(self) -> AbstractContextManager[GraphReads]: ...

    # -- streaming ------------------------------------------------------------------------

    def iter_nodes(self, label: Label | None = None, batch_size: int = 5000) -> Iterator[Node]:
        """Every node (with `label`), ordered by id, streamed in batches."""
        return self._iter_nodes_impl(_label_or_none(label), max(1, batch_size))

    def iter_edges(self, batch_size: int = 5000) -> Iterator[Edge]:
        """Every edge, ordered by (type, source, target), streamed in batches."""
        return self._iter_edges_impl(max(1, batch_size))

    @abc.abstractmethod
    def _iter_nodes_impl(self, label: Label | None, batch_size: int) -> Iterator[Node]: ...

    @abc.abstractmethod
    def _iter_edges_impl(self, batch_size: int) -> Iterator[Edge]: ...

    # -- declared differences -------------------------------------------------------------

    def cypher(
        self, query: str, params: Mapping[str, Any] | None = None, write: bool = False
    ) -> list[dict[str, Any]]:
        """Run user Cypher, read-only unless `write`; without Cypher a backend raises
        CapabilityError."""
        if self.cypher_dialect is None:
            raise CapabilityError(f"the {self.name} store does not run Cypher")
        if not query.strip():
            raise UsageError("empty Cypher query")
        return self._cypher_impl(query, dict(params or {}), write)

    def _cypher_impl(self, query: str, params: dict[str, Any], write: bool) -> list[dict[str, Any]]:
        raise CapabilityError(f"the {self.name} store does not run Cypher")

    def write_clause(self, query: str) -> str | None:
        """The first clause of `query` that this backend counts as a write, if any.

        CALL counts: a procedure may write. A backend whose read transactions refuse writing
        procedures themselves (Neo4j) leaves CALL to the server.
        """
        return find_write_clause(query, include_call=True)

    def data_version(self) -> Hashable | None:
        """A cheap value that changes whenever the stored graph may have changed, by any
        process, so callers can cache what they derive from it; None if the backend has none."""
        return None

    # -- lifecycle ------------------------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The base label whose full-text index also covers a sub-label's nodes.
SEARCH_BASE: dict[Label, Label] = {
    **{label: Label.CODE_ENTITY for label in CODE_LABELS},
    **{label: Label.MEMORY for label in MEMORY_LABELS},
}


class _OpenSnapshots(threading.local):
    """How many snapshots of one store the current thread holds open."""

    depth = 0


def _open_snapshots(store: GraphStore) -> _OpenSnapshots:
    found: _OpenSnapshots = store.__dict__.setdefault("_open_snapshots", _OpenSnapshots())
    return found


def normalise_batch(batch: WriteBatch) -> WriteBatch:
    """The batch with labels and types checked against the closed enums and every duplicate
    collapsed (a later upsert of the same node or edge wins), so backends get clean input.

    Raises UsageError before anything is written. Bulk writes pass through here, so checked
    label sets are remembered and well-formed edges cost one dictionary entry each.
    """
    try:
        nodes: dict[str, Node] = {}
        for node in batch.upsert_nodes:
            labels = _checked_labels(node.labels)
            if labels is not node.labels:
                node = Node.model_construct(id=node.id, labels=labels, properties=node.properties)
            nodes[node.id] = node
        upserts = batch.upsert_edges
        if not all(type(edge.type) is RelType for edge in upserts):
            upserts = [_checked_edge(edge) for edge in upserts]
        # Keyed by the member's id: members are singletons, and hashing an Enum runs Python code.
        edges = {(id(edge.type), edge.source, edge.target): edge for edge in upserts}
        delete_edges = list(
            dict.fromkeys((RelType(t), source, target) for t, source, target in batch.delete_edges)
        )
    except ValueError as e:
        raise UsageError(f"invalid write batch: {e}") from e
    return WriteBatch(
        upsert_nodes=list(nodes.values()),
        upsert_edges=list(edges.values()),
        delete_nodes=list(dict.fromkeys(batch.delete_nodes)),
        delete_edges=delete_edges,
        set_properties={node_id: dict(props) for node_id, props in batch.set_properties.items()},
        expect={node_id: dict(props) for node_id, props in batch.expect.items()},
    )


def _checked_edge(edge: Edge) -> Edge:
    """The Edge with its type checked (`model_construct`: nothing else is checked again)."""
    if type(edge.type) is RelType:
        return edge
    return Edge.model_construct(
        type=RelType(edge.type), source=edge.source, target=edge.target, properties=edge.properties
    )


#: Label sets already checked, to the sorted enum tuple (a handful exist; invalid ones are
#: never kept).
_LABEL_SETS: dict[tuple[Any, ...], tuple[Label, ...]] = {}


def _checked_labels(labels: tuple[Any, ...]) -> tuple[Label, ...]:
    """`labels` as a sorted tuple of Label with one base label, or ValueError; the very same
    tuple when it already is one."""
    plain = all(type(label) is Label for label in labels)
    checked = _LABEL_SETS.get(labels) if plain else None
    if checked is None:
        checked = tuple(sorted({Label(label) for label in labels}))
        base_label(checked)
        if plain and len(_LABEL_SETS) < 1024:
            _LABEL_SETS[labels] = checked
    return labels if plain and checked == labels else checked


def _above(hits: list[SearchHit], floor: float | None) -> list[SearchHit]:
    """The hits (best first) scoring at least `floor`; all of them without one."""
    if floor is None or not hits or hits[-1].score >= floor:
        return hits
    return [hit for hit in hits if hit.score >= floor]


def search_vector(vector: Sequence[float]) -> list[float]:
    """The query vector as floats; UsageError unless it is non-empty, finite and not all zeros."""
    if hasattr(vector, "tolist"):  # a numpy array
        vector = vector.tolist()
    try:
        values = list(map(float, vector))
    except (TypeError, ValueError) as e:
        raise UsageError("a search vector must be a list of numbers") from e
    if not values or not all(map(math.isfinite, values)):
        raise UsageError("a search vector must be a non-empty list of finite numbers")
    if not any(values):
        raise UsageError("a search vector must not be all zeros (it has no direction)")
    return values


def unmet_expectations(
    expect: Mapping[str, Mapping[str, Any]], current: Mapping[str, Mapping[str, Any]]
) -> str | None:
    """Why `current` (id -> properties of the nodes found) fails `expect`, or None if it holds.

    Shared by the backends, which read `current` inside their write transaction."""
    for node_id, wanted in expect.items():
        if node_id not in current:
            return f"{node_id} no longer exists"
        for key, value in wanted.items():
            if current[node_id].get(key) != value:
                found = current[node_id].get(key)
                return f"{node_id} has {key}={found!r} now, not {value!r}: it changed meanwhile"
    return None


def _anchor_ids(memory: Node) -> list[Any]:
    named = memory.get("anchor_ids")
    return list(named) if isinstance(named, list | tuple) else []


def _unique_ids(ids: Sequence[str]) -> list[str]:
    if isinstance(ids, str):  # one id passed where a list belongs would read as characters
        raise UsageError(f"a list of ids is needed, not the string {ids!r}")
    return list(dict.fromkeys(ids))


def _label(label: Label | str) -> Label:
    try:
        return Label(label)
    except ValueError as e:
        raise UsageError(f"unknown node label {label!r}") from e


def _label_or_none(label: Label | str | None) -> Label | None:
    return None if label is None else _label(label)


def _rel_type(rel_type: RelType | str) -> RelType:
    try:
        return RelType(rel_type)
    except ValueError as e:
        raise UsageError(f"unknown relationship type {rel_type!r}") from e


def _direction(direction: Direction | str) -> Direction:
    try:
        return Direction(direction)
    except ValueError as e:
        raise UsageError(f"unknown direction {direction!r} (out, in or both)") from e


def _far_ends(edge: Edge, frontier: set[str], direction: Direction) -> list[str]:
    ends = []
    if direction in (Direction.OUT, Direction.BOTH) and edge.source in frontier:
        ends.append(edge.target)
    if direction in (Direction.IN, Direction.BOTH) and edge.target in frontier:
        ends.append(edge.source)
    return ends
