"""Contract: staleness and re-anchoring after real edits, moves, renames and deletions, with the
real ingester (`GraphMem.ingest` runs `refresh_anchors` at its end)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from test_memory_support import make_gm

from graphmem.api import GraphMem
from graphmem.errors import ConflictError
from graphmem.model import Label, RelType
from graphmem.store import Direction, GraphStore, WriteBatch

INVOICES = """\
class InvoiceService:
    def create(self, amount):
        return {"amount": amount}

    def void(self, invoice):
        invoice["void"] = True
        return invoice
"""
CREDIT_NOTES = """\
class CreditNotes:
    def void(self, invoice):
        invoice["voided"] = True
        return invoice
"""
TAX = """\
def compute_tax(amount):
    return amount * 0.2
"""


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def gm(store: GraphStore, embedder: Any, tmp_path: Path) -> GraphMem:
    gm = make_gm(store, embedder, tmp_path)
    write(gm.repo_root, "billing/__init__.py", "")
    write(gm.repo_root, "billing/invoices.py", INVOICES)
    write(gm.repo_root, "billing/tax.py", TAX)
    gm.ingest()
    return gm


def states(gm: GraphMem, memory_id: str) -> list[str]:
    return [a.state for a in gm.show(memory_id).staleness.anchors]


def test_edit_makes_memory_possibly_stale_until_acknowledged(gm: GraphMem) -> None:
    on_create = gm.remember(
        "constraint", "create() never rounds", ["billing.invoices.InvoiceService.create"]
    )
    on_void = gm.remember(
        "constraint", "void() keeps the row", ["billing.invoices.InvoiceService.void"]
    )
    assert gm.stale().memories == []

    write(
        gm.repo_root,
        "billing/invoices.py",
        INVOICES.replace('{"amount": amount}', '{"amount": round(amount)}'),
    )
    gm.ingest()

    report = gm.stale()
    assert [e.memory.id for e in report.memories] == [on_create.memory.id]
    assert report.memories[0].staleness.possibly_stale
    assert states(gm, on_create.memory.id) == ["changed"]
    assert states(gm, on_void.memory.id) == ["ok"]
    served = {g.memory.id: g for g in gm.governing("billing/invoices.py")}
    assert served[on_create.memory.id].staleness.possibly_stale
    assert not served[on_void.memory.id].staleness.possibly_stale

    gm.acknowledge(on_create.memory.id)
    assert gm.stale().memories == []
    assert [e.action for e in gm.events(on_create.memory.id)][0] == "acknowledge"


def test_moved_file_reanchors_by_content_hash(gm: GraphMem, store: GraphStore) -> None:
    on_fn = gm.remember("decision", "Tax is 20 percent", ["billing.tax.compute_tax"])
    on_module = gm.remember("fact", "Tax rules live in one module", ["billing/tax.py"])
    (gm.repo_root / "billing/tax.py").rename(gm.repo_root / "billing/taxes.py")
    report = gm.ingest()
    assert report.files_removed == 1

    stale = gm.stale()
    assert stale.memories == []
    [fn_edge] = store.edges([on_fn.memory.id], [RelType.GOVERNS], Direction.OUT)
    assert store.get_node(fn_edge.target).get("qualified_name") == "billing.taxes.compute_tax"
    [module_edge] = store.edges([on_module.memory.id], [RelType.GOVERNS], Direction.OUT)
    assert store.get_node(module_edge.target).get("path") == "billing/taxes.py"
    actions = [(e.action, e.details) for e in gm.events(on_fn.memory.id)]
    assert actions[0][0] == "reanchor" and '"rule": "content_hash"' in str(actions[0][1])
    assert [g.memory.id for g in gm.governing("billing/taxes.py")] == [
        on_module.memory.id,
        on_fn.memory.id,
    ]


def test_moved_and_edited_method_reanchors_by_name_and_stays_suspect(gm: GraphMem) -> None:
    on_void = gm.remember(
        "constraint", "void() keeps the row", ["billing.invoices.InvoiceService.void"]
    )
    moved = INVOICES.split("    def void")[0].rstrip() + "\n\n\n" + CREDIT_NOTES
    write(gm.repo_root, "billing/invoices.py", moved)
    gm.ingest()
    view = gm.show(on_void.memory.id)
    assert view.staleness.possibly_stale and not view.staleness.orphaned
    [status] = view.staleness.anchors
    assert status.anchor.qualified_name == "billing.invoices.CreditNotes.void"
    [event] = [e for e in gm.events(on_void.memory.id) if e.action == "reanchor"]
    assert '"rule": "name_in_module"' in str(event.details)


def test_a_renamed_method_takes_its_memory_along_to_be_looked_at(gm: GraphMem) -> None:
    """A rename is the commonest refactor: the text is the same but for the name, so the
    memory follows it (possibly stale: it may name the old one); renamed and rewritten is gone."""
    on_create = gm.remember(
        "fact", "create() stores cents", ["billing.invoices.InvoiceService.create"]
    )
    on_void = gm.remember(
        "constraint", "void() keeps the row", ["billing.invoices.InvoiceService.void"]
    )
    renamed = INVOICES.replace("def create(", "def make(").replace(
        'def void(self, invoice):\n        invoice["void"] = True',
        'def cancel(self, invoice):\n        invoice["cancelled"] = True',
    )
    write(gm.repo_root, "billing/invoices.py", renamed)
    report = gm.ingest()
    assert len(report.renamed) == 1
    view = gm.show(on_create.memory.id)
    assert view.staleness.possibly_stale and not view.staleness.orphaned
    [status] = view.staleness.anchors
    assert status.anchor.qualified_name == "billing.invoices.InvoiceService.make"
    [event] = [e for e in gm.events(on_create.memory.id) if e.action == "reanchor"]
    assert '"rule": "renamed"' in str(event.details)
    assert gm.show(on_void.memory.id).staleness.orphaned  # renamed and its body rewritten


def test_deleted_code_orphans_the_memory_and_it_is_still_served(gm: GraphMem) -> None:
    on_void = gm.remember(
        "constraint", "void() keeps the row", ["billing.invoices.InvoiceService.void"]
    )
    write(gm.repo_root, "billing/invoices.py", INVOICES.split("    def void")[0])
    gm.ingest()

    report = gm.stale()
    assert [e.memory.id for e in report.memories] == [on_void.memory.id]
    assert report.memories[0].staleness.orphaned
    assert report.refresh.orphaned == [on_void.memory.id]
    # served, flagged, where the code used to be
    [served] = gm.governing("billing/invoices.py")
    assert served.memory.id == on_void.memory.id and served.staleness.orphaned
    assert served.applies[0].entity.endswith("(vanished)")
    assert [g.memory.id for g in gm.governing("billing/")] == [on_void.memory.id]
    assert gm.governing("billing/tax.py") == []
    with pytest.raises(ConflictError):
        gm.acknowledge(on_void.memory.id)
    # the code comes back unchanged: re-anchored (same id, so the edge is simply restored)
    write(gm.repo_root, "billing/invoices.py", INVOICES)
    gm.ingest()
    assert gm.stale().memories == []
    assert not gm.show(on_void.memory.id).staleness.orphaned


def test_rewritten_entities_keep_their_memories(gm: GraphMem, store: GraphStore) -> None:
    """An ingester may delete and re-create a node under the same id: the edge is restored."""
    on_tax = gm.remember("decision", "Tax is 20 percent", ["billing.tax.compute_tax"])
    [edge] = store.edges([on_tax.memory.id], [RelType.GOVERNS], Direction.OUT)
    node = store.get_node(edge.target)
    assert node is not None

    store.write(WriteBatch(delete_nodes=[node.id]))
    store.write(WriteBatch(upsert_nodes=[node]))
    report = gm.refresh_anchors()
    assert report.restored_edges == 1
    [again] = store.edges([on_tax.memory.id], [RelType.GOVERNS], Direction.OUT)
    assert again.properties["content_hash"] == edge.properties["content_hash"]
    assert gm.stale().memories == []


def test_repository_wide_memory_is_not_stale_when_files_are_added(
    gm: GraphMem, store: GraphStore
) -> None:
    everywhere = gm.remember("fact", "All amounts are in cents")
    write(gm.repo_root, "README.md", "# shop\n")
    write(gm.repo_root, "scripts/run.py", "print('hi')\n")
    gm.ingest()
    assert store.find_nodes(Label.REPOSITORY, {"repo": gm.repo})
    assert gm.stale().memories == []
    assert not gm.show(everywhere.memory.id).staleness.possibly_stale


def test_the_markdown_digest_flags_what_no_longer_holds_for_sure(gm: GraphMem) -> None:
    on_tax = gm.remember("decision", "Tax is 20 percent", ["billing.tax.compute_tax"])
    on_void = gm.remember(
        "constraint", "void() keeps the row", ["billing.invoices.InvoiceService.void"]
    )
    write(gm.repo_root, "billing/tax.py", TAX.replace("0.2", "0.21"))
    write(gm.repo_root, "billing/invoices.py", INVOICES.split("    def void")[0])
    gm.ingest()
    lines = {line.split("`")[1]: line for line in gm.export_markdown().splitlines() if "`" in line}
    assert "*(possibly stale: its code changed)*" in lines[on_tax.memory.id]
    assert "*(orphaned: its code is gone)*" in lines[on_void.memory.id]
