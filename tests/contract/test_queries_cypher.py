"""`graphmem cypher` semantics on every backend: reads work, writes are refused by default."""

from __future__ import annotations

import pytest
from test_queries_fixture import KnownGraph, build_known_graph

from graphmem.errors import CapabilityError, UsageError
from graphmem.queries.cypher import parse_params, run_cypher
from graphmem.store import Capability, GraphStore


@pytest.fixture
def known(store: GraphStore) -> KnownGraph:
    return build_known_graph(store)


def test_read_with_params_and_node_values(store: GraphStore, known: KnownGraph) -> None:
    rows = run_cypher(
        store,
        "MATCH (m:Module) WHERE m.path = $path RETURN m.qualified_name AS name, m",
        {"path": "src/shop/orders.py"},
    )
    assert len(rows) == 1
    assert list(rows[0]) == ["name", "m"]
    assert rows[0]["name"] == "shop.orders"
    node = rows[0]["m"]
    assert node["id"] == known["orders"]
    assert node["labels"] == ["CodeEntity", "Module"]
    assert node["properties"]["path"] == "src/shop/orders.py"


def test_single_quotes_lists_and_aggregates(store: GraphStore, known: KnownGraph) -> None:
    rows = run_cypher(
        store,
        "MATCH (f:Function) WHERE f.path IN $paths AND f.language = 'python' "
        "RETURN f.name AS name ORDER BY name",
        {"paths": ["src/shop/orders.py", "src/shop/api.py"]},
    )
    assert [r["name"] for r in rows] == ["checkout", "post_checkout"]
    rows = run_cypher(store, "MATCH (m:Memory) RETURN count(m) AS n")
    assert rows == [{"n": 9}]


def test_columns_are_named_as_written_and_aggregates_of_nothing_give_a_row(
    store: GraphStore, known: KnownGraph
) -> None:
    assert run_cypher(store, "MATCH (m:Memory) RETURN count(m)") == [{"count(m)": 9}]
    rows = run_cypher(
        store, "MATCH (m:Module) WHERE m.path = 'src/shop/orders.py' RETURN labels(m)"
    )
    assert rows == [{"labels(m)": ["CodeEntity", "Module"]}]
    nothing = "MATCH (m:Module) WHERE m.path = 'nowhere' RETURN count(m) AS n, collect(m.path) AS p"
    assert run_cypher(store, nothing) == [{"n": 0, "p": []}]
    grouped = "MATCH (m:Module) WHERE m.path = 'nowhere' RETURN m.path, count(m)"
    assert run_cypher(store, grouped) == []


def test_labels_can_be_grouped_by_and_count_star_counts_rows(
    store: GraphStore, known: KnownGraph
) -> None:
    (modules,) = run_cypher(store, "MATCH (m:Module) RETURN count(m) AS n")
    by_labels = run_cypher(store, "MATCH (m:Module) RETURN labels(m) AS l, count(*) AS n")
    assert by_labels == [{"l": ["CodeEntity", "Module"], "n": modules["n"]}]
    assert run_cypher(store, "MATCH (m:Memory) RETURN count(*)") == [{"count(*)": 9}]
    rows = run_cypher(store, "MATCH (m:Memory) WHERE m.text = 'count(*)' RETURN count(*) AS n")
    assert rows == [{"n": 0}]


def test_relationship_values(store: GraphStore, known: KnownGraph) -> None:
    rows = run_cypher(
        store,
        "MATCH (a:Function {name: $name})-[r:CALLS]->(b) "
        "RETURN r, b.name AS callee ORDER BY callee",
        {"name": "checkout"},
    )
    assert [r["callee"] for r in rows] == ["Invoice", "send_invoice"]
    rel = rows[0]["r"]
    assert rel["type"] == "CALLS"
    assert rel["source"] == known["checkout"] and rel["target"] == known["Invoice"]
    assert rel["properties"] == {"resolution": "exact"}
    rows = run_cypher(
        store,
        "MATCH (a:Function {name: $name})-[r]->(b) WHERE b.name = 'send_invoice' RETURN type(r)",
        {"name": "checkout"},
    )
    assert rows == [{"type(r)": "CALLS"}]


def test_conditions_on_both_ends_of_a_pattern(store: GraphStore, known: KnownGraph) -> None:
    """The embedded store answered nothing to an AND across two nodes of a pattern."""
    rows = run_cypher(
        store,
        "MATCH (a:Function)-[:CALLS]->(b) WHERE a.name = 'checkout' AND b.name = 'send_invoice' "
        "RETURN a.name AS caller, b.name AS callee",
    )
    assert rows == [{"caller": "checkout", "callee": "send_invoice"}]


def test_order_by_a_property_some_rows_lack_puts_null_last(
    store: GraphStore, known: KnownGraph
) -> None:
    """The embedded interpreter compared null with strings and refused the query."""
    query = "MATCH (m:Memory) RETURN m.id AS id, m.rationale AS r ORDER BY r {}, id LIMIT 50"
    up = [(row["r"], row["id"]) for row in run_cypher(store, query.format("ASC"))]
    down = [(row["r"], row["id"]) for row in run_cypher(store, query.format("DESC"))]
    given = [pair for pair in up if pair[0] is not None]
    assert given and len(given) < len(up)  # the fixture has both
    assert up == sorted(given) + sorted(pair for pair in up if pair[0] is None)
    assert [r for r, _ in down] == [None] * (len(up) - len(given)) + sorted(
        (r for r, _ in given), reverse=True
    )


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:Module {id: 'x'})",
        "MATCH (n) SET n.hacked = true",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n:Memory) REMOVE n.text",
        "MERGE (n:Memory {id: 'd-x'})",
        "MATCH (n) WHERE n.path = 'a' DELETE n",
    ],
)
def test_writes_are_refused_by_default_and_change_nothing(
    store: GraphStore, known: KnownGraph, query: str
) -> None:
    before = store.counts()
    with pytest.raises(UsageError, match="--write"):
        run_cypher(store, query)
    assert store.counts() == before
    assert run_cypher(store, "MATCH (n:Module) WHERE n.hacked = true RETURN n.id") == []


def test_keywords_inside_strings_and_properties_are_not_writes(
    store: GraphStore, known: KnownGraph
) -> None:
    rows = run_cypher(
        store, "MATCH (c:Commit) WHERE c.message = 'CREATE or DELETE' RETURN c.set AS x"
    )
    assert rows == []


def test_write_mode(store: GraphStore, known: KnownGraph) -> None:
    if Capability.CYPHER_WRITE not in store.capabilities:
        with pytest.raises(CapabilityError, match="Neo4j"):
            run_cypher(store, "MATCH (n:Module) SET n.reviewed = true", write=True)
        return
    run_cypher(
        store,
        "MATCH (n:Module {path: $p}) SET n.reviewed = true",
        {"p": "src/shop/api.py"},
        write=True,
    )
    rows = run_cypher(store, "MATCH (n:Module) WHERE n.reviewed = true RETURN n.path AS path")
    assert rows == [{"path": "src/shop/api.py"}]


def test_unsupported_syntax_says_what_to_do(store: GraphStore, known: KnownGraph) -> None:
    query = "MATCH (m:Module) WITH m ORDER BY m.path LIMIT 1 RETURN m.path AS path"
    if store.name == "embedded":
        with pytest.raises(UsageError, match="does not read WITH; run it on a Neo4j store"):
            run_cypher(store, query)
    else:
        assert run_cypher(store, query) == [{"path": "src/shop/api.py"}]


def test_an_undefined_variable_is_named(store: GraphStore, known: KnownGraph) -> None:
    """The embedded store called it unsupported syntax, pointing at Neo4j."""
    query = "MATCH (c:Class)-[:INHERITS]->(p) RETURN c.name, type(r) AS t"
    with pytest.raises(UsageError, match="r"):
        run_cypher(store, query)
    if store.name == "embedded":
        with pytest.raises(UsageError, match="variable r is not defined"):
            run_cypher(store, query)


def test_missing_parameter(store: GraphStore, known: KnownGraph) -> None:
    with pytest.raises(Exception, match="path"):
        run_cypher(store, "MATCH (m:Module) WHERE m.path = $path RETURN m")


def test_parse_params() -> None:
    assert parse_params(["a=1", "b=x", "c=true", 'd=["x","y"]', "e=src/a.py", "f=", "g=null"]) == {
        "a": 1,
        "b": "x",
        "c": True,
        "d": ["x", "y"],
        "e": "src/a.py",
        "f": "",
        "g": None,
    }
    with pytest.raises(UsageError):
        parse_params(["novalue"])
