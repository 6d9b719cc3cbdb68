"""The Neo4j schema graphmem needs: constraints, range, full-text and vector indexes.

Creation is idempotent (`IF NOT EXISTS`, and only what `SHOW INDEXES` lacks) and safe when several
processes open the same database at once: the loser of a creation race gets an "already exists"
error, which means the same thing as success.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from neo4j import Driver, ManagedTransaction
from neo4j import exceptions as neo4j_errors

from graphmem.model.graph import Label
from graphmem.store.base import BASE_LABELS, EMBEDDING_PROPERTY, FULLTEXT_FIELDS
from graphmem.store.neo4j import statements as st

log = logging.getLogger(__name__)

#: Range indexes beyond `id` (which the uniqueness constraints index), per label.
RANGE_INDEXES: dict[Label, tuple[str, ...]] = {
    Label.CODE_ENTITY: ("repo", "path", "qualified_name", "name"),
    Label.COMMIT: ("sha",),
    Label.MEMORY: ("repo", "status", "orphaned"),
    Label.EVENT: ("repo",),
    Label.RECEIPT: ("repo",),
    Label.FILE_STATE: ("repo", "path"),
}
VECTOR_LABEL = Label.MEMORY
INDEX_AWAIT_SECONDS = 60


def constraint_name(label: Label) -> str:
    return f"graphmem_{_snake(label)}_id"


def range_index_name(label: Label, prop: str) -> str:
    return f"graphmem_{_snake(label)}_{prop}"


#: The analyzer of the full-text indexes: stemming like the embedded store's (see the statement).
FULLTEXT_ANALYZER = "english"


def fulltext_index_name(label: Label) -> str:
    return f"graphmem_{_snake(label)}_fulltext"


def vector_index_name(label: Label) -> str:
    return f"graphmem_{_snake(label)}_{EMBEDDING_PROPERTY}"


@dataclass(frozen=True)
class SchemaStatement:
    name: str
    text: str
    params: Mapping[str, Any]
    #: What an equivalent index looks like in SHOW INDEXES: (type, label, properties, constraint?).
    shape: tuple[str, str, tuple[str, ...], bool]
    #: indexConfig settings graphmem's own index of this name must have, else it is made again
    config: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Schema:
    """The indexes searches must name: whatever the database has for each role.

    An equivalent index created earlier under another name makes `CREATE ... IF NOT EXISTS` a
    no-op, so searches use the name found in the database, not the one graphmem would give.
    """

    fulltext: Mapping[Label, str]
    vector: str | None
    vector_dimensions: int | None


def wanted(vector_dimensions: int) -> list[SchemaStatement]:
    """Every constraint and index graphmem relies on, constraints first."""
    out = [
        SchemaStatement(
            constraint_name(label),
            st.render(
                "create_constraint",
                name=st.identifier(constraint_name(label)),
                label=st.labels(label),
            ),
            {},
            ("RANGE", label.value, ("id",), True),
        )
        for label in BASE_LABELS
    ]
    for label, props in RANGE_INDEXES.items():
        for prop in props:
            name = range_index_name(label, prop)
            text = st.render(
                "create_range_index",
                name=st.identifier(name),
                label=st.labels(label),
                property=st.identifier(prop),
            )
            out.append(SchemaStatement(name, text, {}, ("RANGE", label.value, (prop,), False)))
    for label, fields in FULLTEXT_FIELDS.items():
        name = fulltext_index_name(label)
        indexed = st.Fragment(", ".join("n." + st.escape_identifier(f) for f in fields))
        text = st.render(
            "create_fulltext_index",
            name=st.identifier(name),
            label=st.labels(label),
            properties=indexed,
        )
        out.append(
            SchemaStatement(
                name,
                text,
                {"analyzer": FULLTEXT_ANALYZER},
                ("FULLTEXT", label.value, fields, False),
                {"fulltext.analyzer": FULLTEXT_ANALYZER},
            )
        )
    name = vector_index_name(VECTOR_LABEL)
    text = st.render(
        "create_vector_index",
        name=st.identifier(name),
        label=st.labels(VECTOR_LABEL),
        property=st.identifier(EMBEDDING_PROPERTY),
    )
    out.append(
        SchemaStatement(
            name,
            text,
            {"dimensions": vector_dimensions},
            ("VECTOR", VECTOR_LABEL.value, (EMBEDDING_PROPERTY,), False),
        )
    )
    return out


def ensure(
    driver: Driver, database: str | None, vector_dimensions: int, create: bool = True
) -> Schema:
    """Create what is missing (unless not `create`: a read-only connection uses what there is),
    and say which indexes the searches must use."""
    statements = wanted(vector_dimensions)
    existing = _existing_indexes(driver, database)
    created = False
    for statement in statements:
        found = find_index(existing, statement)
        if not create or (found is not None and not _made_again(found, statement)):
            continue
        with driver.session(database=database) as session:
            if found is not None:  # graphmem's own, made by an older version: a rebuild, once
                drop = st.render("drop_index", name=st.identifier(statement.name))
                session.execute_write(_run, drop, {})
            try:
                session.execute_write(_run, statement.text, statement.params)
                created = True
            except neo4j_errors.ClientError as e:
                # another process created it (or an equivalent one) between SHOW and CREATE
                if not (e.code or "").endswith("AlreadyExists"):
                    raise
    if created:
        _await_indexes(driver, database)
        existing = _existing_indexes(driver, database)
    fulltext: dict[Label, str] = {}
    vector: dict[str, Any] | None = None
    for statement in statements:
        row = find_index(existing, statement)
        kind, label, _, _ = statement.shape
        if row is None:
            continue
        if kind == "FULLTEXT":
            fulltext[Label(label)] = row["name"]
        elif kind == "VECTOR":
            vector = row
    if vector is None:
        return Schema(fulltext, None, None)
    dims = (vector.get("options") or {}).get("indexConfig", {}).get("vector.dimensions")
    return Schema(fulltext, vector["name"], int(dims) if dims is not None else None)


def find_index(
    existing: Mapping[str, dict[str, Any]], statement: SchemaStatement
) -> dict[str, Any] | None:
    """The index serving `statement`: the one of its name, else one of the same shape."""
    if statement.name in existing:
        return existing[statement.name]
    kind, label, props, constraint = statement.shape
    for row in existing.values():
        if (
            row["type"] == kind
            and row["labelsOrTypes"] == [label]
            and list(row["properties"] or []) == list(props)
            and (row.get("owningConstraint") is not None) == constraint
        ):
            return row
    return None


def _made_again(row: Mapping[str, Any], statement: SchemaStatement) -> bool:
    """Whether `row`, graphmem's own index for `statement`, lacks a setting it must have (an
    equivalent index under another name is the user's, and is used as it is)."""
    if row["name"] != statement.name:
        return False
    config = (row.get("options") or {}).get("indexConfig") or {}
    return any(config.get(key) != value for key, value in statement.config.items())


def _existing_indexes(driver: Driver, database: str | None) -> dict[str, dict[str, Any]]:
    with driver.session(database=database) as session:
        rows = session.execute_read(_fetch, st.render("show_indexes"), {})
    return {row["name"]: row for row in rows}


def _await_indexes(driver: Driver, database: str | None) -> None:
    """Wait (bounded) for new indexes to come online, so the first search sees every node."""
    try:
        with driver.session(database=database) as session:
            session.run(
                st.render("await_indexes"), {"timeout_seconds": INDEX_AWAIT_SECONDS}
            ).consume()
    except neo4j_errors.Neo4jError as e:  # still populating: queries work, just not complete yet
        log.warning("Neo4j indexes are still populating: %s", e.message)


def _run(tx: ManagedTransaction, text: str, params: Mapping[str, Any]) -> None:
    tx.run(text, dict(params)).consume()


def _fetch(tx: ManagedTransaction, text: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [record.data() for record in tx.run(text, dict(params))]


def _snake(label: Label) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in label.value).lstrip("_")
