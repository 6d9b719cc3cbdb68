"""review() on every backend, on a repository with real git history (review_repo.py).

The graph is ingested at the base commit, as before a change is merged; the head commit
modifies, adds, deletes and renames functions, so every kind of change is checked against the
memories recorded on the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.review.render import render_markdown
from graphmem.review.report import ReviewReport
from graphmem.settings import Settings
from graphmem.store import GraphStore
from tests.unit.review.review_repo import ShopRepo, build_shop_repo, git


@dataclass
class Reviewed:
    repo: ShopRepo
    gm: GraphMem
    report: ReviewReport
    ids: dict[str, str]


@pytest.fixture
def reviewed(store: GraphStore, embedder: Embedder, tmp_path: Path) -> Reviewed:
    repo = build_shop_repo(tmp_path)
    gm = GraphMem(Settings(user="ana"), repo_root=repo.root, store=store, embedder=embedder)
    gm.ingest()
    ids = {
        "charge": gm.remember(
            "constraint", "charge must be idempotent: pass a key", ["shop.payments.charge"]
        ).memory.id,
        "refund": gm.remember(
            "failure",
            "a zero refund crashed the ledger",
            ["shop.payments.refund"],
            fix="reject amounts that are not positive",
            test="tests/test_orders.py::test_refund",
        ).memory.id,
        "legacy": gm.remember(
            "decision", "legacy stays until v3", ["shop.payments.legacy"]
        ).memory.id,
        "handle": gm.remember(
            "decision", "the API returns the checkout result as is", ["shop.api.handle"]
        ).memory.id,
        "total": gm.remember("fact", "total sums the cart", ["shop.orders.total"]).memory.id,
        "old_name": gm.remember(
            "decision", "doubling stays exact", ["shop.payments.old_name"]
        ).memory.id,
        "repo": gm.remember("fact", "prices are in cents", []).memory.id,
    }
    return Reviewed(repo, gm, gm.review(repo.base, repo.head), ids)


def changes(report: ReviewReport) -> set[tuple[str, str, str]]:
    return {(c.status, c.kind, c.qualified_name) for c in report.changes}


def test_modified_added_deleted_and_renamed_symbols_are_named(reviewed: Reviewed) -> None:
    assert changes(reviewed.report) == {
        ("modified", "Module", "shop.orders"),  # its import line changed
        ("modified", "Function", "shop.orders.checkout"),
        ("added", "Function", "shop.orders.discount"),
        ("modified", "Function", "shop.orders.cancel"),
        ("modified", "Function", "shop.orders.doubled"),
        ("modified", "Function", "shop.payments.refund"),
        ("renamed", "Function", "shop.payments.double"),
        ("deleted", "Function", "shop.payments.legacy"),
    }
    renamed = next(c for c in reviewed.report.changes if c.status == "renamed")
    assert renamed.old_qualified_name == "shop.payments.old_name"
    assert renamed.in_graph and not renamed.body_changed
    # a rename alone: the next ingest moves the memory onto the new name, to be looked at
    moved = next(m for m in reviewed.report.at_stake if m.id == reviewed.ids["old_name"])
    assert moved.effect == "possibly stale"
    assert moved.why == ["governs shop.payments.old_name, which this change renamed"]
    deleted = next(c for c in reviewed.report.changes if c.status == "deleted")
    assert deleted.in_graph and deleted.start_line == 17  # named and placed as at the base


def test_a_constraint_on_a_callee_is_at_stake_through_the_changed_caller(
    reviewed: Reviewed,
) -> None:
    stake = {m.id: m for m in reviewed.report.at_stake}
    constraint = stake[reviewed.ids["charge"]]
    assert constraint.reasons == ["callee"]
    assert constraint.why == [
        "governs shop.payments.charge; changed shop.orders.checkout uses shop.payments.charge"
    ]
    assert constraint.effect is None  # charge itself is unchanged
    assert reviewed.report.at_stake[0].id == constraint.id  # constraints come first


def test_a_failure_on_changed_code_comes_with_its_fix_and_test(reviewed: Reviewed) -> None:
    failure = next(m for m in reviewed.report.at_stake if m.id == reviewed.ids["refund"])
    assert failure.reasons == ["changed"]
    assert failure.effect == "possibly stale"
    assert (failure.fix, failure.test) == (
        "reject amounts that are not positive",
        "tests/test_orders.py::test_refund",
    )
    assert failure.why == ["governs shop.payments.refund, which this change modified"]


def test_memories_on_deleted_code_are_orphaned_and_dependents_are_reached(
    reviewed: Reviewed,
) -> None:
    stake = {m.id: m for m in reviewed.report.at_stake}
    assert stake[reviewed.ids["legacy"]].effect == "orphaned"
    handle = stake[reviewed.ids["handle"]]
    assert handle.reasons == ["dependent"] and handle.effect is None
    assert "depend on changed shop.orders.checkout" in handle.why[0]
    # total is unchanged but the changed checkout calls it; repository-wide memories say
    # nothing about this change in particular
    assert stake[reviewed.ids["total"]].reasons == ["callee"]
    assert reviewed.ids["repo"] not in stake
    counts = reviewed.report.counts
    assert (counts.constraints, counts.failures, counts.stale, counts.memories) == (1, 1, 3, 6)


def test_memories_of_code_an_ingest_already_took_out_stay_at_stake(reviewed: Reviewed) -> None:
    """A hook or `graphmem watch` ingests as the agent edits: by review time the deleted and
    renamed functions are gone from the graph, and their memories orphaned, not forgotten."""
    git(reviewed.repo.root, "checkout", "-q", "feature")
    reviewed.gm.ingest()
    report = reviewed.gm.review(reviewed.repo.base, reviewed.repo.head)
    stake = {m.id: m for m in report.at_stake}
    legacy = stake[reviewed.ids["legacy"]]
    assert legacy.effect == "orphaned" and "which this change deleted" in legacy.why[-1]
    # the rename was followed: the memory governs the new name, possibly stale
    moved = stake[reviewed.ids["old_name"]]
    assert moved.effect == "possibly stale" and "shop.payments.double" in moved.why[-1]


def test_dependents_and_tests_to_run(reviewed: Reviewed) -> None:
    report = reviewed.report
    assert [(d.entity.qualified_name, d.distance, d.resolution) for d in report.dependents] == [
        ("shop.api", 1, "exact"),  # imports shop.orders, whose import line changed
        ("shop.api.handle", 1, "exact"),  # calls the changed checkout
        ("tests.test_orders", 1, "exact"),
        ("tests.test_orders.test_checkout", 1, "exact"),
    ]
    ids = {c.qualified_name: c.id for c in report.changes}
    reaches = {d.entity.qualified_name: d.reaches for d in report.dependents}
    assert reaches["shop.api.handle"] == ids["shop.orders.checkout"]
    assert reaches["shop.api"] == ids["shop.orders"]
    assert [(t.entity.qualified_name, t.distance) for t in report.tests] == [
        ("tests.test_orders", 1),
        ("tests.test_orders.test_checkout", 1),
    ]
    assert {g.path: g.count for g in report.by_module} == {
        "shop/api.py": 2,
        "tests/test_orders.py": 2,
    }


def test_services_and_skipped_files(reviewed: Reviewed) -> None:
    report = reviewed.report
    assert [
        (s.path, s.status, [r.qualified_name for r in s.services]) for s in report.services
    ] == [("docker-compose.yml", "modified", ["service:api"])]
    assert {(s.path, s.reason) for s in report.skipped} == {
        ("assets/logo.png", "binary"),
        ("vendor/lib.py", "vendored"),
    }


def test_a_changed_file_that_is_not_code_puts_its_folders_memories_at_stake(
    reviewed: Reviewed,
) -> None:
    root, gm = reviewed.repo.root, reviewed.gm
    (root / "db/migrations").mkdir(parents=True)
    (root / "db/migrations/0001.sql").write_text("CREATE TABLE invoices (id INTEGER);\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first migration")
    gm.ingest()
    rule = gm.remember("constraint", "Shipped migrations are never edited", ["db/migrations/"])
    (root / "db/migrations/0001.sql").write_text("CREATE TABLE invoices (id TEXT);\n")
    stake = {m.id: m for m in gm.review("HEAD").at_stake}
    assert stake[rule.memory.id].why == [
        "governs db/migrations/, which holds db/migrations/0001.sql (modified)"
    ]
    assert reviewed.ids["repo"] not in stake  # what governs the whole repository stays out


def test_the_answer_is_deterministic_and_records_a_receipt(reviewed: Reviewed) -> None:
    again = reviewed.gm.review(reviewed.repo.base, reviewed.repo.head)
    first = reviewed.report.model_dump(exclude={"receipt_id"})
    assert again.model_dump(exclude={"receipt_id"}) == first
    receipt = reviewed.gm.receipts(limit=1)[0]
    assert receipt.operation == "review" and receipt.id == again.receipt_id
    assert sorted(receipt.memory_ids) == sorted(m.id for m in again.at_stake)


def test_working_tree_and_staged_changes_are_reviewed(reviewed: Reviewed) -> None:
    root = reviewed.repo.root
    orders = root / "shop/orders.py"
    orders.write_text(orders.read_text().replace("return sum(cart)", "return sum(cart) + 0"))
    (root / "shop/new.py").write_text("def fresh():\n    return 1\n")
    working = reviewed.gm.review()  # default: merge base with main, against the working tree
    assert changes(working) == {
        ("modified", "Function", "shop.orders.total"),
        ("added", "Module", "shop.new"),
        ("added", "Function", "shop.new.fresh"),
    }
    stake = {m.id: m for m in working.at_stake}
    assert stake[reviewed.ids["total"]].effect == "possibly stale"
    assert [t.entity.qualified_name for t in working.tests] == ["tests.test_orders.test_checkout"]
    assert working.tests[0].distance == 2  # test_checkout -> checkout -> total
    git(root, "add", "shop/new.py")
    staged = reviewed.gm.review("main", staged=True)
    assert changes(staged) == {
        ("added", "Module", "shop.new"),
        ("added", "Function", "shop.new.fresh"),
    }


def test_the_markdown_review_is_the_golden_one_on_every_backend(
    store: GraphStore, embedder: Embedder, tmp_path: Path
) -> None:
    from tests.unit.review.test_render import GOLDEN, normalised, remember_golden_memories

    repo = build_shop_repo(tmp_path)
    git(repo.root, "remote", "add", "origin", "git@github.com:acme/shop.git")
    gm = GraphMem(Settings(user="ana"), repo_root=repo.root, store=store, embedder=embedder)
    gm.ingest()
    remember_golden_memories(gm)
    assert normalised(render_markdown(gm.review(repo.base, repo.head))) == GOLDEN.read_text()
