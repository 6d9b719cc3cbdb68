"""One ingest per compiled language against every backend: the fixture's definitions, their
labels and the edges between them read back from the store as the resolver made them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.model import Label
from graphmem.queries.context import render_context
from graphmem.settings import Settings
from graphmem.store import GraphStore, open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


Graph = tuple[dict[str, str], set[tuple[str, str, str, str | None]]]


def ingest(store: GraphStore, tmp_path: Path, fixture: str) -> Graph:
    """Ingest a copy of a fixture and read the graph back."""
    root = tmp_path / fixture
    if not root.exists():
        shutil.copytree(FIXTURES / fixture, root)
    GraphMem(Settings(), repo_root=root, store=store).ingest()
    return read_graph(store)


def read_graph(store: GraphStore) -> Graph:
    """(qualified name -> label) and every edge as (type, source, target, resolution)."""
    kinds, names = {}, {}
    for node in store.iter_nodes(Label.CODE_ENTITY):
        names[node.id] = str(node.get("qualified_name"))
        labels = set(node.labels) - {Label.CODE_ENTITY.value}
        kinds[names[node.id]] = labels.pop() if len(labels) == 1 else str(sorted(labels))
    edges = {
        (e.type.value, names[e.source], names[e.target], e.properties.get("resolution"))
        for e in store.iter_edges()
        if e.source in names and e.target in names
    }
    return kinds, edges


def test_java(store: GraphStore, tmp_path: Path) -> None:
    kinds, edges = ingest(store, tmp_path, "java_app")
    model, shop = "com.acme.shop.model", "com.acme.shop.app"
    assert kinds[f"{model}.Order"] == "Class"
    assert kinds[f"{model}.Priced"] == "Interface"
    assert kinds[f"{model}.Order.total"] == "Method"
    assert kinds[model] == "Module"
    assert kinds["service:shop-app"] == "Service"
    assert ("INHERITS", f"{model}.Order", f"{model}.Entity", None) in edges
    assert ("IMPLEMENTS", f"{model}.Order", f"{model}.Priced", None) in edges
    assert ("IMPORTS", shop, "com.acme.shop.store", None) in edges
    assert ("CALLS", f"{shop}.Checkout.place", f"{model}.Order", "exact") in edges
    assert (
        "CALLS",
        f"{shop}.Checkout.place",
        "com.acme.shop.store.OrderRepository.save",
        "exact",
    ) in edges
    assert ("CONTAINS", f"{model}.Order", f"{model}.Order.Item", None) in edges
    assert ("DEPENDS_ON", "service:shop-app", "service:shop-core", None) in edges


def test_rust(store: GraphStore, tmp_path: Path) -> None:
    kinds, edges = ingest(store, tmp_path, "rust_app")
    model, store_module = "shop_core::model", "shop_core::store"
    assert kinds[f"{model}::Item"] == "Class"
    assert kinds[f"{model}::Priced"] == "Interface"
    assert kinds[f"{model}::Item::price"] == "Method"
    assert kinds["shop_core::version"] == "Function"
    assert kinds[store_module] == "Module"
    assert ("IMPLEMENTS", f"{model}::Item", f"{model}::Priced", None) in edges
    assert ("INHERITS", f"{model}::Discounted", f"{model}::Priced", None) in edges
    assert ("IMPORTS", store_module, f"{store_module}::memory", None) in edges
    assert ("CALLS", f"{store_module}::Store::save", f"{model}::Item::price", "exact") in edges
    assert ("CALLS", "shop_cli::main", f"{store_module}::Store::save", "exact") in edges
    assert ("CONTAINS", f"{model}::Item", f"{model}::Item::new", None) in edges
    assert ("DEPENDS_ON", "service:shop-cli", "service:shop-core", None) in edges


def test_c(store: GraphStore, tmp_path: Path) -> None:
    kinds, edges = ingest(store, tmp_path, "c_app")
    assert kinds["kv_store"] == "Class"
    assert kinds["kv_put"] == "Function"
    assert kinds["src/kv.c"] == "Module"
    assert kinds["service:kv"] == "Service"
    assert ("IMPORTS", "src/kv.c", "include/kv.h", None) in edges
    assert ("CALLS", "main", "kv_put", "exact") in edges
    assert ("CALLS", "main", "hash_string", "heuristic") in edges
    assert ("DEPENDS_ON", "service:kvcli", "service:kv", None) in edges


def test_cpp(store: GraphStore, tmp_path: Path) -> None:
    kinds, edges = ingest(store, tmp_path, "cpp_app")
    assert kinds["shop::Item"] == "Class"
    assert kinds["shop::Cart::total"] == "Method"
    assert kinds["shop::round_cents"] == "Function"
    assert kinds["include/shop/cart.h"] == "Module"
    assert ("INHERITS", "shop::Item", "shop::Priced", None) in edges
    assert ("IMPORTS", "src/cart.cpp", "include/shop/cart.h", None) in edges
    assert ("CALLS", "shop::Cart::total", "shop::Cart::empty", "exact") in edges
    assert ("CALLS", "main", "shop::Item::Item", "exact") in edges
    assert ("CONTAINS", "shop::Item", "shop::Item::price", None) in edges
    assert ("DEPENDS_ON", "service:shop-cli", "service:shop", None) in edges


def test_cpp_namespace_and_attribute_macros(store: GraphStore, tmp_path: Path) -> None:
    """The header's macros name what every file defines (the ingest reads them first)."""
    kinds, edges = ingest(store, tmp_path, "cpp_macros")
    assert kinds["fmtlike::detail::buffer"] == "Class"
    assert kinds["fmtlike::format_error"] == "Class"
    assert kinds["fmtlike::vprint"] == "Function"
    assert ("INHERITS", "fmtlike::format_error", "fmtlike::detail::buffer", None) in edges
    assert ("CALLS", "fmtlike::vprint", "fmtlike::detail::buffer::push_back", "exact") in edges
    assert ("CALLS", "main", "fmtlike::detail::count_digits", "exact") in edges
    assert not [name for name in kinds if name.startswith("detail::")]


def test_go_interfaces(store: GraphStore, tmp_path: Path) -> None:
    kinds, edges = ingest(store, tmp_path, "go_app")
    shop = "example.com/shop/store"
    assert kinds[f"{shop}.Saver"] == "Interface"
    assert kinds[f"{shop}.Saver.Save"] == "Method"
    assert kinds[f"{shop}.Store"] == "Class"
    assert ("CONTAINS", f"{shop}.Saver", f"{shop}.Saver.Save", None) in edges
    assert ("IMPLEMENTS", f"{shop}.Store", f"{shop}.Saver", "heuristic") in edges
    run = "example.com/shop/cmd/app.run"
    assert ("CALLS", run, f"{shop}.Saver.Save", "exact") in edges
    assert ("CALLS", run, f"{shop}.Store.Save", "heuristic") in edges


def test_impact_of_an_interface_method_reaches_its_implementers(
    store: GraphStore, tmp_path: Path
) -> None:
    ingest(store, tmp_path, "go_app")
    graph = GraphMem(Settings(), repo_root=tmp_path / "go_app", store=store)
    result = graph.impact("store/store.go::Saver.Save")
    found = {(i.entity.qualified_name, i.distance, i.resolution) for i in result.impacted}
    shop = "example.com/shop"
    assert found == {
        (f"{shop}/cmd/app.run", 1, "exact"),
        (f"{shop}/cmd/app.main", 2, "exact"),
        # Store implements Saver by its method set: a guess, so the path is heuristic
        (f"{shop}/store.Store", 1, "heuristic"),
    }
    context = graph.context("store/store.go::Saver")
    assert "implemented by example.com/shop/store.Store" in render_context(context)


def test_typescript_interfaces(store: GraphStore, tmp_path: Path) -> None:
    kinds, edges = ingest(store, tmp_path, "ts_app")
    invoice = "src/models/invoice"
    assert kinds[f"{invoice}.Priced"] == "Interface"
    assert kinds[f"{invoice}.Priced.total"] == "Method"
    assert ("CONTAINS", f"{invoice}.Priced", f"{invoice}.Priced.total", None) in edges
    assert ("IMPLEMENTS", f"{invoice}.Invoice", f"{invoice}.Priced", "exact") in edges
    assert ("CALLS", f"{invoice}.charge", f"{invoice}.Priced.total", "exact") in edges
    assert ("CALLS", f"{invoice}.charge", f"{invoice}.Invoice.total", "heuristic") in edges


@pytest.mark.parametrize(
    "fixture", ["java_app", "rust_app", "c_app", "cpp_app", "go_app", "ts_app"]
)
def test_reingest_of_an_unchanged_tree_changes_nothing(
    store: GraphStore, tmp_path: Path, fixture: str
) -> None:
    first = ingest(store, tmp_path, fixture)
    report = GraphMem(Settings(), repo_root=tmp_path / fixture, store=store).ingest()
    assert report.files_parsed == 0
    assert read_graph(store) == first


def fresh_graph(tmp_path: Path, fixture: str) -> Graph:
    """The graph a full ingest of the (edited) copy gives, in a store of its own."""
    fresh = tmp_path / "fresh"
    shutil.copytree(tmp_path / fixture, fresh / fixture)
    with open_store(str(fresh / "graph.db")) as reference:
        return ingest(reference, fresh, fixture)


@pytest.mark.parametrize(
    ("fixture", "edited", "comment"),
    [
        ("java_app", "core/src/main/java/com/acme/shop/model/Order.java", "//"),
        ("rust_app", "crates/core/src/model.rs", "//"),
        ("c_app", "include/kv.h", "//"),
        ("cpp_app", "src/cart.cpp", "//"),
        ("go_app", "store/store.go", "//"),
        ("ts_app", "src/models/invoice.ts", "//"),
        ("pyrepo", "src/shop/models.py", "#"),
    ],
)
def test_an_edit_that_keeps_a_files_interface_resolves_that_file_alone(
    store: GraphStore, tmp_path: Path, fixture: str, edited: str, comment: str
) -> None:
    """Lines move, nothing others resolve against changes: the other files keep their edges
    unresolved, and the graph is the one a fresh ingest of the edited tree gives."""
    ingest(store, tmp_path, fixture)
    path = tmp_path / fixture / edited
    path.write_text(f"{comment} edited\n\n" + path.read_text())
    report = GraphMem(Settings(), repo_root=tmp_path / fixture, store=store).ingest()
    assert (report.files_parsed, report.files_resolved) == (1, 1)
    assert read_graph(store) == fresh_graph(tmp_path, fixture)


def test_a_new_local_and_call_in_a_body_resolve_that_file_alone(
    store: GraphStore, tmp_path: Path
) -> None:
    ingest(store, tmp_path, "pyrepo")
    models = tmp_path / "pyrepo/src/shop/models.py"
    models.write_text(
        models.read_text().replace(
            "        return sum(self.items)",
            "        counted = len(self.items)\n        self.validate()\n"
            "        return sum(self.items)",
        )
    )
    report = GraphMem(Settings(), repo_root=tmp_path / "pyrepo", store=store).ingest()
    assert (report.files_parsed, report.files_resolved) == (1, 1)
    kinds, edges = read_graph(store)
    assert ("CALLS", "shop.models.Order.total", "shop.models.Base.validate", "exact") in edges
    assert (kinds, edges) == fresh_graph(tmp_path, "pyrepo")
    # an attribute set in a method is read by other files: that is an interface change
    models.write_text(
        models.read_text().replace(
            "self.items = items", "self.items = items\n        self.note = Note()"
        )
    )
    report = GraphMem(Settings(), repo_root=tmp_path / "pyrepo", store=store).ingest()
    assert report.files_resolved > 1
