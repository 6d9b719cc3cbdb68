"""Every named query, on every backend, against the known graph (test_queries_fixture.py)."""

from __future__ import annotations

from typing import Any

import pytest
from test_queries_fixture import REPO, KnownGraph, build_known_graph

from graphmem.errors import NotFoundError, UsageError
from graphmem.queries.named import get_named_query, named_queries, run_named_query
from graphmem.store import GraphStore


@pytest.fixture
def known(store: GraphStore) -> KnownGraph:
    return build_known_graph(store)


def run(store: GraphStore, query: str, **params: Any) -> list[dict[str, Any]]:
    return run_named_query(store, query, params, repo=REPO)


def test_registry_lists_at_least_eight_queries_with_descriptions() -> None:
    queries = named_queries()
    assert len(queries) >= 8
    for query in queries.values():
        assert query.description, query.name
        assert "MATCH" in query.cypher


def test_decisions_for_a_module_include_directory_scope_and_skip_superseded(
    store: GraphStore, known: KnownGraph
) -> None:
    rows = run(store, "decisions", path="src/shop/billing/invoices.py")
    assert [r["id"] for r in rows] == ["d-immut"]
    assert rows[0]["governs_kind"] == "Directory"
    assert run(store, "decisions", path="src/shop/util.py") == []
    assert [r["id"] for r in run(store, "decisions", path="src/shop/orders.py")] == ["d-async"]


def test_impact_query_follows_calls_imports_and_inheritance(
    store: GraphStore, known: KnownGraph
) -> None:
    rows = run(store, "impact", name="shop.billing.invoices.Invoice")
    assert [r["dependent"] for r in rows] == [
        "shop.api.post_checkout",
        "shop.orders.SpecialInvoice",
        "shop.orders.checkout",
        "tests.test_orders.test_checkout",
    ]


def test_supersession_chain_from_either_end(store: GraphStore, known: KnownGraph) -> None:
    for start in ("d-old", "d-immut"):
        rows = run(store, "supersession-chain", id=start)
        assert [(r["id"], r["status"]) for r in rows] == [
            ("d-old", "superseded"),
            ("d-immut", "active"),
        ]
    assert [r["id"] for r in run(store, "supersession-chain", id="k-thin")] == ["k-thin"]


def test_stale_memories(store: GraphStore, known: KnownGraph) -> None:
    rows = run(store, "stale-memories")
    assert [(r["id"], r["possibly_stale"], r["orphaned"]) for r in rows] == [("c-tax", True, False)]


def test_failure_history_newest_first_with_retracted(store: GraphStore, known: KnownGraph) -> None:
    rows = run(store, "failure-history", path="src/shop/orders.py")
    assert [(r["id"], r["status"]) for r in rows] == [
        ("f-retry", "active"),
        ("f-oldfail", "retracted"),
    ]
    assert rows[0]["fix"] == "send an idempotency key with every payment call"


def test_services_with_dependencies(store: GraphStore, known: KnownGraph) -> None:
    rows = run(store, "services")
    assert [(r["service"], r["depends_on"]) for r in rows] == [
        ("api", ["db"]),
        ("db", []),
        ("worker", ["api", "db"]),
    ]


def test_hotspots_called(store: GraphStore, known: KnownGraph) -> None:
    rows = run(store, "hotspots-called", limit="2")
    assert [(r["name"], r["callers"]) for r in rows] == [
        ("shop.orders.checkout", 2),
        ("shop.billing.invoices.Invoice", 1),
    ]


def test_hotspots_changed(store: GraphStore, known: KnownGraph) -> None:
    rows = run(store, "hotspots-changed")
    assert [(r["path"], r["commits"]) for r in rows] == [
        ("src/shop/billing/invoices.py", 2),
        ("src/shop/billing/tax.py", 1),
        ("src/shop/orders.py", 1),
    ]


def test_undocumented_modules(store: GraphStore, known: KnownGraph) -> None:
    assert run(store, "undocumented-modules") == [
        {"path": "src/shop/util.py", "module": "shop.util"}
    ]


def test_recent_changes(store: GraphStore, known: KnownGraph) -> None:
    rows = run(store, "recent-changes", path="src/shop/billing/invoices.py")
    assert [r["message"] for r in rows] == [
        "Fix rounding of invoice totals",
        "Add invoices and tax",
    ]
    assert len(run(store, "recent-changes", path="src/shop/billing/invoices.py", limit=1)) == 1


def test_parameters_are_validated(store: GraphStore) -> None:
    with pytest.raises(UsageError, match="needs --param path"):
        run(store, "decisions")
    with pytest.raises(UsageError, match="no parameter"):
        run(store, "services", path="x")
    with pytest.raises(UsageError, match="must be a int"):
        run(store, "hotspots-called", limit="many")
    with pytest.raises(NotFoundError, match="did you mean: decisions"):
        get_named_query("decision")


def test_a_hostile_parameter_is_only_a_value(store: GraphStore, known: KnownGraph) -> None:
    assert run(store, "decisions", path='x" OR 1=1 //') == []
    assert run(store, "decisions", path="x' OR 1=1 //") == []
