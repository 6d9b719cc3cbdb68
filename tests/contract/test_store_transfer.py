"""JSONL export and import, on every backend and across backends (DESIGN.md §5)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from graphmem.errors import UsageError
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.store.base import GraphStore, WriteBatch
from graphmem.store.transfer import export_records, import_jsonl, import_records, write_jsonl
from tests.conftest import open_test_store

DIM = 384


def tricky_graph() -> WriteBatch:
    """Values that break naive serialisation: floats, big ints, unicode, lists, empties."""
    code = Node(
        id="e-1",
        labels=(Label.CODE_ENTITY, Label.FUNCTION),
        properties={
            "name": "tëst_🙂",
            "qualified_name": "pkg.mod.tëst_🙂",
            "path": "src/pkg/mod.py",
            "repo": "shop",
            "start_line": 1,
            "end_line": 2**40,
            "ratio": 0.1,
            "tiny": 5e-324,
            "huge": 1.7976931348623157e308,
            "negative": -3.5,
            "flag": False,
            "tags": ["x", "ÿ", ""],
            "weights": [0.1, 0.2, 1e-10],
            "counts": [1, 2, 3],
            "empty_text": "",
            "quotes": 'say "hi"\n\ttab \\ back',
        },
    )
    memory = Node(
        id="d-1a2b3c",
        labels=(Label.MEMORY, Label.DECISION),
        properties={
            "text": "Prices in cents — 価格はセント",
            "status": "active",
            "repo": "shop",
            "embedding": [0.5, -0.25, 0.125, *([0.0] * (DIM - 3))],
        },
    )
    event = Node(id="ev-1", labels=(Label.EVENT,), properties={"action": "remember"})
    other = Node(
        id="e-0",
        labels=(Label.CODE_ENTITY, Label.MODULE),
        properties={"name": "mod", "repo": "other-repo", "path": "mod.py"},
    )
    return WriteBatch(
        upsert_nodes=[code, memory, event, other],
        upsert_edges=[
            Edge(
                type=RelType.GOVERNS,
                source="d-1a2b3c",
                target="e-1",
                properties={"content_hash": "h1", "score": 0.75},
            ),
            Edge(type=RelType.CONTAINS, source="e-0", target="e-1"),
            Edge(type=RelType.CALLS, source="e-1", target="e-1", properties={"n": 1}),
        ],
    )


def test_export_format_and_order(store: GraphStore) -> None:
    store.write(tricky_graph())
    records = list(export_records(store))
    kinds = [r["kind"] for r in records]
    assert kinds == ["node"] * 4 + ["edge"] * 3
    assert [r["id"] for r in records[:4]] == ["d-1a2b3c", "e-0", "e-1", "ev-1"]
    assert [(r["type"], r["source"], r["target"]) for r in records[4:]] == [
        ("CALLS", "e-1", "e-1"),
        ("CONTAINS", "e-0", "e-1"),
        ("GOVERNS", "d-1a2b3c", "e-1"),
    ]
    assert records[0] == {
        "kind": "node",
        "id": "d-1a2b3c",
        "labels": ["Decision", "Memory"],
        "properties": tricky_graph().upsert_nodes[1].properties,
        "redacted": "graphmem",
    }
    assert records[-1]["properties"] == {"content_hash": "h1", "score": 0.75}
    assert list(records[2]["properties"]) == sorted(records[2]["properties"])


def _round_trip(source: GraphStore, target: GraphStore) -> None:
    first = io.StringIO()
    write_jsonl(source, first)
    summary = import_jsonl(target, io.StringIO(first.getvalue()), batch_size=2)
    assert (summary.nodes, summary.edges) == (4, 3)
    second = io.StringIO()
    write_jsonl(target, second)
    assert second.getvalue() == first.getvalue()
    assert target.counts() == source.counts()


def test_round_trip_on_the_same_backend(backend: str, store: GraphStore, tmp_path: Path) -> None:
    store.write(tricky_graph())
    records = list(export_records(store))
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    fresh = open_test_store(backend, tmp_path / "second")  # Neo4j: the same database, wiped
    try:
        import_jsonl(fresh, io.StringIO(text))
        assert list(export_records(fresh)) == records
        again = io.StringIO()
        write_jsonl(fresh, again)
        assert again.getvalue() == text
    finally:
        fresh.close()


@pytest.mark.neo4j
def test_embedded_to_neo4j_and_back_is_identical(tmp_path: Path) -> None:
    embedded = open_test_store("embedded", tmp_path)
    neo4j = open_test_store("neo4j", tmp_path)
    try:
        embedded.write(tricky_graph())
        _round_trip(embedded, neo4j)
    finally:
        embedded.close()
        neo4j.close()


@pytest.mark.neo4j
def test_neo4j_to_embedded_and_back_is_identical(tmp_path: Path) -> None:
    neo4j = open_test_store("neo4j", tmp_path)
    embedded = open_test_store("embedded", tmp_path)
    try:
        neo4j.write(tricky_graph())
        _round_trip(neo4j, embedded)
    finally:
        embedded.close()
        neo4j.close()


def _lines(*records: Any) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


GOOD_NODE = {"kind": "node", "id": "a", "labels": ["CodeEntity", "Module"], "properties": {}}
GOOD_EDGE = {"kind": "edge", "type": "IMPORTS", "source": "a", "target": "a", "properties": {}}


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("{not json", "line 3"),
        ({"kind": "node", "id": "b", "labels": ["Wizard"], "properties": {}}, "line 3"),
        ({"kind": "node", "id": "b", "labels": ["Function"], "properties": {}}, "line 3"),
        ({"kind": "node", "id": "", "labels": ["Event"], "properties": {}}, "line 3"),
        ({"kind": "node", "id": "b", "labels": ["Event"], "properties": {"x": {"y": 1}}}, "line 3"),
        ({"kind": "vertex", "id": "b"}, "line 3"),
        ({"kind": "edge", "type": "LIKES", "source": "a", "target": "a"}, "line 3"),
        ({"kind": "edge", "type": "CALLS", "source": "a", "target": "ghost"}, "line 3"),
        ({"kind": "edge", "type": "CALLS", "source": "a"}, "line 3"),
        ([1, 2, 3], "line 3"),
    ],
)
def test_a_malformed_line_is_named_and_nothing_is_written(
    store: GraphStore, bad: Any, expected: str
) -> None:
    text = _lines(GOOD_NODE, GOOD_EDGE, bad, {**GOOD_NODE, "id": "z"})
    with pytest.raises(UsageError, match=expected):
        import_jsonl(store, io.StringIO(text))
    assert store.counts() == {}


def test_import_records_numbers_records(store: GraphStore) -> None:
    with pytest.raises(UsageError, match="record 2"):
        import_records(store, [GOOD_NODE, {"kind": "node"}])
    assert store.counts() == {}


def test_blank_lines_are_skipped_but_counted(store: GraphStore) -> None:
    text = _lines(GOOD_NODE, "", GOOD_EDGE, "   ", {"kind": "nope"})
    with pytest.raises(UsageError, match="line 5"):
        import_jsonl(store, io.StringIO(text))
    summary = import_jsonl(store, io.StringIO(_lines(GOOD_NODE, "", GOOD_EDGE)))
    assert (summary.nodes, summary.edges) == (1, 1)


def test_edges_may_point_at_nodes_already_in_the_store(store: GraphStore) -> None:
    import_records(store, [GOOD_NODE])
    import_records(store, [{**GOOD_NODE, "id": "b"}, {**GOOD_EDGE, "target": "b"}])
    assert store.counts()["IMPORTS"] == 1
