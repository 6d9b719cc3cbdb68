"""Contract: ADRs and rules files in (statuses, supersession, scope, edits, deletions, bad
input) on both backends, with the real ingester and the real embedding model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.knowledge.documents import Entry, SyncReport
from graphmem.knowledge.scoping import EntryScope
from graphmem.knowledge.sync import document_memory_id
from graphmem.model import Label, MemoryKind, MemoryStatus, Node
from graphmem.settings import Settings
from graphmem.store import GraphStore, open_store

FIXTURES = Path(__file__).parents[1] / "fixtures" / "knowledge"


def make_repo(tmp_path: Path, *layers: str) -> Path:
    """The fixture code base with the given fixture folders laid over it."""
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "code", root)
    for layer in layers:
        shutil.copytree(FIXTURES / layer, root, dirs_exist_ok=True)
    return root


def open_gm(store: GraphStore, embedder: Embedder, root: Path) -> GraphMem:
    settings = Settings(author="ana", user="ana", branch="main")
    return GraphMem(settings, repo_root=root, store=store, embedder=embedder)


def ingest(gm: GraphMem) -> SyncReport:
    report = gm.ingest(history=0)
    assert report.documents is not None
    return report.documents


def by_file(store: GraphStore) -> dict[str, Node]:
    """File-backed memories by file name (ADRs) or by text (rules)."""
    found = {}
    for node in store.find_nodes(Label.MEMORY, {"repo": "shop"}):
        path = node.get("document_path")
        if path:
            found[
                Path(str(path)).name if node.get("document_key") == "adr" else node.get("text")
            ] = node
    return found


def anchors(node: Node) -> list[str]:
    return sorted(str(a) for a in node.get("anchor_names") or [])


# -- ADRs in, per format -------------------------------------------------------------------

EXPECTED = {
    "nygard": {
        "0001-record-architecture-decisions.md": ("active", []),
        "0002-store-money-as-integer-cents.md": ("superseded", ["src/shop/billing"]),
        "0003-store-money-as-decimal.md": ("active", ["shop.billing.tax.compute_tax"]),
        "0004-send-invoice-emails-with-celery.md": ("retracted", []),
    },
    "madr2": {
        "0001-expose-invoices-over-http.md": ("active", ["shop.api.routes"]),
        "0002-cache-tax-rates.md": ("active", ["shop.billing.tax"]),
        "0003-number-invoices-per-year.md": ("retracted", []),
    },
    "madr3": {
        "0001-void-invoices-instead-of-deleting.md": (
            "active",
            ["shop.billing.invoices.InvoiceService.void"],
        ),
        "0002-round-half-up.md": ("superseded", []),
        "0003-round-half-even.md": ("active", ["shop.billing.tax"]),
    },
    "madr4": {
        "0001-keep-invoice-totals-in-memory.md": (  # names `InvoiceService` bare
            "superseded",
            ["shop.billing.invoices.InvoiceService"],
        ),
        "0002-persist-invoice-totals.md": ("active", ["shop.billing.invoices.InvoiceService"]),
    },
    "log4brains": {
        "20240105-keep-sessions-in-redis.md": ("superseded", ["src/shop/api"]),
        "20240301-keep-sessions-in-postgres.md": ("active", []),
        "20240402-draft-rate-limits.md": ("active", ["shop.api.routes.create_invoice_route"]),
    },
}
SUPERSESSIONS = {
    "nygard": ("0002-store-money-as-integer-cents.md", "0003-store-money-as-decimal.md"),
    "madr3": ("0002-round-half-up.md", "0003-round-half-even.md"),
    "madr4": ("0001-keep-invoice-totals-in-memory.md", "0002-persist-invoice-totals.md"),
    "log4brains": ("20240105-keep-sessions-in-redis.md", "20240301-keep-sessions-in-postgres.md"),
}


@pytest.mark.parametrize("fmt", sorted(EXPECTED))
def test_adrs_become_decisions_with_status_scope_and_supersession(
    store: GraphStore, embedder: Embedder, tmp_path: Path, fmt: str
) -> None:
    gm = open_gm(store, embedder, make_repo(tmp_path, fmt))
    report = ingest(gm)
    assert report.warnings == []
    assert report.adr_files == report.created == len(EXPECTED[fmt])
    memories = by_file(store)
    got = {name: (n.get("status"), anchors(n)) for name, n in memories.items()}
    expected = {
        name: (status, names or [""]) for name, (status, names) in EXPECTED[fmt].items()
    }  # no name: the repository, whose qualified name is ''
    assert got == expected
    assert all(n.has(Label.DECISION) for n in memories.values())
    if fmt in SUPERSESSIONS:
        old, new = (memories[name].id for name in SUPERSESSIONS[fmt])
        chain = [entry.memory.id for entry in gm.history(new)]
        assert chain == [old, new]
    again = ingest(gm)
    assert (again.created, again.updated, again.superseded, again.retracted) == (0, 0, 0, 0)


def test_ids_are_derived_from_the_file_so_every_clone_agrees(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    gm = open_gm(store, embedder, make_repo(tmp_path, "madr3"))
    ingest(gm)
    with open_store(str(tmp_path / "clone.db")) as theirs:
        clone = open_gm(theirs, embedder, make_repo(tmp_path / "clone", "madr3"))
        ingest(clone)
        assert {n: m.id for n, m in by_file(theirs).items()} == {
            n: m.id for n, m in by_file(store).items()
        }
    path = "docs/decisions/0003-round-half-even.md"
    expected = document_memory_id(MemoryKind.DECISION, "shop", path, "adr")
    assert by_file(store)["0003-round-half-even.md"].id == expected


def test_proposed_adrs_are_served_marked_and_rejected_only_with_history(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    gm = open_gm(store, embedder, make_repo(tmp_path, "madr2"))
    ingest(gm)
    served = {
        g.memory.text.split(":")[0]: g.memory for g in gm.governing("src/shop/billing/tax.py")
    }
    assert "proposed" in served["Cache tax rates per country"].tags
    assert "Number invoices per year" not in served
    with_history = [g.memory.text for g in gm.governing(".", include_history=True)]
    assert any(t.startswith("Number invoices per year") for t in with_history)


# -- edits, deletions, restorations ----------------------------------------------------------


def test_an_edited_adr_keeps_its_id_and_its_old_text_in_history(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "nygard")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    name = "0003-store-money-as-decimal.md"
    before = by_file(store)[name]
    adr = root / "doc/architecture/decisions" / name
    adr.write_text(adr.read_text().replace("rounds to cents", "rounds half to even"))
    report = ingest(gm)
    assert (report.created, report.updated) == (0, 1)
    after = by_file(store)[name]
    assert after.id == before.id and after.get("status") == MemoryStatus.ACTIVE
    assert "rounds half to even" in str(after.get("text"))
    chain = gm.history(after.id)
    texts = [entry.memory.text for entry in chain]
    assert texts[-1] == after.get("text")
    assert before.get("text") in texts[:-1]  # the earlier version, kept
    assert any(e.action == "revise" for e in gm.events(after.id))
    assert anchors(after) == ["shop.billing.tax.compute_tax"]


def test_deleted_files_are_retracted_and_come_back_when_restored(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "nygard", "rules")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    adr = root / "doc/architecture/decisions/0001-record-architecture-decisions.md"
    saved = adr.read_text()
    adr.unlink()
    nested = root / "src/shop/billing/AGENTS.md"
    nested.write_text(
        nested.read_text().replace(
            "- Tax rounding lives in one function: change it only with a test.\n", ""
        )
    )
    report = ingest(gm)
    assert report.retracted == 2
    memories = by_file(store)
    assert memories["0001-record-architecture-decisions.md"].get("status") == "retracted"
    rule = "Tax rounding lives in one function: change it only with a test."
    assert memories[rule].get("status") == "retracted"
    served = [g.memory.text for g in gm.governing("src/shop/billing/tax.py")]
    assert rule not in served
    adr.write_text(saved)
    report = ingest(gm)
    assert report.restored == 1
    assert by_file(store)["0001-record-architecture-decisions.md"].get("status") == "active"


def test_a_status_change_in_the_file_is_followed(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "madr2")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    adr = root / "docs/adr/0002-cache-tax-rates.md"
    adr.write_text(adr.read_text().replace("Status: proposed", "Status: accepted"))
    rejected = root / "docs/adr/0001-expose-invoices-over-http.md"
    rejected.write_text(rejected.read_text().replace("Status: accepted", "Status: rejected"))
    report = ingest(gm)
    assert report.retracted == 1
    memories = by_file(store)
    cache = memories["0002-cache-tax-rates.md"]
    assert cache.get("status") == "active" and "proposed" not in (cache.get("tags") or [])
    assert memories["0001-expose-invoices-over-http.md"].get("status") == "retracted"


# -- rules files ------------------------------------------------------------------------------


def test_rules_are_scoped_by_their_files_convention(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    gm = open_gm(store, embedder, make_repo(tmp_path, "rules"))
    report = ingest(gm)
    assert report.rules_files == 8 and report.created == report.entries == 18
    assert report.warnings == []

    def served(target: str) -> set[str]:
        return {g.memory.text for g in gm.governing(target)}

    tax = served("src/shop/billing/tax.py")
    assert "Money is always `decimal.Decimal`; never use float for amounts." in tax
    assert "Tax rates are looked up, never hard-coded in call sites." in tax
    # the root AGENTS.md governs everything
    assert "Style: Public functions are fully typed." in tax
    assert "Route handlers must validate input before calling a service." not in tax
    routes = served("src/shop/api/routes.py")
    assert "Route handlers must validate input before calling a service." in routes
    assert "Money is always `decimal.Decimal`; never use float for amounts." not in routes
    assert "Tests must not talk to the network." in served("tests/test_tax.py")
    assert "Tests must not talk to the network." not in routes
    memories = by_file(store)
    assert memories["Tests must not talk to the network."].has(Label.CONSTRAINT)
    assert memories["Style: Public functions are fully typed."].has(Label.FACT)
    secret = [t for t in memories if "Deploy token" in str(t)]
    assert secret and "AKIAIOSFODNN7EXAMPLE" not in secret[0] and "[REDACTED:" in secret[0]
    assert not any("written by graphmem" in str(t) for t in memories)


def test_a_rule_that_names_code_governs_that_code(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    """openai-agents-python's AGENTS.md says "keep `src/agents/run.py` thin": an edit of that
    file should bring the rule up, not every edit of the repository equally."""
    root = make_repo(tmp_path)
    many = "".join(f"- Release train {i} ships on a Thursday.\n" for i in range(1, 12))
    (root / "AGENTS.md").write_text(
        "- Route handlers in `src/shop/api/routes.py` return JSON only.\n"
        "- Keep `src/shop/legacy.py` untouched.\n" + many  # no such file: the repository
    )
    (root / "src/shop/billing/AGENTS.md").write_text(
        "- Rounding in `tax.py` is half-even.\n"  # inside this file's folder
    )
    gm = open_gm(store, embedder, root)
    ingest(gm)

    def served(target: str) -> set[str]:
        return {g.memory.text for g in gm.governing(target)}

    json_only = "Route handlers in `src/shop/api/routes.py` return JSON only."
    half_even = "Rounding in `tax.py` is half-even."
    legacy = "Keep `src/shop/legacy.py` untouched."
    assert json_only in served("src/shop/api/routes.py")
    assert json_only not in served("src/shop/billing/tax.py")
    assert half_even in served("src/shop/billing/tax.py")
    assert half_even not in served("src/shop/billing/invoices.py")
    assert legacy in served("src/shop/billing/invoices.py")
    assert anchors(by_file(store)[half_even]) == ["shop.billing.tax"]  # the module

    # context lists a file's first ten repository-wide rules, in its order, and counts the rest
    routes = gm.context("src/shop/api/routes.py")
    listed = {m.text for m in routes.memories}
    assert json_only in listed and legacy in listed and len(listed) == 11
    assert "Release train 9 ships on a Thursday." in listed
    assert "Release train 10 ships on a Thursday." not in listed
    assert routes.repository_rules == {"AGENTS.md": 2}
    assert len(gm.context("src/shop/api/routes.py", all_rules=True).memories) == 13
    assert len(gm.context(".").memories) == 14 and gm.context(".").repository_rules == {}


def test_an_adr_governs_the_definition_it_names_bare_and_the_file_it_links_at_a_revision(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    """Adyen's ADRs name `createSessionRequest` and link their code as
    https://github.com/<org>/<repo>/blob/<sha>/<path>#L52: both anchored them to nothing."""
    root = make_repo(tmp_path)
    for name in ("a", "b"):  # one name defined twice: which one is meant cannot be told
        (root / f"src/shop/{name}.py").write_text("def make_receipt():\n    return 1\n")
    adr = root / "docs/adr"
    adr.mkdir(parents=True)
    (adr / "0001-tax-in-one-place.md").write_text(
        "# 1. Tax in one place\n\nDate: 2024-01-02\n\n## Status\n\nAccepted\n\n"
        "## Decision\n\nTax is computed by `compute_tax` only, never by `make_receipt`; the "
        "`create` methods call it.\n"
    )
    (adr / "0002-json-routes.md").write_text(
        "# 2. JSON routes\n\nDate: 2024-01-03\n\n## Status\n\nAccepted\n\n## Decision\n\n"
        "Routes return JSON, as [the route](https://github.com/acme/shop/blob/0a1b2c3/"
        "src/shop/api/routes.py#L8) does; like https://github.com/other/lib/blob/main/lib/x.py.\n"
    )
    gm = open_gm(store, embedder, root)
    ingest(gm)
    found = by_file(store)
    assert anchors(found["0001-tax-in-one-place.md"]) == ["shop.billing.tax.compute_tax"]
    assert anchors(found["0002-json-routes.md"]) == ["shop.api.routes"]


def test_a_deprecated_adr_is_reported_in_conflict_with_nothing(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    """Adyen's deprecated ADR 2 and its successor 11 (no "Superseded by" line) came out of the
    sync as a possible conflict."""
    root = make_repo(tmp_path)
    adr = root / "docs/adr"
    adr.mkdir(parents=True)
    decision = "We match notifications to payments by the payment key."
    for number, status in ((1, "Deprecated"), (2, "Accepted"), (3, "Accepted")):
        (adr / f"000{number}-matching.md").write_text(
            f"# {number}. Matching\n\n## Status\n\n{status}\n\n## Decision\n\n{decision}\n"
        )
    report = ingest(open_gm(store, embedder, root))
    found = by_file(store)
    ids = {name: node.id for name, node in found.items()}
    assert found["0001-matching.md"].get("status") == MemoryStatus.RETRACTED
    assert not any(ids["0001-matching.md"] in c for c in report.conflicts), report.conflicts
    assert any(
        ids["0003-matching.md"] in c and ids["0002-matching.md"] in c for c in report.conflicts
    ), report.conflicts


def test_a_glob_over_many_modules_governs_their_folder_and_a_miss_is_said_once(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    """tRPC's `globs: ['**/*.ts', '**/*.md']`: the first matched hundreds of modules and was
    reported as matching none, once for every rule of the file."""
    root = make_repo(tmp_path)
    for i in range(60):
        (root / f"src/shop/gen_{i}.py").write_text(f"def f{i}():\n    return {i}\n")
    (root / ".cursor/rules").mkdir(parents=True)
    (root / ".cursor/rules/style.mdc").write_text(
        "---\nglobs: ['**/*.py', '**/*.md']\n---\n"
        "- Functions return early instead of nesting.\n- Names are spelled out in full.\n"
    )
    gm = open_gm(store, embedder, root)
    report = ingest(gm)
    assert [w.split(": ", 1)[1] for w in report.warnings] == [
        "'**/*.md' matches no code; scoped to its folder"
    ]
    served = {g.memory.text for g in gm.governing("src/shop/gen_7.py")}
    assert "Functions return early instead of nesting." in served


def test_an_edited_rule_replaces_the_old_one(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "rules")
    gm = open_gm(store, embedder, root)
    ingest(gm)
    claude = root / "CLAUDE.md"
    claude.write_text(claude.read_text().replace("one thing", "one thing, with tests"))
    report = ingest(gm)
    assert (report.created, report.retracted) == (1, 1)
    memories = by_file(store)
    assert (
        memories["Prefer small pull requests that change one thing."].get("status") == "retracted"
    )
    assert (
        memories["Prefer small pull requests that change one thing, with tests."].get("status")
        == "active"
    )


# -- bad input --------------------------------------------------------------------------------


def test_bad_input_is_reported_by_file_and_line_and_the_rest_imported(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "bad")
    (root / "AGENTS.md").write_text("- Always check the docs.\n" * 300_000)  # ~7 MB
    gm = open_gm(store, embedder, root)
    report = ingest(gm)
    warnings = "\n".join(report.warnings)
    assert "docs/adr/0001-malformed-front-matter.md:3: malformed front matter" in warnings
    assert "docs/adr/0002-supersedes-a-missing-one.md:1: supersedes" in warnings
    assert "which is no ADR here" in warnings
    assert "docs/adr/0003-cycle-a.md:1: supersession" in warnings and "part of a cycle" in warnings
    assert (
        "docs/adr/0006-claims-the-same-id.md:7: claims id d-0badc0de, already claimed by "
        "docs/adr/0005-claims-an-id.md:7" in warnings
    )
    assert "AGENTS.md:1: " in warnings and "limit for a rules file; not read" in warnings
    assert "docs/adr/0007-unknown-status.md:3: unknown ADR status 'Maybe next year'" in warnings
    assert report.created == 6  # everything but the second claim of one id and the huge file
    claimed = store.get_node("d-0badc0de")
    assert claimed is not None and claimed.get("text") == "Invoices are archived after ten years."
    memories = by_file(store)
    assert memories["0001-malformed-front-matter.md"].get("status") == "active"
    assert {memories[n].get("status") for n in ("0003-cycle-a.md", "0004-cycle-b.md")} == {
        "retracted"
    }
    again = ingest(gm)
    assert (again.created, again.updated, again.retracted, again.restored) == (0, 0, 0, 0)


def test_file_backed_and_hand_written_memories_sit_side_by_side_with_conflicts_reported(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    gm = open_gm(store, embedder, make_repo(tmp_path, "rules"))
    mine = gm.remember("fact", "All public functions are fully typed.").memory.id
    report = ingest(gm)
    rule = by_file(store)["Style: Public functions are fully typed."]
    assert any(f"{rule.id} may conflict with {mine}" in c for c in report.conflicts)
    served = {g.memory.id for g in gm.governing("src/shop/billing/tax.py")}
    assert {mine, rule.id} <= served  # nothing superseded without being asked


def test_close_rules_of_one_file_are_not_reported_as_conflicts(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    """zod's AGENTS.md gave ten reports of its own test rules clashing with each other."""
    root = make_repo(tmp_path)
    rules = ["Every new feature needs test coverage.", "Every bug fix needs test coverage."]
    (root / "AGENTS.md").write_text("".join(f"- {r}\n" for r in rules))
    (root / "src/AGENTS.md").write_text("- Every new feature needs tests in TypeScript.\n")
    gm = open_gm(store, embedder, root)
    report = ingest(gm)
    ids = {n.get("text"): n.id for n in by_file(store).values()}
    clashes = [c for c in report.conflicts if c.startswith("AGENTS.md")]
    assert clashes == []  # both lines of the root file are one topic, written together
    nested = [c for c in report.conflicts if c.startswith("src/AGENTS.md")]
    assert any(ids[rules[0]] in c for c in nested), report.conflicts  # another file: reported


def test_names_resolve_as_targets_then_as_services(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path)
    (root / "web").mkdir()
    (root / "web/package.json").write_text('{"name": "@shop/web", "version": "1.0.0"}')
    gm = open_gm(store, embedder, root)
    ingest(gm)
    entry = Entry(
        path="docs/adr/0001-x.md",
        key="adr",
        line=1,
        format="nygard",
        kind=MemoryKind.DECISION,
        text="x",
        governs=["src/shop/api/", "shop", "@shop/web", "no/such/thing.py"],
    )
    warnings: list[str] = []
    targets = EntryScope(store, "shop").targets(entry, warnings)
    got = [n.get("qualified_name") or n.get("path") for n in targets]
    assert got == ["src/shop/api", "shop", "service:@shop/web"]  # the package `shop` comes first
    assert warnings == []


def test_an_unchanged_sync_never_loads_the_model(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    root = make_repo(tmp_path, "madr2", "rules")
    ingest(open_gm(store, embedder, root))
    settings = Settings(author="ana", user="ana", branch="main")
    fresh = GraphMem(settings, repo_root=root, store=store)  # loads its own model on first use
    assert ingest(fresh).unchanged == 21
    assert "embedder" not in fresh.__dict__
