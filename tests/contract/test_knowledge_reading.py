"""Contract: what the shapes real repositories have become once ingested (both backends, the
real ingester and model): adr-tools' "Superceded", an ADR's date and deciders on its memory,
log4brains packages and test projects, Cursor's own globs, a status-only change, and no
conflict reported between a decision and the one that replaced it."""

from __future__ import annotations

import json
from pathlib import Path

from test_knowledge import ingest, make_repo, open_gm

from graphmem.embed import Embedder
from graphmem.model import Label, Node
from graphmem.store import GraphStore


def adrs(store: GraphStore) -> dict[str, Node]:
    return {
        Path(str(n.get("document_path"))).name[:4]: n
        for n in store.find_nodes(Label.MEMORY, {"repo": "shop"})
        if n.get("document_key") == "adr"
    }


def rules(store: GraphStore) -> dict[str, Node]:
    return {
        str(n.get("text")): n
        for n in store.find_nodes(Label.MEMORY, {"repo": "shop"})
        if n.get("document_path") and n.get("document_key") != "adr"
    }


def test_adr_tools_superceded_supersedes_and_the_pair_is_no_conflict(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    """adr-tools writes "Superceded by" / "Supercedes"; the same ingest that supersedes must
    not report the pair as a possible conflict (sweep repro 14)."""
    root = make_repo(tmp_path, "adr-tools")
    newer = root / "doc/adr/0003-store-amounts-as-decimals.md"
    saved = newer.read_text()
    newer.unlink()
    older = root / "doc/adr/0002-store-amounts-as-floats.md"
    written = older.read_text()
    older.write_text(
        written.replace("Superceded by [3. Store amounts as decimals]", "Accepted\n\n[x]")
    )
    gm = open_gm(store, embedder, root)
    ingest(gm)
    newer.write_text(saved)
    older.write_text(written)
    report = ingest(gm)
    assert report.warnings == [] and report.superseded == 1
    memories = adrs(store)
    old, new = memories["0002"], memories["0003"]
    assert (old.get("status"), new.get("status")) == ("superseded", "active")
    assert [e.memory.id for e in gm.history(new.id)] == [old.id, new.id]
    assert not any(old.id in c and new.id in c for c in report.conflicts), report.conflicts
    assert memories["0004"].get("status") == "active"  # "Amends [...]" is no status


def test_an_adrs_date_and_deciders_date_and_sign_its_memory(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "madr-reasons")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    node = adrs(store)["0002"]
    view = gm.show(node.id).memory
    assert view.valid_from.startswith("2017-12-02T00:00:00")  # `show`: since
    assert view.created_at.startswith("2017-12-02")  # `history`: its date
    assert view.author == "Oliver Kopp, Olaf Zimmermann"  # `show`: by
    assert "because This is common in other markdown files" in view.text
    again = ingest(gm)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # an edit keeps the ADR's date on the new version
    adr = root / "docs/decisions/0002-do-not-use-numbers-in-headings.md"
    adr.write_text(adr.read_text().replace("easily", "at any time"))
    assert ingest(gm).updated == 1
    chain = gm.history(node.id)
    assert len(chain) == 2 and "at any time" in chain[-1].memory.text
    assert gm.show(node.id).memory.valid_from.startswith("2017-12-02")


def test_a_log4brains_package_governs_its_path_and_test_projects_are_left_out(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    gm = open_gm(store, embedder, make_repo(tmp_path, "l4b-packages"))
    report = ingest(gm)
    assert report.warnings == []
    assert report.adr_files == report.created == 2  # no "Lorem ipsum" from integration-tests/
    by_text = {
        str(n.get("text")).split(":")[0]: n
        for n in store.find_nodes(Label.MEMORY, {"repo": "shop"})
        if n.get("document_key") == "adr"
    }
    package = by_text["Return plain dicts from route handlers"]
    assert package.get("anchor_names") == ["src/shop/api"]
    assert package.get("author") == "Ana Lima"
    assert by_text["Expose the shop over HTTP"].get("anchor_names") == [""]  # the repository
    served = {g.memory.id for g in gm.governing("src/shop/billing/tax.py")}
    assert package.id not in served
    assert package.id in {g.memory.id for g in gm.governing("src/shop/api/routes.py")}


def test_rules_files_as_their_tools_write_them(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "rules-shapes")
    gm = open_gm(store, embedder, root)
    report = ingest(gm)
    # the warning points at the front matter's globs: line, not at the first rule
    assert report.warnings == [
        ".cursor/rules/docs.mdc:2: 'docs/*.md' matches no code; scoped to the folders of the"
        " files it matches",
        ".cursor/rules/protobuf.mdc:3: '*.proto' matches no code; scoped to its folder",
    ]
    memories = rules(store)
    proto = memories["Never edit the generated `*_pb2.py` files by hand"]
    assert sorted(proto.get("anchor_names") or []) == [
        "shop.billing",
        "shop.billing.invoices",
        "shop.billing.tax",
    ]  # Cursor's unquoted globs, not the whole repository
    assert memories["ANTI-PATTERNS: avoid `as any` to bypass type checks"].has(Label.CONSTRAINT)
    assert memories["CONVENTIONS: In Python code: Keep Python lines at 79 characters"].has(
        Label.CONSTRAINT
    )
    assert memories["RELEASES: Do NOT: add the `v` prefix to the `VERSION` file"].has(
        Label.CONSTRAINT
    )
    assert "Round money half to even." in {
        g.memory.text for g in gm.governing("src/shop/billing/tax.py")
    }
    assert "Round money half to even." not in {
        g.memory.text for g in gm.governing("src/shop/api/routes.py")
    }
    api = {g.memory.text for g in gm.governing("src/shop/api/routes.py")}
    assert "Validate input in route handlers." in api
    assert "Name money variables after their currency." not in api
    assert not any("```" in t or t.startswith("|") or "@AGENTS.md" in t for t in memories)


def test_a_status_change_alone_adds_no_version_that_repeats_the_text(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "madr2")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    adr = root / "docs/adr/0002-cache-tax-rates.md"
    adr.write_text(adr.read_text().replace("Status: proposed", "Status: accepted"))
    report = ingest(gm)
    assert report.updated == 1
    node = adrs(store)["0002"]
    assert "proposed" not in (node.get("tags") or [])
    assert [e.memory.id for e in gm.history(node.id)] == [node.id]  # no .r1 with the same text
    [event] = [e for e in gm.events(node.id) if e.action == "revise"]
    assert json.loads(event.details or "{}")["tags"] == {"added": [], "removed": ["proposed"]}
