"""The embedded Cypher layer: lexing, parameter substitution, write detection, result shape."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphmem.errors import UsageError
from graphmem.store.embedded.cypher import (
    find_write_clause,
    render_literal,
    run_on_graph,
    substitute_params,
)


def graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("a", __labels__={"CodeEntity", "Module"}, id="a", path="src/a.py")
    g.add_node("b", __labels__={"CodeEntity", "Module"}, id="b", path="src/b.py")
    g.add_edge("a", "b", key="IMPORTS", __labels__={"IMPORTS"}, __source__="a", __target__="b")
    return g


@pytest.mark.parametrize(
    ("query", "clause"),
    [
        ("CREATE (n)", "CREATE"),
        ("match (n) set n.x = 1", "SET"),
        ("MATCH (n) DETACH  DELETE n", "DETACH DELETE"),
        ("LOAD CSV FROM 'x' AS row RETURN row", "LOAD CSV"),
        ("CALL db.labels()", "CALL"),
        ("MATCH (n) FOREACH (x IN [1] | SET n.y = x)", "FOREACH"),
        ("MATCH (n) WHERE n.set = 1 RETURN n", None),
        ("MATCH (n) WHERE n.text = 'DELETE me' RETURN n", None),
        ('MATCH (n) WHERE n.text = "a \\" CREATE" RETURN n', None),
        ("MATCH (n:`CREATE`) RETURN n // CREATE", None),
        ("MATCH (n) /* SET */ RETURN n.created_at", None),
    ],
)
def test_find_write_clause(query: str, clause: str | None) -> None:
    assert find_write_clause(query) == clause


def test_call_can_be_left_to_the_server() -> None:
    assert find_write_clause("CALL db.labels()", include_call=False) is None


def test_params_are_substituted_outside_strings_only() -> None:
    text = substitute_params("MATCH (n) WHERE n.p = $p AND n.q = '$p' RETURN n", {"p": 'x"y'})
    assert text == 'MATCH (n) WHERE n.p = "x\\"y" AND n.q = "$p" RETURN n'


def test_missing_and_unsupported_params() -> None:
    with pytest.raises(UsageError, match=r"\$p"):
        substitute_params("RETURN $p", {})
    with pytest.raises(UsageError):
        render_literal({"a": 1})
    with pytest.raises(UsageError):
        render_literal(float("nan"))


def test_rows_follow_return_order_and_nodes_look_like_neo4j() -> None:
    rows = run_on_graph(graph(), "MATCH (a)-[r:IMPORTS]->(b) RETURN b.path AS z, a, r")
    assert rows == [
        {
            "z": "src/b.py",
            "a": {
                "id": "a",
                "labels": ["CodeEntity", "Module"],
                "properties": {"path": "src/a.py"},
            },
            "r": {"type": "IMPORTS", "source": "a", "target": "b", "properties": {}},
        }
    ]


def test_distinct_with_ordered_aliases() -> None:
    rows = run_on_graph(
        graph(), "MATCH (m:Module) RETURN DISTINCT m.path AS path ORDER BY path DESC"
    )
    assert rows == [{"path": "src/b.py"}, {"path": "src/a.py"}]


def test_labels_of_a_node_as_neo4j_names_the_column() -> None:
    query = "MATCH (a)-->(b) RETURN labels(a), LABELS( b ) AS kinds, a.path ORDER BY a.path"
    assert run_on_graph(graph(), query) == [
        {
            "labels(a)": ["CodeEntity", "Module"],
            "kinds": ["CodeEntity", "Module"],
            "a.path": "src/a.py",
        }
    ]
    quoted = 'MATCH (a) WHERE a.path = "labels(a)" RETURN a.path'
    assert run_on_graph(graph(), quoted) == []  # a string is never rewritten


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_string_parameter_is_exactly_one_value(value: str) -> None:
    """Round trip: whatever the text, it is compared as a value and never changes the query."""
    g = graph()
    g.add_node("x", __labels__={"CodeEntity", "Module"}, id="x", path=value)
    query = substitute_params("MATCH (m:Module) WHERE m.path = $p RETURN m.id AS id", {"p": value})
    ids = [row["id"] for row in run_on_graph(g, query)]
    assert "x" in ids
    assert set(ids) <= {"x", "a", "b"}
    assert all(g.nodes[i]["path"] == value for i in ids)
