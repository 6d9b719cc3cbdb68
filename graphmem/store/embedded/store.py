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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphmem.errors import StoreError, UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import (
    FULLTEXT_FIELDS,
    Capability,
    Direction,
    GraphStore,
    SearchHit,
    WriteBatch,
)
from graphmem.store.embedded import fulltext, writes
from graphmem.store.embedded.rows import make_edge, make_node
from graphmem.store.embedded.schema import (
    INDEXED_PROPERTIES,
    open_connection,
    property_expression,
)
from graphmem.store.embedded.sqlite_errors import translate_sqlite_error
from graphmem.store.embedded.vectors import VectorIndex, bump_vector_generation

_NODE_COLUMNS = "n.id, n.labels, n.props, v.vec"
_EDGE_COLUMNS = "type, source, target, props"
#: A property name that can be spliced into a JSON path (anything else is filtered in Python).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class EmbeddedStore(GraphStore):
    """A graph in one SQLite file (WAL), safe for several processes. See the module docstring."""

    name = "embedded"
    capabilities = frozenset({Capability.VECTOR_INDEX, Capability.CYPHER_READ})

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._conn: sqlite3.Connection | None = open_connection(self.path)
        # One connection, used by one thread at a time (an MCP server may serve several).
        self._lock = threading.RLock()
        self._vectors = VectorIndex()
        # Write transactions this connection ran: with PRAGMA data_version (which counts only
        # other connections' commits) it tells when the contents may have changed.
        self._writes = 0
        self._known = writes.KnownNodes()

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

    def write(self, batch: WriteBatch) -> None:
        if len(batch) == 0:
            return
        prepared = writes.prepare(batch)
        with self._connection("write") as conn:
            sync = fulltext.FulltextSync(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = _data_version(conn)
                checked: set[str] = set()
                if writes.apply(conn, prepared, sync, self._known.at(version), checked):
                    bump_vector_generation(conn)
                sync.finish()
                conn.execute("COMMIT")
                self._known.committed(version, prepared, checked)
            except BaseException:
                _rollback(conn)
                raise
            finally:
                self._writes += 1
            if sync.removed:
                # Removed text must not linger in the WAL file either (a purge means gone).
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def data_version(self) -> tuple[int, int]:
        """A value that changes whenever the stored graph may have changed, by any process.

        Cheap (no table is read), so callers can cache what they derive from the graph.
        """
        with self._connection("read") as conn:
            return (_data_version(conn), self._writes)

    # -- point reads ----------------------------------------------------------------------

    def get_nodes(self, ids: Sequence[str]) -> dict[str, Node]:
        unique = list(dict.fromkeys(ids))
        sql = (
            f"SELECT {_NODE_COLUMNS} FROM nodes n LEFT JOIN vectors v ON v.key = n.key "
            "WHERE n.id IN ({marks})"
        )
        with self._connection("read") as conn:
            if len(unique) == 1:
                rows = conn.execute(sql.replace("IN ({marks})", "= ?"), unique).fetchall()
            else:
                rows = list(writes.select_in(conn, sql, unique))
        return {row[0]: make_node(*row) for row in rows}

    def find_nodes(
        self,
        label: Label | None = None,
        where: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[Node]:
        where = dict(where or {})
        if limit is not None and limit <= 0:
            return []
        sql, params = _find_query(label, where)
        found: list[Node] = []
        with self._connection("read") as conn:
            for row in conn.execute(sql, params):
                node = make_node(*row)
                if all(_same(node.properties.get(k), v) for k, v in where.items() if k != "id"):
                    found.append(node)
                    if limit is not None and len(found) >= limit:
                        break
        return found

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[RelType] | None = None,
        direction: Direction = Direction.OUT,
    ) -> list[Edge]:
        if types is not None and not types:
            return []
        unique = list(dict.fromkeys(node_ids))
        columns = {
            Direction.OUT: ("source",),
            Direction.IN: ("target",),
            Direction.BOTH: ("source", "target"),
        }[Direction(direction)]
        type_values = [RelType(t).value for t in types or ()]
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

    def iter_nodes(self, label: Label | None = None, batch_size: int = 5000) -> Iterator[Node]:
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
            head = [Label(label).value]
        after = ""
        while True:
            with self._connection("read") as conn:
                rows = conn.execute(sql, [*head, after, max(1, batch_size)]).fetchall()
            if not rows:
                return
            for row in rows:
                yield make_node(*row)
            after = rows[-1][0]

    def iter_edges(self, batch_size: int = 5000) -> Iterator[Edge]:
        sql = (
            f"SELECT {_EDGE_COLUMNS} FROM edges WHERE (type, source, target) > (?, ?, ?) "
            "ORDER BY type, source, target LIMIT ?"
        )
        after: tuple[str, str, str] = ("", "", "")
        while True:
            with self._connection("read") as conn:
                rows = conn.execute(sql, [*after, max(1, batch_size)]).fetchall()
            if not rows:
                return
            for row in rows:
                yield make_edge(*row)
            after = (rows[-1][0], rows[-1][1], rows[-1][2])

    def counts(self) -> dict[str, int]:
        with self._connection("read") as conn:
            rows = conn.execute(
                "SELECT label, count(*) FROM node_labels GROUP BY label "
                "UNION ALL SELECT type, count(*) FROM edges GROUP BY type"
            ).fetchall()
        return {name: int(count) for name, count in rows if count}

    # -- search ---------------------------------------------------------------------------

    def fulltext_search(self, query: str, label: Label, limit: int = 20) -> list[SearchHit]:
        label = Label(label)
        if label not in FULLTEXT_FIELDS:
            searchable = ", ".join(label.value for label in FULLTEXT_FIELDS)
            raise UsageError(
                f"no full-text index for {label.value} nodes (searchable: {searchable})"
            )
        with self._connection("search") as conn:
            hits = fulltext.search(conn, label, query, limit)
        return [SearchHit(node_id, score) for node_id, score in hits]

    def vector_search(
        self, vector: Sequence[float], label: Label = Label.MEMORY, limit: int = 20
    ) -> list[SearchHit]:
        with self._connection("search") as conn:
            hits = self._vectors.search(conn, vector, Label(label), limit)
        return [SearchHit(node_id, score) for node_id, score in hits]

    def cypher(
        self, query: str, params: Mapping[str, Any] | None = None, write: bool = False
    ) -> list[dict[str, Any]]:
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


def _find_query(label: Label | None, where: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL narrowing `find_nodes` to candidates; exact matching is finished in Python."""
    clauses: list[str] = []
    params: list[Any] = []
    index_key = next((k for k in _INDEX_PREFERENCE if _sql_comparable(where.get(k))), None)
    if index_key == "repo" and label is not None:
        # A store usually holds one repository, so `repo` narrows nothing, while a label
        # (Memory, Receipt, Event) usually narrows a lot: walk the label, filter the repo.
        index_key = None
    for name, value in where.items():
        if name == "id":
            clauses.append("n.id = ?")
            params.append(value)
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
    if label is not None and index_key is None and "id" not in where:
        sql = (
            f"SELECT {_NODE_COLUMNS} FROM node_labels l CROSS JOIN nodes n ON n.id = l.id "
            "LEFT JOIN vectors v ON v.key = n.key WHERE l.label = ?"
        )
        params.insert(0, Label(label).value)
        order = "l.id"
    else:
        sql = f"SELECT {_NODE_COLUMNS} FROM nodes n LEFT JOIN vectors v ON v.key = n.key WHERE 1"
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
