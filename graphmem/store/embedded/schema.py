"""The SQLite schema of the embedded store, and opening a file safely.

One file holds everything. WAL mode lets readers and one writer work at once across processes;
the busy timeout makes concurrent writers queue instead of failing. The schema version lives in
`PRAGMA user_version`, so a file written by a newer graphmem is refused instead of misread.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from graphmem.errors import StoreError
from graphmem.model.graph import Label
from graphmem.settings import make_state_dir
from graphmem.store.base import FULLTEXT_FIELDS
from graphmem.store.embedded.rows import INDEXED_PROPERTIES
from graphmem.store.embedded.sqlite_errors import translate_sqlite_error

__all__ = [
    "FLAG_INDEXES",
    "INDEXED_PROPERTIES",
    "SCHEMA_VERSION",
    "flag_expression",
    "open_connection",
    "property_expression",
]

SCHEMA_VERSION = 2

#: How long a writer waits for another process's write transaction before giving up.
BUSY_TIMEOUT_SECONDS = 30.0

#: Properties that `find_nodes` must answer from an index (see GraphStore.find_nodes).

_TABLES = """
CREATE TABLE nodes (
    key    INTEGER PRIMARY KEY,  -- stable rowid: full-text and vector rows point at it
    id     TEXT NOT NULL UNIQUE,
    base   TEXT NOT NULL,        -- the one BASE_LABELS label the node carries
    labels TEXT NOT NULL,        -- sorted, comma-separated (node_labels is the index)
    props  TEXT NOT NULL,        -- JSON object, without the embedding
    -- Copies of the properties find_nodes must answer fast (rows.INDEXED_PROPERTIES), set only
    -- for strings and numbers. No declared type: values keep their own (5 is not '5').
    repo, path, qualified_name, name, status, sha
);
CREATE TABLE node_labels (
    label TEXT NOT NULL,
    id    TEXT NOT NULL,
    PRIMARY KEY (label, id)
) WITHOUT ROWID;
CREATE TABLE edges (
    type   TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    props  TEXT NOT NULL,
    PRIMARY KEY (type, source, target)
) WITHOUT ROWID;
CREATE INDEX edges_by_source ON edges (source, type);
CREATE INDEX edges_by_target ON edges (target, type);
CREATE TABLE vectors (
    key INTEGER PRIMARY KEY,     -- nodes.key
    vec BLOB NOT NULL            -- little-endian float32
);
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
"""


def property_expression(name: str) -> str:
    """The SQL expression for a node property (`name` must be a plain identifier)."""
    if name in INDEXED_PROPERTIES:
        return name
    return f"json_extract(props, '$.{name}')"


def _property_indexes() -> list[str]:
    # Partial: most properties exist on few node kinds (sha on commits, status on memories),
    # and (value, id) gives find_nodes its id order without a sort.
    return [
        f"CREATE INDEX nodes_by_{name} ON nodes ({name}, id) WHERE {name} IS NOT NULL"
        for name in INDEXED_PROPERTIES
    ]


#: Flags `find_nodes` answers from a partial index over the nodes that carry them (true):
#: `governing` asks for a repository's orphaned memories on every answer about a file or a
#: directory, and a scan of 10,000 memory rows took 18 ms. Added to stores made before them
#: when opened (an index is derived data: older versions read such a store as before).
FLAG_INDEXES = ("orphaned",)


def flag_expression(name: str) -> str:
    """The SQL test of a flag in FLAG_INDEXES being true, as its partial index is defined: a
    query must spell it the same way (a literal, never a parameter) for SQLite to use it."""
    return f"json_extract(props, '$.{name}') = 1"


def _flag_indexes() -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS nodes_flag_{name} ON nodes (id) WHERE {flag_expression(name)}"
        for name in FLAG_INDEXES
    ]


def fulltext_table(label: Label) -> str:
    """The FTS5 table of a searchable label (labels come from a closed enum: safe in SQL)."""
    return f"fts_{label.value.lower()}"


def _fulltext_spec() -> str:
    return json.dumps({label.value: list(fields) for label, fields in FULLTEXT_FIELDS.items()})


def _create_fulltext(conn: sqlite3.Connection) -> None:
    """(Re)build the FTS5 tables from the nodes, so a change to FULLTEXT_FIELDS takes effect."""
    for label, fields in FULLTEXT_FIELDS.items():
        table = fulltext_table(label)
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(fields)}, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        texts = ", ".join(
            f"CASE WHEN json_type(n.props, '$.{f}') = 'text' "
            f"AND json_extract(n.props, '$.{f}') <> '' THEN json_extract(n.props, '$.{f}') END"
            for f in fields
        )
        conn.execute(
            f"INSERT INTO {table} (rowid, {', '.join(fields)}) "
            f"SELECT n.key, {texts} FROM node_labels l JOIN nodes n ON n.id = l.id "
            "WHERE l.label = ?",
            (label.value,),
        )
        conn.execute(f"DELETE FROM {table} WHERE " + " AND ".join(f"{f} IS NULL" for f in fields))
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'fts\\_%' ESCAPE '\\' "
        "AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    ).fetchall():
        if name not in {fulltext_table(label) for label in FULLTEXT_FIELDS}:
            conn.execute(f"DROP TABLE {name}")
    conn.execute(
        "INSERT INTO meta (name, value) VALUES ('fulltext', ?) "
        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (_fulltext_spec(),),
    )


def open_connection(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the store file at `path`, checked and ready for use."""
    _check_location(path)
    try:
        conn = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # EmbeddedStore serialises use with its own lock
        )
    except sqlite3.Error as e:
        raise translate_sqlite_error(path, e, "open") from e
    try:
        _configure(conn, path)
        _ensure_schema(conn, path)
    except sqlite3.Error as e:
        conn.close()
        raise translate_sqlite_error(path, e, "open") from e
    except BaseException:
        conn.close()
        raise
    return conn


def _check_location(path: Path) -> None:
    if path.is_dir():
        raise StoreError(
            f"{path} is a directory: give the store a file path such as {path}/graph.db"
        )
    parent = path.parent
    try:
        make_state_dir(parent)
    except OSError as e:
        raise StoreError(
            f"cannot create the directory {parent} for the store ({e.strerror}): "
            "choose a writable location with --store or GRAPHMEM_STORE"
        ) from e
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(
            f"{path} is read-only: graphmem needs to read and write the store file; "
            "fix its permissions or copy it to a writable place"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"the directory {parent} is read-only: the store keeps its journal files next to "
            f"{path.name}; make the directory writable or move the store"
        )


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    # Reading the header first turns "not a database" into a clean error before any change.
    conn.execute("PRAGMA user_version").fetchone()
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise StoreError(
            f"{path}: SQLite cannot use WAL journaling here (got {mode!r}); "
            "put the store on a local file system"
        )
    # NORMAL in WAL mode: a killed process loses nothing committed; a power cut may lose the
    # last transactions but never corrupts the file.
    conn.execute("PRAGMA synchronous = NORMAL")
    # Deleted content (purged memory text) is overwritten, not left in free pages.
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("PRAGMA mmap_size = 268435456")


def _ensure_schema(conn: sqlite3.Connection, path: Path) -> None:
    version = _user_version(conn)
    _refuse_newer(version, path)
    if version == SCHEMA_VERSION and _fulltext_current(conn) and _flags_indexed(conn):
        return
    conn.execute("BEGIN IMMEDIATE")  # another process may be creating it right now
    try:
        version = _user_version(conn)
        _refuse_newer(version, path)
        if version == 0:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                ).fetchall()
            ]
            if tables:
                raise StoreError(
                    f"{path} is a SQLite database but not a graphmem store "
                    f"(it has tables {', '.join(sorted(tables)[:5])}): use a new file"
                )
            for statement in (*_TABLES.split(";"), *_property_indexes()):
                if statement.strip():
                    conn.execute(statement)
            _create_fulltext(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif not _fulltext_current(conn):
            _create_fulltext(conn)
        for statement in _flag_indexes():
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer graphmem (store schema {version}, this version "
            f"reads up to {SCHEMA_VERSION}): upgrade graphmem to use it"
        )
    if 0 < version < SCHEMA_VERSION:
        # Schema 1 only ever existed in development builds; there is nothing to migrate.
        raise StoreError(
            f"{path} has the pre-release store schema {version}: delete it and ingest again"
        )


def _flags_indexed(conn: sqlite3.Connection) -> bool:
    names = [f"nodes_flag_{name}" for name in FLAG_INDEXES]
    marks = ",".join("?" * len(names))
    sql = f"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ({marks})"
    return int(conn.execute(sql, names).fetchone()[0]) == len(names)


def _fulltext_current(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT value FROM meta WHERE name = 'fulltext'").fetchone()
    return row is not None and row[0] == _fulltext_spec()
