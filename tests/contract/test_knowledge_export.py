"""Contract: memories out as AGENTS.md blocks, Claude / Cursor rules and MADR files, on both
backends: idempotent, everything outside graphmem's block untouched, and ingesting the files
back gives the same memories (no duplicate, same id)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from test_knowledge import by_file, ingest, make_repo, open_gm

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.knowledge.documents import BLOCK_BEGIN, BLOCK_END
from graphmem.model import Label
from graphmem.store import GraphStore, open_store


def remembered(gm: GraphMem) -> tuple[str, str, str]:
    """A repository-wide constraint, a decision on a folder, and a decision on a function."""
    repo_wide = gm.remember("constraint", "Never log card numbers.").memory.id
    folder = gm.remember(
        "decision",
        "Invoices are immutable once sent.",
        ["src/shop/billing/"],
        rationale="Auditors require it.",
        tags=["billing"],
    ).memory.id
    function = gm.remember(
        "decision", "Tax is rounded half to even.", ["src/shop/billing/tax.py::compute_tax"]
    ).memory.id
    return repo_wide, folder, function


def test_agents_md_block_is_idempotent_and_leaves_the_rest_alone(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "rules")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    repo_wide, folder, function = remembered(gm)
    before = (root / "AGENTS.md").read_text()
    outside_before = before[: before.index(BLOCK_BEGIN)]

    result = gm.export_documents("agents-md")
    assert sorted(result.written) == ["AGENTS.md", "CLAUDE.md", "src/shop/billing/AGENTS.md"]
    top = (root / "AGENTS.md").read_text()
    assert top.startswith(outside_before)  # the hand-written part, as it was
    assert top.count(BLOCK_BEGIN) == top.count(BLOCK_END) == 1
    block = top[top.index(BLOCK_BEGIN) :]
    assert f"`{repo_wide}`: Never log card numbers." in block
    assert folder not in block and "written by graphmem" not in block  # the old block replaced
    assert "Never commit credentials" not in block  # rules from files are not echoed back
    nested = (root / "src/shop/billing/AGENTS.md").read_text()
    assert nested.startswith("# Billing\n\n- Money is always")
    assert f"`{folder}`: Invoices are immutable once sent." in nested
    assert (
        f"`{function}`: Tax is rounded half to even. (governs `shop.billing.tax.compute_tax`)"
        in nested
    )
    assert f"`{repo_wide}`" in (root / "CLAUDE.md").read_text()

    again = gm.export_documents("agents-md")
    assert again.written == [] and again.removed == []
    report = ingest(gm)
    assert (report.created, report.updated, report.retracted) == (0, 0, 0)

    gm.retract(folder)
    gm.retract(function)
    gm.export_documents("agents-md")
    assert folder not in (root / "src/shop/billing/AGENTS.md").read_text()
    assert BLOCK_BEGIN not in (root / "src/shop/billing/AGENTS.md").read_text()


def test_claude_and_cursor_rules_follow_the_governs_scope(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path)
    gm = open_gm(store, embedder, root)
    ingest(gm)
    repo_wide, folder, function = remembered(gm)

    claude = gm.export_documents("claude-rules")
    assert sorted(claude.written) == sorted(
        [
            ".claude/rules/graphmem-repository.md",
            ".claude/rules/graphmem-src-shop-billing.md",
            ".claude/rules/graphmem-src-shop-billing-tax-py.md",
        ]
    )
    text = (root / ".claude/rules/graphmem-src-shop-billing.md").read_text()
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["paths"] == ["src/shop/billing/**"]
    assert folder in text and function not in text
    repo_file = (root / ".claude/rules/graphmem-repository.md").read_text()
    assert "paths" not in yaml.safe_load(repo_file.split("---")[1]) and repo_wide in repo_file

    cursor = gm.export_documents("cursor-rules")
    assert len(cursor.written) == 3
    mdc = yaml.safe_load(
        (root / ".cursor/rules/graphmem-src-shop-billing-tax-py.mdc").read_text().split("---")[1]
    )
    assert (mdc["globs"], mdc["alwaysApply"]) == ("src/shop/billing/tax.py", False)

    assert gm.export_documents("claude-rules").written == []
    report = ingest(gm)
    assert (report.created, report.rules_files) == (0, 6)  # graphmem's own files are not read back

    gm.retract(function)
    removed = gm.export_documents("cursor-rules")
    assert removed.removed == [".cursor/rules/graphmem-src-shop-billing-tax-py.mdc"]


def test_adr_export_round_trips_to_the_same_memories(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "madr3")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    _, folder, _ = remembered(gm)
    newer = gm.remember(
        "decision",
        "Sent invoices are corrected by credit notes.\nNever by editing them.",
        ["src/shop/billing/"],
        rationale="Auditors require it; customers need a document for every change.",
        supersedes=[folder],
    ).memory.id
    before = {n.id: dict(n.properties) for n in store.find_nodes(Label.DECISION, {"repo": "shop"})}

    result = gm.export_documents("adr")
    names = sorted(Path(p).name for p in result.written)
    assert len(names) == 3 and all(p.startswith("docs/decisions/") for p in result.written)
    assert names[0].startswith("0004-")  # numbered after the ADRs already there
    by_id = {}
    for rel in result.written:
        text = (root / rel).read_text()
        by_id[yaml.safe_load(text.split("---")[1])["graphmem"]["id"]] = text
    newer_file = next(p for p in result.written if newer in (root / p).read_text())
    assert "superseded by ADR-" + Path(newer_file).name[:4] in by_id[folder]  # as MADR writes
    assert yaml.safe_load(by_id[newer].split("---")[1])["graphmem"]["supersedes"] == [folder]

    report = ingest(gm)
    assert (report.created, report.updated, report.superseded, report.retracted) == (0, 0, 0, 0)
    assert report.warnings == []
    after = {n.id: n for n in store.find_nodes(Label.DECISION, {"repo": "shop"})}
    assert set(after) == set(before)  # no duplicate, same ids
    for memory_id, props in before.items():
        for key in ("text", "rationale", "status", "tags", "anchor_ids"):
            assert after[memory_id].get(key) == props.get(key), (memory_id, key)
    assert gm.export_documents("adr").written == []  # idempotent

    # A teammate with no server: a fresh store, the same files, the same memories.
    with open_store(str(tmp_path / "teammate.db")) as theirs:
        mate = open_gm(theirs, embedder, root)
        ingest(mate)
        mine = {m: (after[m].get("text"), after[m].get("status")) for m in (folder, newer)}
        got = {
            m: (n.get("text"), n.get("status"))
            for m in (folder, newer)
            if (n := theirs.get_node(m))
        }
        assert got == mine
        assert [e.memory.id for e in mate.history(newer)] == [folder, newer]
        assert "0003-round-half-even.md" in by_file(theirs)


def test_adr_export_follows_the_folders_naming(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "log4brains")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    gm.remember("decision", "Sessions expire after one idle hour.", ["src/shop/api/"])
    [written] = gm.export_documents("adr").written
    folder, name = written.rsplit("/", 1)
    assert folder == "docs/architecture-log"  # from .log4brains.yml
    assert re.fullmatch(r"\d{8}-sessions-expire-after-one-idle-hour\.md", name)
    assert ingest(gm).created == 0
