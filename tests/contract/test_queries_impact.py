"""impact() on every backend, against the known graph (test_queries_fixture.py)."""

from __future__ import annotations

import pytest
from test_queries_fixture import REPO, KnownGraph, build_known_graph

from graphmem.memory.governance import ReadScope
from graphmem.queries.impact import impact, is_test_entity, render_impact
from graphmem.queries.results import ImpactResult
from graphmem.store import GraphStore


@pytest.fixture
def known(store: GraphStore) -> KnownGraph:
    return build_known_graph(store)


def run(store: GraphStore, known: KnownGraph, key: str, depth: int = 3) -> ImpactResult:
    node = store.get_node(known[key])
    assert node is not None
    return impact(ReadScope(store, REPO, "main", "ana"), node, depth)


def summary(result: ImpactResult) -> list[tuple[str, int, str]]:
    return [(i.entity.qualified_name, i.distance, i.resolution) for i in result.impacted]


def test_a_heuristic_call_makes_every_path_through_it_heuristic(
    store: GraphStore, known: KnownGraph
) -> None:
    result = run(store, known, "compute_tax")
    assert summary(result) == [
        ("shop.billing.invoices.Invoice.total", 1, "exact"),
        ("shop.billing.invoices.send_invoice", 2, "heuristic"),
        ("shop.orders.checkout", 3, "heuristic"),
    ]
    assert result.counts["exact"] == 1 and result.counts["heuristic"] == 2
    checkout = result.impacted[-1]
    assert [(s.type, s.resolution) for s in checkout.path] == [
        ("CALLS", "exact"),
        ("CALLS", "heuristic"),
        ("CALLS", "exact"),
    ]
    assert checkout.path[0].source == known["checkout"]
    assert checkout.path[-1].target == known["compute_tax"] == checkout.reaches


def test_depth_limits_the_walk(store: GraphStore, known: KnownGraph) -> None:
    assert [i.entity.name for i in run(store, known, "compute_tax", depth=1).impacted] == ["total"]


def test_a_module_is_reached_through_what_it_contains(store: GraphStore, known: KnownGraph) -> None:
    result = run(store, known, "tax")
    assert result.target_size == 2
    assert summary(result) == [
        ("shop.billing.invoices", 1, "exact"),
        ("shop.billing.invoices.Invoice.total", 1, "exact"),
        ("shop.orders", 2, "exact"),
        ("shop.billing.invoices.send_invoice", 2, "heuristic"),
        ("shop.api", 3, "exact"),
        ("shop.orders.checkout", 3, "heuristic"),
        ("tests.test_orders", 3, "exact"),  # production code first, then tests
    ]
    assert [t.qualified_name for t in result.tests] == ["tests.test_orders"]
    groups = {g.path: (g.count, g.exact, g.heuristic, g.nearest) for g in result.by_module}
    assert groups == {
        "src/shop/billing/invoices.py": (3, 2, 1, 1),
        "src/shop/orders.py": (2, 1, 1, 2),
        "src/shop/api.py": (1, 1, 0, 3),
        "tests/test_orders.py": (1, 1, 0, 3),
    }
    assert [g.path for g in result.by_module][0] == "src/shop/billing/invoices.py"


def test_class_impact_has_subclasses_callers_tests_and_governing_memories(
    store: GraphStore, known: KnownGraph
) -> None:
    result = run(store, known, "Invoice", depth=2)
    assert summary(result) == [
        ("shop.orders.SpecialInvoice", 1, "exact"),
        ("shop.orders.checkout", 1, "exact"),
        ("shop.billing.invoices.send_invoice", 1, "heuristic"),
        ("shop.api.post_checkout", 2, "exact"),
        ("tests.test_orders.test_checkout", 2, "exact"),
    ]
    assert [t.name for t in result.tests] == ["test_checkout"]
    # Active memories on impacted code or a directory above it; not the superseded one, not the
    # repository-wide fact, not another branch's decision, not another user's preference.
    assert sorted(m.id for m in result.memories) == ["d-immut", "f-retry", "k-thin"]
    text = render_impact(result)
    assert "shop.orders.checkout" in text and "heuristic" in text and "[f-retry]" in text


def test_stale_memories_are_flagged(store: GraphStore, known: KnownGraph) -> None:
    result = run(store, known, "total", depth=1)
    assert summary(result) == [("shop.billing.invoices.send_invoice", 1, "heuristic")]
    assert [m.id for m in result.memories] == ["d-immut"]
    result = run(store, known, "send_invoice", depth=1)
    assert [(i.entity.name, i.resolution) for i in result.impacted] == [("checkout", "exact")]


def test_nothing_depends_on_an_unused_function(store: GraphStore, known: KnownGraph) -> None:
    result = run(store, known, "fmt")
    assert result.impacted == [] and result.counts["impacted"] == 0
    assert "nothing in the graph depends on it" in render_impact(result)


def test_test_code_detection(store: GraphStore, known: KnownGraph) -> None:
    nodes = store.get_nodes([known["test_checkout"], known["checkout"], known["testsdir"]])
    assert is_test_entity(nodes[known["test_checkout"]])
    assert is_test_entity(nodes[known["testsdir"]])
    assert not is_test_entity(nodes[known["checkout"]])
