"""Ingest against every backend: a full ingest of tests/fixtures/pyrepo, then incremental
re-ingests (edit, add, delete, rename) that must give exactly the graph a fresh ingest gives."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.model import Label, entity_id
from graphmem.settings import Settings
from graphmem.store import GraphStore, open_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = "pyrepo"
VOLATILE = {"indexed_at"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / REPO
    shutil.copytree(FIXTURES / "pyrepo", root)
    return root


def snapshot(store: GraphStore) -> tuple[dict[str, Any], set[tuple[str, str, str, str]]]:
    """Code nodes (id -> labels and properties) and every edge among them."""
    nodes = {}
    for node in store.iter_nodes(Label.CODE_ENTITY):
        props = {k: v for k, v in node.properties.items() if k not in VOLATILE}
        nodes[node.id] = (tuple(sorted(node.labels)), tuple(sorted(props.items())))
    edges = {
        (e.type.value, e.source, e.target, str(sorted(e.properties.items())))
        for e in store.iter_edges()
        if e.source in nodes or e.target in nodes
    }
    return nodes, edges


def reference(root: Path, tmp: Path) -> tuple[dict[str, Any], set[tuple[str, str, str, str]]]:
    """The graph a fresh ingest of `root` gives (on the embedded store)."""
    path = tmp / f"reference-{len(list(tmp.glob('reference-*')))}.db"
    with GraphMem(Settings(store=str(path)), repo_root=root) as gm:
        gm.ingest()
        return snapshot(gm.store)


def graphmem_on(store: GraphStore, root: Path) -> GraphMem:
    return GraphMem(Settings(), repo_root=root, store=store)


def qname_edges(store: GraphStore, kind: str) -> set[tuple[str, str]]:
    names = {n.id: n.get("qualified_name") for n in store.iter_nodes(Label.CODE_ENTITY)}
    return {
        (names[e.source], names[e.target])
        for e in store.iter_edges()
        if e.type.value == kind and e.source in names and e.target in names
    }


def test_full_ingest_gives_the_expected_graph(store: GraphStore, tree: Path) -> None:
    report = graphmem_on(store, tree).ingest()
    assert report.files_parsed == 8 and report.files_resolved == 8
    counts = store.counts()
    assert counts["Module"] == 8
    assert counts["Class"] == 6
    assert counts["Method"] == 15
    assert counts["Function"] == 7
    assert counts["Directory"] == 4  # src, src/shop, src/shop/billing, scripts
    assert counts["Repository"] == 1
    method = store.get_node(entity_id(REPO, "src/shop/models.py", "shop.models.Order.total"))
    assert method is not None and method.has(Label.METHOD)
    assert method.get("start_line") == 27 and method.get("end_line") == 28
    assert method.get("language") == "python" and method.get("repo") == REPO
    assert method.get("path") == "src/shop/models.py" and method.get("content_hash")
    assert ("shop.models.Order", "shop.models.Base") in qname_edges(store, "INHERITS")
    assert ("shop.billing.invoices", "shop.billing.tax") in qname_edges(store, "IMPORTS")
    calls = qname_edges(store, "CALLS")
    assert ("shop.models.Order.save", "shop.models.Base.save") in calls
    contains = qname_edges(store, "CONTAINS")
    assert ("shop.models.Order", "shop.models.Order.total") in contains
    assert ("src/shop", "shop.models") in contains
    assert ("", "src") in contains  # the repository contains its top-level folders


def test_incremental_reingest_matches_a_fresh_ingest(
    store: GraphStore, tree: Path, tmp_path: Path
) -> None:
    gm = graphmem_on(store, tree)
    gm.ingest()
    before, _ = snapshot(store)

    # edit: Order.total renamed to Order.sum; Base moves down two lines
    models = tree / "src/shop/models.py"
    models.write_text(
        models.read_text()
        .replace("def total(self)", "def sum(self)")
        .replace('"""Domain models."""', '"""Domain models.\n\nMoved."""')
    )
    # add a module that calls into the package; delete one; rename one
    (tree / "src/shop/reports.py").write_text(
        "from shop.util import log\n\n\ndef report() -> None:\n    log('r')\n"
    )
    (tree / "scripts/helpers.py").unlink()
    (tree / "src/shop/billing/tax.py").rename(tree / "src/shop/billing/vat.py")
    invoices = tree / "src/shop/billing/invoices.py"
    invoices.write_text(
        invoices.read_text().replace("from . import tax", "from . import vat as tax")
    )

    report = gm.ingest()
    assert report.files_parsed == 4  # models, reports, vat, invoices
    assert report.files_removed == 2  # helpers, tax
    after = snapshot(store)
    assert after == reference(tree, tmp_path)

    nodes, _ = after
    # unchanged code keeps its id; removed and renamed code is gone
    util_log = entity_id(REPO, "src/shop/util.py", "shop.util.log")
    assert util_log in before and util_log in nodes
    base_save = entity_id(REPO, "src/shop/models.py", "shop.models.Base.save")
    assert base_save in nodes  # same id although its lines moved
    assert entity_id(REPO, "src/shop/models.py", "shop.models.Order.total") not in nodes
    assert entity_id(REPO, "scripts/helpers.py", "scripts.helpers") not in nodes
    assert entity_id(REPO, "src/shop/billing/vat.py", "shop.billing.vat.compute") in nodes
    calls = qname_edges(store, "CALLS")
    assert ("shop.billing.invoices.Invoice.amount", "shop.billing.vat.compute") in calls
    assert ("shop.billing.invoices.Invoice.amount", "shop.models.Order.total") not in calls
    assert ("scripts.run.main", "scripts.helpers.go") not in calls


def test_an_interrupted_multi_batch_run_is_repaired_by_the_next(
    store: GraphStore, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.ingest import pipeline

    gm = graphmem_on(store, tree)
    gm.ingest()
    (tree / "src/shop/util.py").write_text("def log(message: str) -> None:\n    pass\n")
    monkeypatch.setattr(pipeline, "SINGLE_BATCH_LIMIT", 0)
    monkeypatch.setattr(pipeline, "CHUNK", 5)
    calls = {"n": 0}
    original = store.write

    def failing_write(batch: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(batch)

    monkeypatch.setattr(store, "write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        gm.ingest()
    monkeypatch.setattr(store, "write", original)
    gm.ingest()
    assert snapshot(store) == reference(tree, tmp_path)


def test_status_reports_out_of_date_files(store: GraphStore, tree: Path) -> None:
    gm = graphmem_on(store, tree)
    assert not gm.index_status().indexed
    gm.ingest()
    (tree / "src/shop/util.py").write_text("")
    (tree / "scripts/run.py").unlink()
    status = gm.index_status()
    assert status.indexed and status.files_indexed == 8
    assert status.changed == ["src/shop/util.py"] and status.removed == ["scripts/run.py"]


def test_reopening_the_store_keeps_the_index(tmp_path: Path, tree: Path) -> None:
    path = tmp_path / "g.db"
    with GraphMem(Settings(store=str(path)), repo_root=tree) as gm:
        gm.ingest()
    with open_store(str(path)) as reopened:
        report = GraphMem(Settings(), repo_root=tree, store=reopened).ingest()
        assert report.files_parsed == 0 and report.files_unchanged == 8


def test_parallel_chunked_parsing_and_many_batches_give_the_single_batch_graph(
    store: GraphStore, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.ingest import pipeline

    # Workers take one file at a time and every batch is tiny: the graph must not change.
    monkeypatch.setattr(pipeline, "parse_workers", lambda: 2)
    monkeypatch.setattr(pipeline, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(pipeline, "PARSE_CHUNK_BYTES", 1)
    monkeypatch.setattr(pipeline, "SINGLE_BATCH_LIMIT", 0)
    monkeypatch.setattr(pipeline, "CHUNK", 7)
    monkeypatch.setattr(pipeline, "STATE_BATCH_BYTES", 1)
    gm = graphmem_on(store, tree)
    report = gm.ingest()
    assert report.files_parsed == 8 and report.files_resolved == 8
    assert snapshot(store) == reference(tree, tmp_path)
    (tree / "src/shop/util.py").write_text("def log(message: str) -> None:\n    pass\n")
    (tree / "scripts/run.py").unlink()
    again = gm.ingest()
    assert again.files_parsed == 1 and again.files_removed == 1
    assert snapshot(store) == reference(tree, tmp_path)


def test_a_file_reverted_after_an_interrupted_run_is_parsed_again(
    store: GraphStore, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmem.ingest import pipeline

    gm = graphmem_on(store, tree)
    gm.ingest()
    util = tree / "src/shop/util.py"
    original = util.read_bytes()
    util.write_text(original.decode() + "\n\ndef added_then_reverted() -> None:\n    pass\n")
    monkeypatch.setattr(pipeline, "SINGLE_BATCH_LIMIT", 0)
    calls = {"n": 0}
    write = store.write

    def write_until_the_parse_caches(batch: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:  # the dirty mark and the parse caches have landed
            raise KeyboardInterrupt
        write(batch)

    monkeypatch.setattr(store, "write", write_until_the_parse_caches)
    with pytest.raises(KeyboardInterrupt):
        gm.ingest()
    monkeypatch.setattr(store, "write", write)
    util.write_bytes(original)  # back to what the last complete index recorded
    report = gm.ingest()
    assert report.files_parsed >= 1
    assert snapshot(store) == reference(tree, tmp_path)
    names = {n.get("qualified_name") for n in store.iter_nodes(Label.FUNCTION)}
    assert "shop.util.added_then_reverted" not in names
