"""Applying a WriteBatch inside one SQLite transaction, in the order WriteBatch documents.

Everything is encoded (JSON, vectors, full-text values) before the transaction starts, so the
write lock is held only for the SQL. Statements are batched with executemany.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from graphmem.errors import ConflictError, StoreError
from graphmem.model.graph import Label
from graphmem.store.base import (
    EMBEDDING_PROPERTY,
    FULLTEXT_FIELDS,
    WriteBatch,
    unmet_expectations,
)
from graphmem.store.embedded.fulltext import FulltextSync
from graphmem.store.embedded.rows import (
    INDEXED_PROPERTIES,
    NodeRow,
    decode_properties,
    edge_rows,
    encode_properties,
    encode_vector,
    fulltext_values,
    indexed_values,
    node_row,
)
from graphmem.store.embedded.vectors import VectorChange

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
# Endpoints are checked afterwards, once per distinct id (see _check_endpoints).
_UPSERT_EDGE = (
    "INSERT INTO edges (type, source, target, props) VALUES (?, ?, ?, ?) "
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
    #: (type, source, target, props) in batch order (a later duplicate wins).
    edges: list[tuple[str, str, str, str]]
    expect: dict[str, dict[str, Any]]


def prepare(batch: WriteBatch) -> PreparedBatch:
    """Encode the batch (normalised by GraphStore.write: no duplicates, labels checked)."""
    nodes = {node.id: node_row(node) for node in batch.upsert_nodes}
    for node_id, update in batch.set_properties.items():
        if update.get(EMBEDDING_PROPERTY) is not None:
            encode_vector(f"node {node_id!r}", update[EMBEDDING_PROPERTY])  # fail before writing
    prepared = PreparedBatch(
        delete_edges=[(t.value, s, d) for t, s, d in batch.delete_edges],
        delete_nodes=batch.delete_nodes,
        nodes=nodes,
        set_properties=batch.set_properties,
        edges=edge_rows(batch.upsert_edges),
        expect=batch.expect,
    )
    # By source: SQLite then inserts runs of neighbouring keys into the edge B-trees, which
    # measured cheaper than the sort itself.
    prepared.edges.sort(key=itemgetter(1))
    return prepared


class KnownNodes:
    """Ids of nodes this connection knows to exist, valid while no other connection commits.

    A bulk load writes nodes, then edges between them; remembering the ids it wrote (and the
    endpoints it has checked) spares most endpoint lookups. The memo is tied to the value of
    PRAGMA data_version, which changes when any other connection commits, so a node deleted
    by another process is never taken for present. Bounded, since it is only a shortcut.
    """

    LIMIT = 500_000

    def __init__(self) -> None:
        self._version: int | None = None
        self._ids: set[str] = set()

    def at(self, version: int) -> set[str]:
        """The ids known at `version` (read inside the write transaction); empty if stale."""
        if version != self._version:
            self._ids = set()
            self._version = version
        return self._ids

    def committed(self, version: int, batch: PreparedBatch, checked: set[str]) -> None:
        """After a successful commit: the batch's nodes exist, its deleted nodes do not."""
        ids = self.at(version)
        ids.difference_update(batch.delete_nodes)
        if len(ids) + len(batch.nodes) + len(checked) > self.LIMIT:
            ids.clear()
        ids.update(batch.nodes)
        ids.update(checked)


def apply(
    conn: sqlite3.Connection,
    batch: PreparedBatch,
    fulltext: FulltextSync,
    known: set[str],
    checked: set[str],
    vector_changes: list[VectorChange],
) -> bool:
    """Run inside an open transaction; raises StoreError (caller rolls back) on a bad batch.

    `known`: ids of nodes that existed when the transaction began (see KnownNodes). Endpoints
    found by the check are added to `checked`; what happened to embeddings, to
    `vector_changes` (in order). Returns whether any stored embedding was added, changed or
    removed.
    """
    vectors_changed = False
    if batch.expect:
        _check_expectations(conn, batch.expect)
    if batch.delete_edges:
        conn.executemany(
            "DELETE FROM edges WHERE type = ? AND source = ? AND target = ?", batch.delete_edges
        )
    if batch.delete_nodes:
        vectors_changed |= _delete_nodes(conn, batch.delete_nodes, fulltext, vector_changes)
    if batch.nodes:
        vectors_changed |= _upsert_nodes(conn, batch.nodes, fulltext, vector_changes)
    if batch.set_properties:
        vectors_changed |= _set_properties(conn, batch.set_properties, fulltext, vector_changes)
    if batch.edges:
        conn.executemany(_UPSERT_EDGE, batch.edges)
        # Nodes deleted by this batch may be among the known ones: then trust none of them.
        trusted = set() if batch.delete_nodes else known
        checked.update(_check_endpoints(conn, batch.edges, batch.nodes.keys(), trusted))
    return vectors_changed


def select_in(conn: sqlite3.Connection, sql: str, ids: Sequence[str]) -> Iterator[Any]:
    """Rows of `sql` (with one `{marks}` placeholder for the IN list) for every chunk of ids."""
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


def _check_expectations(conn: sqlite3.Connection, expect: dict[str, dict[str, Any]]) -> None:
    """The batch's preconditions, read under the write lock BEGIN IMMEDIATE took."""
    sql = "SELECT id, props FROM nodes WHERE id IN ({marks})"
    current = {i: decode_properties(props) for i, props in select_in(conn, sql, list(expect))}
    problem = unmet_expectations(expect, current)
    if problem is not None:
        raise ConflictError(problem)


def _existing(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """id -> (key, labels) of the nodes that exist among `ids`."""
    sql = "SELECT id, key, labels FROM nodes WHERE id IN ({marks})"
    return {node_id: (key, labels) for node_id, key, labels in select_in(conn, sql, ids)}


def _delete_nodes(
    conn: sqlite3.Connection,
    ids: list[str],
    fulltext: FulltextSync,
    vector_changes: list[VectorChange],
) -> bool:
    existing = _existing(conn, ids)
    if not existing:
        return False
    vector_changes.extend(VectorChange(node_id, frozenset(), None) for node_id in existing)
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
    vectors_removed = conn.executemany("DELETE FROM vectors WHERE key = ?", keys).rowcount
    conn.executemany("DELETE FROM nodes WHERE key = ?", keys)
    return vectors_removed > 0


def _upsert_nodes(
    conn: sqlite3.Connection,
    rows: dict[str, NodeRow],
    fulltext: FulltextSync,
    vector_changes: list[VectorChange],
) -> bool:
    existing = _existing(conn, list(rows))
    conn.executemany(_UPSERT_NODE, [row.columns for row in rows.values()])

    if not existing:
        added_labels = [pair for row in rows.values() for pair in row.label_rows]
    else:
        added_labels = []
        removed_labels: list[tuple[str, str]] = []
        for row in rows.values():
            old = existing.get(row.id)
            if old is None:
                added_labels.extend(row.label_rows)
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
    removed = 0
    if unvectored:
        removed = conn.executemany("DELETE FROM vectors WHERE key = ?", unvectored).rowcount
    vector_changes.extend(
        VectorChange(row.id, row.label_set, row.vector)
        for row in rows.values()
        if row.vector is not None or row.id in existing
    )

    for row in rows.values():
        searchable = row.label_set & _FULLTEXT_LABELS
        old = existing.get(row.id)
        if old is not None and old[1] != row.labels:
            searchable |= _FULLTEXT_LABELS.intersection(old[1].split(","))
        for label in searchable:
            fulltext.set(Label(label), keys[row.id], row.fulltext.get(Label(label)))
    return bool(vectors) or removed > 0


def _set_properties(
    conn: sqlite3.Connection,
    updates: dict[str, dict[str, Any]],
    fulltext: FulltextSync,
    vector_changes: list[VectorChange],
) -> bool:
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
    vectors_changed = False
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
        label_set = frozenset(labels.split(","))
        if EMBEDDING_PROPERTY in update:
            vector = update[EMBEDDING_PROPERTY]
            blob = None if vector is None else encode_vector(f"node {node_id!r}", vector)
            if blob is None:
                removed = conn.execute("DELETE FROM vectors WHERE key = ?", (key,)).rowcount
                vectors_changed |= removed > 0
            else:
                conn.execute(_UPSERT_VECTOR, (key, blob))
                vectors_changed = True
            vector_changes.append(VectorChange(node_id, label_set, blob))
        for label in _FULLTEXT_LABELS & label_set:
            if set(FULLTEXT_FIELDS[Label(label)]) & update.keys():
                values = fulltext_values(label_set, props).get(Label(label))
                fulltext.set(Label(label), key, values)
    conn.executemany(_UPDATE_PROPS, new_props)
    return vectors_changed


def _check_endpoints(
    conn: sqlite3.Connection,
    edges: Sequence[tuple[str, str, str, str]],
    upserted: Collection[str],
    known: set[str],
) -> set[str]:
    """Raise the StoreError naming an edge whose endpoint does not exist after the batch.

    Each distinct endpoint is looked up once (edges repeat their endpoints; an EXISTS per
    endpoint per edge cost more than the insert itself), and only counted, so no row comes back
    to Python unless one is missing. Nodes upserted by the batch surely exist, and so do the
    `known` ones. Returns the ids it looked up (all present).
    """
    endpoints = {source for _, source, _, _ in edges}
    endpoints.update(target for _, _, target, _ in edges)
    endpoints.difference_update(upserted)
    endpoints.difference_update(known)
    wanted = list(endpoints)
    present = 0
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        (count,) = conn.execute(
            f"SELECT count(*) FROM nodes WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ).fetchone()
        present += count
    if present == len(wanted):
        return endpoints
    sql = "SELECT id FROM nodes WHERE id IN ({marks})"
    found = {node_id for (node_id,) in select_in(conn, sql, wanted)}
    found.update(upserted)
    bad = [e for e in edges if e[1] not in found or e[2] not in found]
    rel_type, source, target, _ = bad[0]
    absent = source if source not in found else target
    more = f" (and {len(bad) - 1} more such edges)" if len(bad) > 1 else ""
    raise StoreError(
        f"edge {rel_type} {source} -> {target} needs node {absent!r}, which does not exist"
        f"{more}; nothing was written"
    )
