"""Embedded-store details the contract cannot see: indexes, purge hygiene, query escaping."""

from __future__ import annotations

import math
import random
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import StoreError, UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import Search, WriteBatch
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
    # With a label, `repo` is only a filter (see the next test), so it is asked without one.
    label = None if prop == "repo" else Label.CODE_ENTITY
    plan = _plan(store, *_find_query(label, {prop: "x", "language": "python"}, True))
    assert f"INDEX nodes_by_{prop}" in plan
    assert "TEMP B-TREE" not in plan  # id order comes from the index, no sort


def test_find_nodes_by_label_and_repo_walks_the_label(store: EmbeddedStore) -> None:
    # A store usually holds one repository: its index would visit every node.
    plan = _plan(store, *_find_query(Label.RECEIPT, {"repo": "r", "user": "ana"}, True))
    assert "nodes_by_repo" not in plan
    assert "SEARCH l USING PRIMARY KEY (label=?)" in plan
    assert "TEMP B-TREE" not in plan


def test_a_flag_is_found_through_its_partial_index_which_older_stores_gain(
    tmp_path: Path,
) -> None:
    path = tmp_path / "graph.db"
    store = EmbeddedStore(path)
    flagged = Node(
        id="d-1", labels=(Label.MEMORY, Label.DECISION), properties={"repo": "r", "orphaned": True}
    )
    plain = Node(id="d-2", labels=(Label.MEMORY, Label.DECISION), properties={"repo": "r"})
    counted = Node(
        id="d-3", labels=(Label.MEMORY, Label.DECISION), properties={"repo": "r", "orphaned": 1}
    )
    store.write(WriteBatch(upsert_nodes=[flagged, plain, counted]))
    where = {"repo": "r", "orphaned": True}
    plan = _plan(store, *_find_query(Label.MEMORY, where, False))
    assert "USING INDEX nodes_flag_orphaned" in plan and "TEMP B-TREE" not in plan
    assert [n.id for n in store.find_nodes(Label.MEMORY, where)] == ["d-1"]  # 1 is not True
    store.close()
    with sqlite3.connect(path) as conn:  # a store made before the index
        conn.execute("DROP INDEX nodes_flag_orphaned")
    reopened = EmbeddedStore(path)
    assert "USING INDEX nodes_flag_orphaned" in _plan(
        reopened, *_find_query(Label.MEMORY, where, False)
    )
    assert [n.id for n in reopened.find_nodes(Label.MEMORY, where)] == ["d-1"]
    reopened.close()


def _plan(store: EmbeddedStore, sql: str, params: list[object]) -> str:
    conn = store._conn
    assert conn is not None
    return " ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


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
    store._vectors.invalidate()  # the next search loads the vectors again, without numpy
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


def test_vector_cache_survives_writes_that_touch_no_embedding(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[int] = []
    build = vectors._build

    def counted_build(*args: Any) -> Any:
        builds.append(1)
        return build(*args)

    monkeypatch.setattr(vectors, "_build", counted_build)
    store.write(WriteBatch(upsert_nodes=[memory("a", "a", embedding=[1.0, 0.0])]))
    store.vector_search([1.0, 0.0])
    store.write(WriteBatch(upsert_nodes=[Node(id="r", labels=(Label.RECEIPT,))]))
    store.write(WriteBatch(set_properties={"a": {"status": "superseded"}}))
    store.vector_search([1.0, 0.0])
    assert len(builds) == 1
    store.write(WriteBatch(set_properties={"a": {"embedding": [0.0, 1.0]}}))
    assert store.vector_search([0.0, 1.0])[0].score == pytest.approx(1.0)
    assert len(builds) == 1  # this process's own embedding writes update the cache in place
    other = EmbeddedStore(store.path)
    other.write(WriteBatch(upsert_nodes=[memory("b", "b", embedding=[1.0, 0.0])]))
    other.close()
    assert [h.node_id for h in store.vector_search([1.0, 0.0])] == ["b", "a"]
    assert len(builds) == 2  # another process's: loaded again


def test_the_cache_updated_in_place_equals_a_fresh_load(tmp_path: Path) -> None:
    """Random embedding writes by one process: its in-place cache answers like a new process."""
    rng = random.Random(7)
    writer = EmbeddedStore(tmp_path / "graph.db")
    writer.write(WriteBatch(upsert_nodes=[memory("seed", "seed", embedding=[1.0, 1.0, 1.0])]))
    writer.vector_search([1.0, 0.0, 0.0])  # the cache now exists, so every write below patches it
    for step in range(300):
        node_id = f"m-{rng.randrange(40)}"
        vector = [rng.choice([0.0, rng.uniform(-1, 1)]) for _ in range(rng.choice([3, 3, 3, 2]))]
        choice = rng.randrange(5)
        if choice == 0:
            batch = WriteBatch(delete_nodes=[node_id])
        elif choice == 1:
            batch = WriteBatch(upsert_nodes=[memory(node_id, "no vector")])
        elif choice == 2:
            batch = WriteBatch(upsert_nodes=[Node(id=node_id, labels=(Label.EVENT,))])
        elif choice == 3 and writer.get_node(node_id) is not None:
            batch = WriteBatch(set_properties={node_id: {"embedding": vector}})
        else:
            batch = WriteBatch(upsert_nodes=[memory(node_id, "v", embedding=vector)])
        writer.write(batch)
        if step % 25 == 0:
            query = [rng.uniform(-1, 1) for _ in range(3)]
            fresh = EmbeddedStore(tmp_path / "graph.db")
            mine = [(h.node_id, round(h.score, 5)) for h in writer.vector_search(query, limit=50)]
            theirs = [(h.node_id, round(h.score, 5)) for h in fresh.vector_search(query, limit=50)]
            fresh.close()
            assert mine == theirs
    writer.close()


def test_many_searches_at_once_rank_ties_by_id_as_the_cache_changes(tmp_path: Path) -> None:
    """search_all's vector searches share one matrix product and one ranking of the ids; rows
    added and removed (a removal moves the last row) must re-rank, ties going to the lower id."""
    rng = random.Random(11)
    writer = EmbeddedStore(tmp_path / "graph.db")
    writer.write(WriteBatch(upsert_nodes=[memory("seed", "seed", embedding=[1.0, 0.0])]))
    queries = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    for step in range(120):
        node_id = f"m-{rng.randrange(30):02d}"
        if rng.randrange(3) == 0:
            writer.write(WriteBatch(delete_nodes=[node_id]))
        else:  # few distinct directions: most scores tie
            vector = rng.choice([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [-1.0, 0.5]])
            writer.write(WriteBatch(upsert_nodes=[memory(node_id, "v", embedding=vector)]))
        if step % 10 == 0:
            limit = rng.choice([3, 8, 100])
            found = writer.search_all([Search(Label.MEMORY, limit, vector=q) for q in queries])
            for hits in found:
                ranked = [(-round(h.score, 6), h.node_id) for h in hits]
                assert ranked == sorted(ranked)
            fresh = EmbeddedStore(tmp_path / "graph.db")
            assert found == [fresh.vector_search(q, limit=limit) for q in queries]
            fresh.close()
    writer.close()


@pytest.mark.parametrize(
    "change",
    [
        WriteBatch(delete_nodes=["a"]),
        WriteBatch(set_properties={"a": {"embedding": None}}),
        WriteBatch(upsert_nodes=[memory("a", "a")]),  # replaced without an embedding
        WriteBatch(upsert_nodes=[Node(id="a", labels=(Label.EVENT,), properties={})]),
    ],
)
def test_vector_cache_sees_embeddings_removed_elsewhere(tmp_path: Path, change: WriteBatch) -> None:
    first = EmbeddedStore(tmp_path / "graph.db")
    second = EmbeddedStore(tmp_path / "graph.db")
    first.write(
        WriteBatch(
            upsert_nodes=[
                memory("a", "a", embedding=[1.0, 0.0]),
                memory("b", "b", embedding=[0.0, 1.0]),
            ]
        )
    )
    assert [h.node_id for h in second.vector_search([1.0, 0.0])] == ["a", "b"]
    first.write(change)
    assert [h.node_id for h in second.vector_search([1.0, 0.0])] == ["b"]
    first.close()
    second.close()


def test_data_version_changes_with_any_write(tmp_path: Path) -> None:
    first = EmbeddedStore(tmp_path / "graph.db")
    second = EmbeddedStore(tmp_path / "graph.db")
    start = first.data_version()
    first.get_nodes(["a"])
    assert first.data_version() == start
    first.write(WriteBatch(upsert_nodes=[memory("a", "a")]))
    mine = first.data_version()
    assert mine != start
    second.write(WriteBatch(upsert_nodes=[memory("b", "b")]))
    assert first.data_version() not in (start, mine)
    first.close()
    second.close()


def test_cypher_reuses_its_graph_until_the_store_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.store.embedded import cypher

    builds: list[int] = []
    build = cypher.build_graph

    def counted_build(store: Any) -> Any:
        builds.append(1)
        return build(store)

    monkeypatch.setattr(cypher, "build_graph", counted_build)
    first = EmbeddedStore(tmp_path / "graph.db")
    second = EmbeddedStore(tmp_path / "graph.db")
    query = "MATCH (m:Memory) RETURN m.id AS id ORDER BY m.id"
    first.write(WriteBatch(upsert_nodes=[memory("a", "a")]))
    assert [r["id"] for r in first.cypher(query)] == ["a"]
    assert [r["id"] for r in first.cypher(query)] == ["a"]
    assert len(builds) == 1
    second.write(WriteBatch(upsert_nodes=[memory("b", "b")]))
    assert [r["id"] for r in first.cypher(query)] == ["a", "b"]
    first.write(WriteBatch(delete_nodes=["a"]))
    assert [r["id"] for r in first.cypher(query)] == ["b"]
    assert len(builds) == 3
    first.close()
    second.close()


def test_nodes_this_store_wrote_are_rechecked_after_another_process_writes(
    tmp_path: Path,
) -> None:
    first = EmbeddedStore(tmp_path / "graph.db")
    second = EmbeddedStore(tmp_path / "graph.db")
    nodes = [Node(id=f"n{i}", labels=(Label.CODE_ENTITY, Label.FUNCTION)) for i in range(3)]
    first.write(WriteBatch(upsert_nodes=nodes))
    first.write(WriteBatch(upsert_edges=[Edge(type=RelType.CALLS, source="n0", target="n1")]))
    second.write(WriteBatch(delete_nodes=["n2"]))
    with pytest.raises(StoreError, match="'n2'"):
        first.write(WriteBatch(upsert_edges=[Edge(type=RelType.CALLS, source="n0", target="n2")]))
    # ... and so are nodes this store deleted itself, or saw deleted in the same batch.
    first.write(WriteBatch(delete_nodes=["n1"]))
    with pytest.raises(StoreError, match="'n1'"):
        first.write(WriteBatch(upsert_edges=[Edge(type=RelType.CALLS, source="n0", target="n1")]))
    with pytest.raises(StoreError, match="'n0'"):
        first.write(
            WriteBatch(
                delete_nodes=["n0"],
                upsert_edges=[Edge(type=RelType.CALLS, source="n0", target="n0")],
            )
        )
    assert list(first.iter_edges()) == []  # deleting n1 took the one edge with it
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


def test_rows_read_back_as_the_validated_records_they_were_written_from(tmp_path: Path) -> None:
    """Reads build Nodes and Edges without validation (`Record.stored`): they must still equal,
    dump and hash-compare like validated ones, labels sorted as validation sorts them."""
    store = EmbeddedStore(tmp_path / "graph.db")
    node = Node(id="m-1", labels=(Label.MEMORY, Label.FACT), properties={"text": "x", "n": [1]})
    other = Node(id="c-1", labels=(Label.CODE_ENTITY, Label.MODULE), properties={})
    edge = Edge(type=RelType.GOVERNS, source="m-1", target="c-1", properties={"h": "abc"})
    store.write(WriteBatch(upsert_nodes=[node, other], upsert_edges=[edge]))
    read = store.get_nodes(["m-1", "c-1"], embeddings=False)
    assert read == {"m-1": node, "c-1": other}
    assert read["m-1"].model_dump() == node.model_dump() and read["m-1"].labels == node.labels
    assert store.edges(["m-1"]) == [edge] and store.edges(["m-1"])[0].key == edge.key
    assert store.find_nodes(Label.MEMORY) == [node]
    store.close()


def test_vector_searches_asked_together_answer_as_each_alone(store: EmbeddedStore) -> None:
    """search_all's vector searches share one matrix product: the same hits, scores to 1e-6."""
    rng = random.Random(5)
    store.write(
        WriteBatch(
            upsert_nodes=[
                memory(f"m-{i}", "v", embedding=[rng.uniform(-1, 1) for _ in range(8)])
                for i in range(300)
            ]
        )
    )
    queries = [[rng.uniform(-1, 1) for _ in range(8)] for _ in range(12)]
    limits = [1, 5, 50, 400] * 3
    together = store.search_all(
        [Search(Label.MEMORY, limit, vector=q) for q, limit in zip(queries, limits, strict=True)]
    )
    for query, limit, hits in zip(queries, limits, together, strict=True):
        alone = store.vector_search(query, Label.MEMORY, limit)
        assert [h.node_id for h in hits] == [h.node_id for h in alone]
        assert [h.score for h in hits] == pytest.approx([h.score for h in alone], abs=1e-6)
    assert len(together[3]) == 300  # a limit beyond the store gives all of it


def test_the_default_store_folder_keeps_itself_out_of_git(tmp_path: Path) -> None:
    """`git status` (and so `graphmem review`) does not list the store; a config may be shared."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    EmbeddedStore(tmp_path / ".graphmem" / "graph.db").close()
    (tmp_path / ".graphmem" / "config.toml").write_text("[hooks]\n")
    EmbeddedStore(tmp_path / "elsewhere" / "graph.db").close()  # a folder of the user's naming
    status = subprocess.run(
        ["git", "status", "--porcelain", "-uall"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert sorted(status) == ["?? .graphmem/config.toml", "?? elsewhere/graph.db"]
