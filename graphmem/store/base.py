"""The GraphStore interface every backend implements, and the logic shared above the backends.

Atomicity, stated once for every backend: each call to `GraphStore.write` is one transaction.
Either every operation in the `WriteBatch` is applied, or none is. Reads see only committed writes.
Nothing else is atomic across calls; code that needs several changes to land together (a
supersession, one file of an ingest) puts them in one batch.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from graphmem.model.graph import Edge, Label, Node, RelType

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
class SearchHit:
    node_id: str
    score: float


class GraphStore(abc.ABC):
    """A property graph of code entities and memories. See the module docstring for atomicity."""

    #: A short name shown to users: "embedded" or "neo4j".
    name: str = "abstract"
    capabilities: frozenset[Capability] = frozenset()

    # -- writes ---------------------------------------------------------------------------

    @abc.abstractmethod
    def write(self, batch: WriteBatch) -> None:
        """Apply the batch in one transaction (see WriteBatch for order and failure rules)."""

    # -- point reads ----------------------------------------------------------------------

    @abc.abstractmethod
    def get_nodes(self, ids: Sequence[str]) -> dict[str, Node]:
        """The nodes that exist among `ids`, by id (missing ids are simply absent)."""

    def get_node(self, node_id: str) -> Node | None:
        return self.get_nodes([node_id]).get(node_id)

    @abc.abstractmethod
    def find_nodes(
        self,
        label: Label | None = None,
        where: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[Node]:
        """Nodes with `label` whose properties equal every value in `where`, ordered by id.

        Backends index `id`, `repo`, `path`, `qualified_name`, `name`, `status` and `sha`.
        """

    @abc.abstractmethod
    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> list[Edge]:
        """Edges touching `node_ids` in `direction` (OUT: they are the source), of `types`."""

    @abc.abstractmethod
    def iter_nodes(self, label: Label | None = None, batch_size: int = 5000) -> Iterator[Node]:
        """Every node (with `label`), ordered by id, streamed in batches."""

    @abc.abstractmethod
    def iter_edges(self, batch_size: int = 5000) -> Iterator[Edge]:
        """Every edge, ordered by (type, source, target), streamed in batches."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Number of nodes per label and edges per relationship type (zeros omitted)."""

    # -- search ---------------------------------------------------------------------------

    @abc.abstractmethod
    def fulltext_search(self, query: str, label: Label, limit: int = 20) -> list[SearchHit]:
        """Keyword search over FULLTEXT_FIELDS[label]; best first. The query is plain words."""

    @abc.abstractmethod
    def vector_search(
        self, vector: Sequence[float], label: Label = Label.MEMORY, limit: int = 20
    ) -> list[SearchHit]:
        """Nearest nodes by cosine of EMBEDDING_PROPERTY; score in [-1, 1], best first."""

    # -- cypher ---------------------------------------------------------------------------

    def cypher(
        self, query: str, params: Mapping[str, Any] | None = None, write: bool = False
    ) -> list[dict[str, Any]]:
        """Run user Cypher, read-only unless `write`; without Cypher a backend raises
        CapabilityError."""
        from graphmem.errors import CapabilityError

        raise CapabilityError(f"the {self.name} store does not run Cypher; use a Neo4j store")

    # -- lifecycle ------------------------------------------------------------------------

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        seen: set[str] = set(start_ids)
        hops: list[Hop] = []
        frontier = list(dict.fromkeys(start_ids))
        for depth in range(1, max_depth + 1):
            if not frontier:
                break
            next_frontier: list[str] = []
            frontier_set = set(frontier)
            for edge in sorted(self.edges(frontier, types, direction), key=lambda e: e.key):
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


def _far_ends(edge: Edge, frontier: set[str], direction: Direction) -> list[str]:
    ends = []
    if direction in (Direction.OUT, Direction.BOTH) and edge.source in frontier:
        ends.append(edge.target)
    if direction in (Direction.IN, Direction.BOTH) and edge.target in frontier:
        ends.append(edge.source)
    return ends
