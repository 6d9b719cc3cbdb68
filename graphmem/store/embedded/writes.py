"""Applying a WriteBatch inside one SQLite transaction, in the order WriteBatch documents.

Everything is encoded (JSON, vectors, full-text values) before the transaction starts, so the
write lock is held only for the SQL. Statements are batched with executemany.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from graphmem.errors import StoreError
from graphmem.model.graph import Label
from graphmem.store.base import EMBEDDING_PROPERTY, FULLTEXT_FIELDS, WriteBatch
from graphmem.store.embedded.fulltext import FulltextSync
from graphmem.store.embedded.rows import (
    INDEXED_PROPERTIES,
    NodeRow,
    decode_properties,
    edge_row,
    encode_properties,
    encode_vector,
    fulltext_values,
    indexed_values,
    node_row,
)

#: Ids per `IN (...)` list: well below SQLite's parameter limit, large enough to amortise.
CHUNK = 500

_FULLTEXT_LABELS = frozenset(label.value for label in FULLTEXT_FIELDS)

_UPSERT_NODE = (
    f"INSERT INTO nodes (id, base, labels, props, {', '.join(INDEXED_PROPERTIES)}) "
    f"VALUES (?, ?, ?, ?, {', '.join('?' for _ in INDEXED_PROPERTIES)}) "
    "ON CONFLICT (id) DO UPDATE SET base = excluded.base, labels = excluded.labels, "
    "props = excluded.props, "
    + ", ".join(f"{name} = excluded.{name}" for name in INDEXED_PROPERTIES)
)
_UPDATE_PROPS = (
    "UPDATE nodes SET props = ?, "
    + ", ".join(f"{name} = ?" for name in INDEXED_PROPERTIES)
    + " WHERE key = ?"
)
# Writes an edge only when both its endpoints exist; the caller compares the number of rows
# changed with the number of edges, so endpoints are checked inside SQLite, one lookup each.
# (The WHERE clause also keeps SQLite from reading ON CONFLICT as part of the SELECT.)
_UPSERT_EDGE = (
    "INSERT INTO edges (type, source, target, props) SELECT ?1, ?2, ?3, ?4 "
    "WHERE EXISTS (SELECT 1 FROM nodes WHERE id = ?2) "
    "AND EXISTS (SELECT 1 FROM nodes WHERE id = ?3) "
    "ON CONFLICT (type, source, target) DO UPDATE SET props = excluded.props"
)
_UPSERT_VECTOR = (
    "INSERT INTO vectors (key, vec) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET vec = excluded.vec"
)


@dataclass
class PreparedBatch:
    """A WriteBatch encoded into rows, ready for the transaction."""

    delete_edges: list[tuple[str, str, str]]
    delete_nodes: list[str]
    nodes: dict[str, NodeRow]
    set_properties: dict[str, dict[str, Any]]
    edges: dict[tuple[str, str, str], tuple[str, str, str, str]]


def prepare(batch: WriteBatch) -> PreparedBatch:
    """Encode the batch; a later upsert of the same node or edge replaces an earlier one."""
    nodes = {node.id: node_row(node) for node in batch.upsert_nodes}
    edges: dict[tuple[str, str, str], tuple[str, str, str, str]] = {}
    for edge in batch.upsert_edges:
        row = edge_row(edge)
        edges[row[:3]] = row
    for node_id, update in batch.set_properties.items():
        if update.get(EMBEDDING_PROPERTY) is not None:
            encode_vector(f"node {node_id!r}", update[EMBEDDING_PROPERTY])  # fail before writing
    return PreparedBatch(
        delete_edges=[(t.value, s, d) for t, s, d in batch.delete_edges],
        delete_nodes=list(dict.fromkeys(batch.delete_nodes)),
        nodes=nodes,
        set_properties=batch.set_properties,
        edges=edges,
    )


def apply(conn: sqlite3.Connection, batch: PreparedBatch, fulltext: FulltextSync) -> None:
    """Run inside an open transaction; raises StoreError (caller rolls back) on a bad batch."""
    if batch.delete_edges:
        conn.executemany(
            "DELETE FROM edges WHERE type = ? AND source = ? AND target = ?", batch.delete_edges
        )
    if batch.delete_nodes:
        _delete_nodes(conn, batch.delete_nodes, fulltext)
    if batch.nodes:
        _upsert_nodes(conn, batch.nodes, fulltext)
    if batch.set_properties:
        _set_properties(conn, batch.set_properties, fulltext)
    if batch.edges:
        # rowcount sums the rows each execution changed; total_changes would also count the
        # full-text index's own deferred writes.
        written = conn.executemany(_UPSERT_EDGE, batch.edges.values()).rowcount
        if written != len(batch.edges):
            _report_missing_endpoints(conn, batch.edges.values())


def select_in(conn: sqlite3.Connection, sql: str, ids: Sequence[str]) -> Iterator[Any]:
    """Rows of `sql` (with one `{marks}` placeholder for the IN list) for every chunk of ids."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def _existing(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """id -> (key, labels) of the nodes that exist among `ids`."""
    sql = "SELECT id, key, labels FROM nodes WHERE id IN ({marks})"
    return {node_id: (key, labels) for node_id, key, labels in select_in(conn, sql, ids)}


def _delete_nodes(conn: sqlite3.Connection, ids: list[str], fulltext: FulltextSync) -> None:
    existing = _existing(conn, ids)
    if not existing:
        return
    gone = [(node_id,) for node_id in existing]
    keys = [(key,) for key, _ in existing.values()]
    conn.executemany("DELETE FROM edges WHERE source = ?", gone)
    conn.executemany("DELETE FROM edges WHERE target = ?", gone)
    conn.executemany(
        "DELETE FROM node_labels WHERE label = ? AND id = ?",
        [
            (label, node_id)
            for node_id, (_, labels) in existing.items()
            for label in labels.split(",")
        ],
    )
    for key, labels in existing.values():
        for label in _FULLTEXT_LABELS.intersection(labels.split(",")):
            fulltext.set(Label(label), key, None)
    conn.executemany("DELETE FROM vectors WHERE key = ?", keys)
    conn.executemany("DELETE FROM nodes WHERE key = ?", keys)


def _upsert_nodes(
    conn: sqlite3.Connection, rows: dict[str, NodeRow], fulltext: FulltextSync
) -> None:
    ids = list(rows)
    existing = _existing(conn, ids)
    conn.executemany(_UPSERT_NODE, [row.columns() for row in rows.values()])

    added_labels: list[tuple[str, str]] = []
    removed_labels: list[tuple[str, str]] = []
    for row in rows.values():
        old = existing.get(row.id)
        if old is None:
            added_labels.extend((label, row.id) for label in row.label_set)
        elif old[1] != row.labels:
            old_set = frozenset(old[1].split(","))
            added_labels.extend((label, row.id) for label in row.label_set - old_set)
            removed_labels.extend((label, row.id) for label in old_set - row.label_set)
    if removed_labels:
        conn.executemany("DELETE FROM node_labels WHERE label = ? AND id = ?", removed_labels)
    if added_labels:
        conn.executemany(
            "INSERT OR IGNORE INTO node_labels (label, id) VALUES (?, ?)", added_labels
        )

    # Keys of new nodes are needed only for their vector and full-text rows.
    keys = {node_id: key for node_id, (key, _) in existing.items()}
    wanting = [
        row.id
        for row in rows.values()
        if row.id not in keys and (row.vector is not None or row.label_set & _FULLTEXT_LABELS)
    ]
    keys.update(select_in(conn, "SELECT id, key FROM nodes WHERE id IN ({marks})", wanting))

    vectors = [(keys[row.id], row.vector) for row in rows.values() if row.vector is not None]
    if vectors:
        conn.executemany(_UPSERT_VECTOR, vectors)
    unvectored = [(key,) for node_id, (key, _) in existing.items() if rows[node_id].vector is None]
    if unvectored:
        conn.executemany("DELETE FROM vectors WHERE key = ?", unvectored)

    for row in rows.values():
        old = existing.get(row.id)
        searchable = row.label_set & _FULLTEXT_LABELS
        if old is not None and old[1] != row.labels:
            searchable |= _FULLTEXT_LABELS.intersection(old[1].split(","))
        for label in searchable:
            fulltext.set(Label(label), keys[row.id], row.fulltext.get(Label(label)))


def _set_properties(
    conn: sqlite3.Connection, updates: dict[str, dict[str, Any]], fulltext: FulltextSync
) -> None:
    ids = list(updates)
    found = {
        node_id: (key, labels, props)
        for node_id, key, labels, props in select_in(
            conn, "SELECT id, key, labels, props FROM nodes WHERE id IN ({marks})", ids
        )
    }
    missing = [node_id for node_id in ids if node_id not in found]
    if missing:
        raise StoreError(
            f"cannot set properties of missing node(s) {', '.join(map(repr, missing[:3]))}"
            f"{' and more' if len(missing) > 3 else ''}; nothing was written"
        )
    new_props: list[tuple[Any, ...]] = []
    for node_id, update in updates.items():
        key, labels, text = found[node_id]
        props = decode_properties(text)
        for name, value in update.items():
            if name == EMBEDDING_PROPERTY:
                continue
            if value is None:
                props.pop(name, None)
            else:
                props[name] = value
        encoded = encode_properties(f"node {node_id!r}", props)
        new_props.append((encoded, *indexed_values(props), key))
        if EMBEDDING_PROPERTY in update:
            vector = update[EMBEDDING_PROPERTY]
            if vector is None:
                conn.execute("DELETE FROM vectors WHERE key = ?", (key,))
            else:
                conn.execute(_UPSERT_VECTOR, (key, encode_vector(f"node {node_id!r}", vector)))
        label_set = frozenset(labels.split(","))
        for label in _FULLTEXT_LABELS & label_set:
            if set(FULLTEXT_FIELDS[Label(label)]) & update.keys():
                values = fulltext_values(label_set, props).get(Label(label))
                fulltext.set(Label(label), key, values)
    conn.executemany(_UPDATE_PROPS, new_props)


def _report_missing_endpoints(
    conn: sqlite3.Connection, edges: Iterable[tuple[str, str, str, str]]
) -> None:
    """Raise the StoreError naming an edge whose endpoint does not exist after the batch."""
    edges = list(edges)
    endpoints = sorted({end for _, source, target, _ in edges for end in (source, target)})
    found = {
        node_id
        for (node_id,) in select_in(conn, "SELECT id FROM nodes WHERE id IN ({marks})", endpoints)
    }
    bad = [e for e in edges if e[1] not in found or e[2] not in found]
    rel_type, source, target, _ = bad[0]
    absent = source if source not in found else target
    more = f" (and {len(bad) - 1} more such edges)" if len(bad) > 1 else ""
    raise StoreError(
        f"edge {rel_type} {source} -> {target} needs node {absent!r}, which does not exist"
        f"{more}; nothing was written"
    )
