"""Embedded-store details the contract cannot see: indexes, purge hygiene, query escaping."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem.errors import UsageError
from graphmem.model.graph import Label, Node
from graphmem.store.base import WriteBatch
from graphmem.store.embedded import EmbeddedStore, vectors
from graphmem.store.embedded.fulltext import match_expression
from graphmem.store.embedded.schema import INDEXED_PROPERTIES
from graphmem.store.embedded.store import _find_query

SECRET = "zanzibarquokka"


def memory(node_id: str, text: str, **props: object) -> Node:
    return Node(
        id=node_id,
        labels=(Label.MEMORY, Label.FACT),
        properties={"text": text, "status": "active", **props},
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    s = EmbeddedStore(tmp_path / "graph.db")
    yield s
    s.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("invoices cents", '"invoices" OR "cents"'),
        ("foo AND (", '"foo"'),
        ("' OR 1=1 --", '"1"'),
        ("*", None),
        ("", None),
        ('say "hi" NEAR(x)', '"say" OR "hi" OR "x"'),
        ("Zürich ZÜRICH", '"zürich"'),
        ("snake_case", '"snake_case"'),
    ],
)
def test_match_expression_quotes_every_word(query: str, expected: str | None) -> None:
    assert match_expression(query) == expected


def test_a_purge_leaves_no_trace_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    store = EmbeddedStore(path)
    store.write(WriteBatch(upsert_nodes=[memory("k-1", f"the {SECRET} password is in vault")]))
    store.write(WriteBatch(upsert_nodes=[memory(f"k-{i}", f"filler {i}") for i in range(2, 50)]))
    store.write(WriteBatch(set_properties={"k-1": {"text": None, "status": "purged"}}))
    assert store.fulltext_search(SECRET, Label.MEMORY) == []
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, 'fts_memory', 'row')")
    terms = {term for (term,) in conn.execute("SELECT term FROM temp.terms")}
    conn.close()
    assert "filler" in terms
    assert SECRET not in terms
    store.close()
    for file in tmp_path.iterdir():
        assert SECRET.encode() not in file.read_bytes(), file.name


@pytest.mark.parametrize("prop", INDEXED_PROPERTIES)
def test_find_nodes_uses_an_index_for_each_indexed_property(
    store: EmbeddedStore, prop: str
) -> None:
    sql, params = _find_query(Label.CODE_ENTITY, {prop: "x", "language": "python"})
    conn = store._conn
    assert conn is not None
    plan = " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert f"INDEX nodes_by_{prop}" in plan
    assert "TEMP B-TREE" not in plan  # id order comes from the index, no sort


def test_edge_lookups_use_the_endpoint_indexes(store: EmbeddedStore) -> None:
    conn = store._conn
    assert conn is not None
    for column in ("source", "target"):
        plan = conn.execute(
            f"EXPLAIN QUERY PLAN SELECT * FROM edges INDEXED BY edges_by_{column} "
            f"WHERE {column} IN (?, ?) AND type IN (?)",
            ["a", "b", "CALLS"],
        ).fetchall()
        assert f"edges_by_{column}" in plan[0][3]


def test_bad_values_fail_before_anything_is_written(store: EmbeddedStore) -> None:
    good = memory("k-1", "fine")
    for bad in (
        memory("k-2", "nan", score=math.nan),
        memory("k-2", "inf embedding", embedding=[1.0, math.inf]),
        memory("k-2", "text embedding", embedding="not a vector"),
        memory("k-2", "empty embedding", embedding=[]),
        memory("k-2", "object", when=object()),
    ):
        with pytest.raises(UsageError):
            store.write(WriteBatch(upsert_nodes=[good, bad]))
    with pytest.raises(UsageError):
        store.write(
            WriteBatch(upsert_nodes=[good], set_properties={"k-1": {"embedding": [math.nan]}})
        )
    assert store.counts() == {}


def test_vector_search_without_numpy_gives_the_same_answer(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.write(
        WriteBatch(
            upsert_nodes=[
                memory("a", "a", embedding=[1.0, 0.0, 0.0]),
                memory("b", "b", embedding=[0.6, 0.8, 0.0]),
                memory("c", "c", embedding=[0.0, 0.0, 0.0]),  # no direction: never a hit
                memory("d", "d", embedding=[1.0, 0.0]),  # another dimension: not comparable
            ]
        )
    )
    with_numpy = [(h.node_id, round(h.score, 5)) for h in store.vector_search([1.0, 0.1, 0.0])]
    monkeypatch.setattr(vectors, "_numpy", lambda: None)
    store.write(WriteBatch())  # no-op; the cache below is rebuilt because of the new stamp
    store._vectors.invalidate()
    without = [(h.node_id, round(h.score, 5)) for h in store.vector_search([1.0, 0.1, 0.0])]
    assert with_numpy == without
    assert [node_id for node_id, _ in without] == ["a", "b"]
    with pytest.raises(UsageError):
        store.vector_search([0.0, 0.0, 0.0])


def test_vector_cache_sees_other_connections(tmp_path: Path) -> None:
    first = EmbeddedStore(tmp_path / "graph.db")
    second = EmbeddedStore(tmp_path / "graph.db")
    first.write(WriteBatch(upsert_nodes=[memory("a", "a", embedding=[1.0, 0.0])]))
    assert [h.node_id for h in second.vector_search([1.0, 0.0])] == ["a"]
    first.write(WriteBatch(upsert_nodes=[memory("b", "b", embedding=[0.0, 1.0])]))
    assert [h.node_id for h in second.vector_search([0.0, 1.0], limit=1)] == ["b"]
    first.close()
    second.close()


def test_fulltext_index_is_rebuilt_when_its_definition_changes(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    store = EmbeddedStore(path)
    store.write(WriteBatch(upsert_nodes=[memory("k-1", "rebuild me")]))
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM fts_memory")
    conn.execute("UPDATE meta SET value = 'old' WHERE name = 'fulltext'")
    conn.commit()
    conn.close()
    store = EmbeddedStore(path)
    assert [h.node_id for h in store.fulltext_search("rebuild", Label.MEMORY)] == ["k-1"]
    store.close()


def test_fulltext_on_a_label_without_an_index_is_a_usage_error(store: EmbeddedStore) -> None:
    with pytest.raises(UsageError, match="searchable"):
        store.fulltext_search("x", Label.FUNCTION)
