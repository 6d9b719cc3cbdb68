"""EmbeddedStore: the GraphStore interface on one SQLite file, the default backend.

Guarantees: each `write` is one `BEGIN IMMEDIATE` transaction, rolled back entirely on any
error. WAL journaling lets several processes read while one writes; writers queue for up to
30 s. A killed process never corrupts the file and loses nothing it committed (synchronous=
NORMAL); an OS crash or power cut may lose the last few commits, never consistency. Each read
statement sees one committed snapshot; the streaming iterators page by key, so a long export
running beside writers sees each page as of the moment it is read.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphmem.errors import ReadOnlyStoreError, StoreError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import (
    Capability,
    CypherDialect,
    Direction,
    GraphReads,
    GraphStore,
    PlannedSearch,
    Review,
    SearchHit,
    WriteBatch,
)
from graphmem.store.embedded import fulltext, writes
from graphmem.store.embedded.rows import make_edge, make_node
from graphmem.store.embedded.schema import (
    FLAG_INDEXES,
    INDEXED_PROPERTIES,
    flag_expression,
    open_connection,
    property_expression,
)
from graphmem.store.embedded.sqlite_errors import translate_sqlite_error
from graphmem.store.embedded.vectors import (
    VectorChange,
    VectorIndex,
    bump_vector_generation,
    vector_generation,
)

_NODE_COLUMNS = "n.id, n.labels, n.props, v.vec"
_LEAN_NODE_COLUMNS = "n.id, n.labels, n.props, NULL"
_EDGE_COLUMNS = "type, source, target, props"
#: `memories_to_review`: a repository's memories that are not purged, each with whether it may
#: need a look (flagged orphaned, no anchor list, an anchor without its GOVERNS edge, or an edge
#: that records another content hash than its target's, or whose target is gone).
_REVIEW = """
SELECT n.id, n.labels, n.props,
  IFNULL(json_extract(n.props, '$.orphaned'), 0) != 0
  OR IFNULL(json_type(n.props, '$.anchor_ids'), '') != 'array'
  OR json_array_length(n.props, '$.anchor_ids') = 0
  OR EXISTS (
    SELECT 1 FROM json_each(n.props, '$.anchor_ids') a WHERE NOT EXISTS (
      SELECT 1 FROM edges e WHERE e.type = 'GOVERNS' AND e.source = n.id AND e.target = a.value))
  OR EXISTS (
    SELECT 1 FROM edges e LEFT JOIN nodes t ON t.id = e.target
    WHERE e.type = 'GOVERNS' AND e.source = n.id AND (t.id IS NULL
      OR IFNULL(json_extract(e.props, '$.content_hash'), '')
         IS NOT IFNULL(json_extract(t.props, '$.content_hash'), '')))
FROM node_labels l CROSS JOIN nodes n ON n.id = l.id
WHERE l.label = 'Memory' AND n.repo = ? AND n.status IS NOT 'purged'
ORDER BY l.id
"""
#: A property name that can be spliced into a JSON path (anything else is filtered in Python).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class EmbeddedStore(GraphStore):
    """A graph in one SQLite file (WAL), safe for several processes. See the module docstring."""

    name = "embedded"
    capabilities = frozenset(
        {Capability.VECTOR_INDEX, Capability.CYPHER_READ, Capability.SNAPSHOT_ISOLATION}
    )
    cypher_dialect = CypherDialect.SUBSET

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False) -> None:
        self.path = Path(path).expanduser()
        #: GRAPHMEM_READ_ONLY: every write is refused here, as Neo4j refuses a read session's
        self.read_only = read_only
        self._conn: sqlite3.Connection | None = open_connection(self.path)
        # One connection, used by one thread at a time (an MCP server may serve several).
        self._lock = threading.RLock()
        self._vectors = VectorIndex()
        # Write transactions this connection ran: with PRAGMA data_version (which counts only
        # other connections' commits) it tells when the contents may have changed.
        self._writes = 0
        self._known = writes.KnownNodes()
        # True while snapshot() holds the connection in a read transaction.
        self._in_snapshot = False

    def __repr__(self) -> str:
        return f"EmbeddedStore({str(self.path)!r})"

    @contextmanager
    def _connection(self, doing: str) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._conn is None:
                raise StoreError(f"{self.path}: the store is closed")
            try:
                yield self._conn
            except sqlite3.Error as e:
                raise translate_sqlite_error(self.path, e, doing) from e

    # -- writes ---------------------------------------------------------------------------

    def _write_impl(self, batch: WriteBatch) -> None:
        if self.read_only:
            raise ReadOnlyStoreError(
                "this graphmem store is read-only (GRAPHMEM_READ_ONLY): nothing was written; "
                "unset GRAPHMEM_READ_ONLY to write"
            )
        prepared = writes.prepare(batch)
        with self._connection("write") as conn:
            sync = fulltext.FulltextSync(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = _data_version(conn)
                checked: set[str] = set()
                changes: list[VectorChange] = []
                generation = vector_generation(conn)
                known = self._known.at(version)
                if writes.apply(conn, prepared, sync, known, checked, changes):
                    bumped = bump_vector_generation(conn)
                else:
                    bumped = None
                sync.finish()
                conn.execute("COMMIT")
                self._known.committed(version, prepared, checked)
            except BaseException:
                _rollback(conn)
                raise
            finally:
                self._writes += 1
            if bumped is not None:
                # After the commit, outside the rollback path: the write has happened.
                self._vectors.applied(generation, bumped, changes)
            if sync.removed:
                # Removed text must not linger in the WAL file either (a purge means gone).
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def data_version(self) -> tuple[int, int]:
        """PRAGMA data_version (other connections' commits) with this connection's writes:
        no table is read."""
        with self._connection("read") as conn:
            return (_data_version(conn), self._writes)

    # -- one snapshot ---------------------------------------------------------------------

    @contextmanager
    def _snapshot_impl(self) -> Iterator[GraphReads]:
        """One SQLite read transaction (WAL: it sees the commit that was current at its first
        read, whatever others write meanwhile); other threads wait for the connection."""
        with self._connection("read") as conn:
            if self._in_snapshot:  # nested: the outer transaction is the snapshot
                yield _SnapshotView(self)
                return
            conn.execute("BEGIN")
            self._in_snapshot = True
            try:
                yield _SnapshotView(self)
            finally:
                self._in_snapshot = False
                _rollback(conn)  # it only read: ending it is all there is to do

    # -- point reads ----------------------------------------------------------------------

    def _get_nodes_impl(self, unique: list[str], embeddings: bool) -> dict[str, Node]:
        sql = (
            f"SELECT {_NODE_COLUMNS} FROM nodes n LEFT JOIN vectors v ON v.key = n.key "
            "WHERE n.id IN ({marks})"
            if embeddings
            else f"SELECT {_LEAN_NODE_COLUMNS} FROM nodes n WHERE n.id IN ({{marks}})"
        )
        with self._connection("read") as conn:
            if len(unique) == 1:
                rows = conn.execute(sql.replace("IN ({marks})", "= ?"), unique).fetchall()
            else:
                rows = list(writes.select_in(conn, sql, unique))
        return {row[0]: make_node(*row) for row in rows}

    def _find_nodes_impl(
        self, label: Label | None, where: dict[str, Any], limit: int | None, embeddings: bool
    ) -> list[Node]:
        sql, params = _find_query(label, where, embeddings)
        found: list[Node] = []
        with self._connection("read") as conn:
            for row in conn.execute(sql, params):
                node = make_node(*row)
                if all(_same(node.properties.get(k), v) for k, v in where.items() if k != "id"):
                    found.append(node)
                    if limit is not None and len(found) >= limit:
                        break
        return found

    def _review_impl(self, repo: str) -> Review:
        total, flagged = 0, []
        with self._connection("read") as conn:
            for node_id, labels, props, review in conn.execute(_REVIEW, [repo]):
                total += 1
                if review:
                    flagged.append(make_node(node_id, labels, props, None))
        return Review(total, flagged)

    def _edges_impl(
        self, unique: list[str], types: tuple[RelType, ...] | None, direction: Direction
    ) -> list[Edge]:
        columns = {
            Direction.OUT: ("source",),
            Direction.IN: ("target",),
            Direction.BOTH: ("source", "target"),
        }[direction]
        type_values = [t.value for t in types or ()]
        type_filter = f" AND type IN ({','.join('?' * len(type_values))})" if type_values else ""
        found: dict[tuple[str, str, str], Edge] = {}
        with self._connection("read") as conn:
            for column in columns:
                for start in range(0, len(unique), writes.CHUNK):
                    chunk = unique[start : start + writes.CHUNK]
                    where = "= ?" if len(chunk) == 1 else f"IN ({','.join('?' * len(chunk))})"
                    rows = conn.execute(
                        f"SELECT {_EDGE_COLUMNS} FROM edges INDEXED BY edges_by_{column} "
                        f"WHERE {column} {where}{type_filter}",
                        [*chunk, *type_values],
                    ).fetchall()
                    for row in rows:
                        found[(row[0], row[1], row[2])] = make_edge(*row)
        return [found[key] for key in sorted(found)]

    def _iter_nodes_impl(self, label: Label | None, batch_size: int) -> Iterator[Node]:
        if label is None:
            sql = (
                f"SELECT {_NODE_COLUMNS} FROM nodes n LEFT JOIN vectors v ON v.key = n.key "
                "WHERE n.id > ? ORDER BY n.id LIMIT ?"
            )
            head: list[Any] = []
        else:
            sql = (
                f"SELECT {_NODE_COLUMNS} FROM node_labels l CROSS JOIN nodes n ON n.id = l.id "
                "LEFT JOIN vectors v ON v.key = n.key "
                "WHERE l.label = ? AND l.id > ? ORDER BY l.id LIMIT ?"
            )
            head = [label.value]
        after = ""
        while True:
            with self._connection("read") as conn:
                rows = conn.execute(sql, [*head, after, batch_size]).fetchall()
            if not rows:
                return
            for row in rows:
                yield make_node(*row)
            after = rows[-1][0]

    def _iter_edges_impl(self, batch_size: int) -> Iterator[Edge]:
        sql = (
            f"SELECT {_EDGE_COLUMNS} FROM edges WHERE (type, source, target) > (?, ?, ?) "
            "ORDER BY type, source, target LIMIT ?"
        )
        after: tuple[str, str, str] = ("", "", "")
        while True:
            with self._connection("read") as conn:
                rows = conn.execute(sql, [*after, batch_size]).fetchall()
            if not rows:
                return
            for row in rows:
                yield make_edge(*row)
            after = (rows[-1][0], rows[-1][1], rows[-1][2])

    def _counts_impl(self, repo: str | None) -> dict[str, int]:
        with self._connection("read") as conn:
            if repo is None:
                rows = conn.execute(
                    "SELECT label, count(*) FROM node_labels GROUP BY label "
                    "UNION ALL SELECT type, count(*) FROM edges GROUP BY type"
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT l.label, count(*) FROM nodes n JOIN node_labels l ON l.id = n.id "
                    "WHERE n.repo = ?1 GROUP BY l.label "
                    "UNION ALL SELECT e.type, count(*) FROM nodes n "
                    "JOIN edges e ON e.source = n.id WHERE n.repo = ?1 GROUP BY e.type",
                    (repo,),
                ).fetchall()
        return {name: int(count) for name, count in rows if count}

    # -- search ---------------------------------------------------------------------------

    def _fulltext_search_impl(
        self, query: str, indexed: Label, narrow: Label | None, limit: int
    ) -> list[SearchHit]:
        with self._connection("search") as conn:
            hits = fulltext.search(conn, indexed, query, limit, narrow)
        return [SearchHit(node_id, score) for node_id, score in hits]

    def _vector_dimensions_impl(self, label: Label) -> frozenset[int]:
        with self._connection("search") as conn:
            return self._vectors.dimensions(conn, label)

    def _vector_search_impl(self, query: list[float], label: Label, limit: int) -> list[SearchHit]:
        with self._connection("search") as conn:
            hits = self._vectors.search(conn, query, label, limit)
        return [SearchHit(node_id, score) for node_id, score in hits]

    def _search_all_impl(self, searches: list[PlannedSearch]) -> list[list[SearchHit]]:
        """Vector searches of one label share one matrix product (remember --batch asks for
        the nearest memories of every new one at once); full-text searches run one by one."""
        found: dict[int, list[SearchHit]] = {}
        by_label: dict[Label, list[int]] = {}
        for i, search in enumerate(searches):
            if search.vector is not None:
                by_label.setdefault(search.label, []).append(i)
        with self._connection("search") as conn:
            for label, indexes in by_label.items():
                asked = [
                    (searches[i].vector or [], searches[i].limit, searches[i].floor)
                    for i in indexes
                ]
                for i, hits in zip(
                    indexes, self._vectors.search_many(conn, asked, label), strict=True
                ):
                    found[i] = [SearchHit(node_id, score) for node_id, score in hits]
            return [
                found[i]
                if i in found
                else self._fulltext_search_impl(str(s.text), s.label, s.narrow, s.limit)
                for i, s in enumerate(searches)
            ]

    def _cypher_impl(self, query: str, params: dict[str, Any], write: bool) -> list[dict[str, Any]]:
        """Read-only Cypher through grand-cypher (see graphmem.store.embedded.cypher)."""
        from graphmem.store.embedded.cypher import run_readonly_cypher

        return run_readonly_cypher(self, query, params, write)

    # -- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is None:
                return
            try:
                conn.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass  # statistics are an optimisation; closing must still happen
            finally:
                conn.close()


def _data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits (never for this connection's commits)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        # SQLite may have rolled back already (after an I/O error); the original error wins.
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


#: Most selective first: find_nodes uses the first of these present in `where` as its index.
_INDEX_PREFERENCE = ("qualified_name", "sha", "path", "name", "repo", "status")
assert set(_INDEX_PREFERENCE) == set(INDEXED_PROPERTIES)


def _find_query(
    label: Label | None, where: dict[str, Any], embeddings: bool
) -> tuple[str, list[Any]]:
    """SQL narrowing `find_nodes` to candidates; exact matching is finished in Python."""
    clauses: list[str] = []
    params: list[Any] = []
    index_key = next((k for k in _INDEX_PREFERENCE if _sql_comparable(where.get(k))), None)
    if index_key == "repo" and label is not None:
        # A store usually holds one repository, so `repo` narrows nothing, while a label
        # (Memory, Receipt, Event) usually narrows a lot: walk the label, filter the repo.
        index_key = None
    flag = next((k for k in FLAG_INDEXES if where.get(k) is True), None)
    if flag is not None and index_key in (None, "repo", "status"):
        index_key = flag  # few nodes carry a flag: its partial index narrows most
    for name, value in where.items():
        if name == "id":
            clauses.append("n.id = ?")
            params.append(value)
        elif name == flag:
            clauses.append(flag_expression(name))
        elif value is None and _PLAIN_NAME.fullmatch(name):
            clauses.append(f"{property_expression(name)} IS NULL")
        elif _sql_comparable(value) and _PLAIN_NAME.fullmatch(name):
            # A unary + keeps SQLite from using the other, less selective, indexes.
            prefix = "" if name == index_key else "+"
            if name not in INDEXED_PROPERTIES:
                # The key must appear in the JSON text: a substring test skips parsing the
                # JSON of every node without it (a rare flag such as `orphaned`, say).
                clauses.append(f"instr(props, '\"{name}\"') > 0")
            clauses.append(f"{prefix}{property_expression(name)} = ?")
            params.append(int(value) if isinstance(value, bool) else value)
    columns, vectors = (
        (_NODE_COLUMNS, " LEFT JOIN vectors v ON v.key = n.key")
        if embeddings
        else (_LEAN_NODE_COLUMNS, "")
    )
    if label is not None and index_key is None and "id" not in where:
        sql = (
            f"SELECT {columns} FROM node_labels l CROSS JOIN nodes n ON n.id = l.id"
            f"{vectors} WHERE l.label = ?"
        )
        params.insert(0, Label(label).value)
        order = "l.id"
    else:
        sql = f"SELECT {columns} FROM nodes n{vectors} WHERE 1"
        if label is not None:
            clauses.append("EXISTS (SELECT 1 FROM node_labels l WHERE l.label = ? AND l.id = n.id)")
            params.append(Label(label).value)
        order = "n.id"
    sql += "".join(f" AND {clause}" for clause in clauses)
    return f"{sql} ORDER BY {order}", params


def _sql_comparable(value: Any) -> bool:
    return isinstance(value, str | int | float)


def _same(actual: Any, expected: Any) -> bool:
    """Property equality as a graph database sees it: True is not 1, lists compare by items."""
    if expected is None:
        return actual is None
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(actual, list | tuple) and isinstance(expected, list | tuple):
        return len(actual) == len(expected) and all(
            _same(a, e) for a, e in zip(actual, expected, strict=True)
        )
    if isinstance(actual, list | tuple) or isinstance(expected, list | tuple):
        return False
    return bool(actual == expected)


class _SnapshotView(GraphReads):
    """The reads of an EmbeddedStore while its snapshot transaction is open."""

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store

    def __repr__(self) -> str:
        return f"snapshot of {self._store!r}"

    def _get_nodes_impl(self, ids: list[str], embeddings: bool) -> dict[str, Node]:
        return self._store._get_nodes_impl(ids, embeddings)

    def _find_nodes_impl(
        self, label: Label | None, where: dict[str, Any], limit: int | None, embeddings: bool
    ) -> list[Node]:
        return self._store._find_nodes_impl(label, where, limit, embeddings)

    def _edges_impl(
        self, ids: list[str], types: tuple[RelType, ...] | None, direction: Direction
    ) -> list[Edge]:
        return self._store._edges_impl(ids, types, direction)

    def _review_impl(self, repo: str) -> Review:
        return self._store._review_impl(repo)

    def _counts_impl(self, repo: str | None) -> dict[str, int]:
        return self._store._counts_impl(repo)

    def _fulltext_search_impl(
        self, query: str, indexed: Label, narrow: Label | None, limit: int
    ) -> list[SearchHit]:
        return self._store._fulltext_search_impl(query, indexed, narrow, limit)

    def _vector_dimensions_impl(self, label: Label) -> frozenset[int]:
        return self._store._vector_dimensions_impl(label)

    def _vector_search_impl(self, query: list[float], label: Label, limit: int) -> list[SearchHit]:
        return self._store._vector_search_impl(query, label, limit)

    def _search_all_impl(self, searches: list[PlannedSearch]) -> list[list[SearchHit]]:
        return self._store._search_all_impl(searches)
