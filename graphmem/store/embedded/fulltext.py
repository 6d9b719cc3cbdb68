"""Full-text search with SQLite FTS5: one table per searchable label, rows keyed by nodes.key.

User text never reaches FTS5's query syntax: it is split into words and each word is quoted, so
characters such as `"`, `(`, `*`, `:` or `NEAR` are just text. Words are OR-ed and BM25 ranks the
results, so a node matching every word comes before one matching a few.
"""

from __future__ import annotations

import re
import sqlite3

from graphmem.model.graph import Label
from graphmem.store.base import FULLTEXT_FIELDS
from graphmem.store.embedded.schema import fulltext_table

_WORD = re.compile(r"\w+", re.UNICODE)
#: Query words that are operators to a search box user, not content.
_CONNECTIVES = frozenset({"AND", "OR", "NOT", "NEAR"})
#: Longest query we turn into terms; beyond this the extra words add nothing but cost.
_MAX_TERMS = 64


def match_expression(query: str) -> str | None:
    """The FTS5 MATCH expression for plain-words `query`, or None if it has no words."""
    words = [w for w in _WORD.findall(query) if w not in _CONNECTIVES]
    terms = list(dict.fromkeys(w.lower() for w in words))[:_MAX_TERMS]
    if not terms:
        return None
    # \w+ never matches a double quote, so quoting each word is a complete escape.
    return " OR ".join(f'"{term}"' for term in terms)


def search(
    conn: sqlite3.Connection, label: Label, query: str, limit: int, narrow: Label | None = None
) -> list[tuple[str, float]]:
    """(node id, score) best first; the score is -BM25, so higher is better. `narrow`: only
    nodes that also carry this label (a Decision among the Memory index)."""
    expression = match_expression(query)
    if expression is None or limit <= 0:
        return []
    table = fulltext_table(label)
    narrowing = (
        " AND EXISTS (SELECT 1 FROM node_labels l WHERE l.label = ? AND l.id = n.id)"
        if narrow is not None
        else ""
    )
    params = (expression, narrow.value, limit) if narrow is not None else (expression, limit)
    rows = conn.execute(
        f"SELECT n.id, -bm25({table}) AS score FROM {table} "
        f"JOIN nodes n ON n.key = {table}.rowid "
        f"WHERE {table} MATCH ?{narrowing} ORDER BY score DESC, n.id LIMIT ?",
        params,
    ).fetchall()
    return [(node_id, float(score)) for node_id, score in rows]


class FulltextSync:
    """Keeps the FTS5 tables equal to the nodes' text during one write transaction.

    Rows are rewritten only when the text changed. When text is removed or replaced, the table
    is optimised at the end of the batch, which drops the old terms from the index for good
    (a purge must leave nothing searchable or recoverable behind).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.removed: set[Label] = set()

    def set(self, label: Label, key: int, values: tuple[str | None, ...] | None) -> None:
        table = fulltext_table(label)
        fields = FULLTEXT_FIELDS[label]
        old = self._conn.execute(
            f"SELECT {', '.join(fields)} FROM {table} WHERE rowid = ?", (key,)
        ).fetchone()
        if old is not None and values is not None and tuple(old) == values:
            return
        if old is not None:
            self._conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (key,))
            self.removed.add(label)
        if values is not None:
            self._conn.execute(
                f"INSERT INTO {table} (rowid, {', '.join(fields)}) "
                f"VALUES (?, {', '.join('?' for _ in fields)})",
                (key, *values),
            )

    def finish(self) -> None:
        for label in self.removed:
            table = fulltext_table(label)
            self._conn.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
