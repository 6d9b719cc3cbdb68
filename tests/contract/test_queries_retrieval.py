"""search, context and prompt on every backend, against the known graph (test_queries_fixture.py).

Supersession, branch and user scoping, and staleness must all show through.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_queries_fixture import REPO, CachingEmbedder, KnownGraph, build_known_graph

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.memory.audit import list_receipts
from graphmem.memory.governance import ReadScope
from graphmem.queries.context import context, render_context
from graphmem.queries.prompt import build_prompt
from graphmem.queries.results import SearchOptions, SearchResult
from graphmem.queries.search import render_search, search
from graphmem.queries.tokens import default_counter
from graphmem.settings import Settings
from graphmem.store import GraphStore


def scope(
    store: GraphStore, branch: str | None = "main", user: str = "ana", history: bool = False
) -> ReadScope:
    return ReadScope(store, REPO, branch, user, include_history=history)


@pytest.fixture
def cached(embedder: Embedder) -> Embedder:
    return CachingEmbedder(embedder)


@pytest.fixture
def known(store: GraphStore, cached: Embedder) -> KnownGraph:
    return build_known_graph(store, cached)


@pytest.fixture
def gm(store: GraphStore, cached: Embedder, tmp_path: Path) -> GraphMem:
    """The API over the known graph, as ana on main: it records the receipts."""
    settings = Settings(author="ana", user="ana", branch="main")
    return GraphMem(settings, repo_root=tmp_path / REPO, store=store, embedder=cached)


@pytest.fixture
def find(store: GraphStore, cached: Embedder) -> Callable[..., SearchResult]:
    def run(query: str, **options: object) -> SearchResult:
        opts = SearchOptions(**{"branch": "main", "user": "ana", **options})  # type: ignore[arg-type]
        return search(
            scope(store, opts.branch, opts.user or "ana"), query, opts, embedder=lambda: cached
        )

    return run


def ids(result: SearchResult) -> list[str]:
    return [h.id for h in result.hits]


# -- search -----------------------------------------------------------------------------------


def test_search_fuses_fulltext_and_vector(
    known: KnownGraph, find: Callable[..., SearchResult]
) -> None:
    result = find("payment retry idempotency key")
    top = result.hits[0]
    assert top.id == "f-retry"
    assert any(w.startswith("fulltext #1") for w in top.why)
    assert any(w.startswith("vector #1") for w in top.why)
    assert top.governs == ["shop.orders.checkout"]
    assert "f-retry" in render_search(result)


def test_search_meaning_without_shared_words(
    known: KnownGraph, find: Callable[..., SearchResult]
) -> None:
    result = find("people paid two times for one purchase")
    assert ids(result)[0] == "f-retry"
    assert result.hits[0].why[-1].startswith("vector #1")


def test_search_serves_active_memories_unless_asked(
    known: KnownGraph, find: Callable[..., SearchResult]
) -> None:
    assert "d-old" not in ids(find("invoices edited after sending"))
    old = find("invoices edited after sending", statuses=["superseded"])
    assert ids(old) == ["d-old"] and old.hits[0].status == "superseded"


def test_search_branch_and_user_scoping(
    known: KnownGraph, find: Callable[..., SearchResult]
) -> None:
    assert "d-async" not in ids(find("checkout runs asynchronously"))
    assert ids(find("checkout runs asynchronously", branch="feature-x"))[0] == "d-async"
    assert "p-fixtures" not in ids(find("pytest fixtures setUp"))
    assert ids(find("pytest fixtures setUp", user="alice"))[0] == "p-fixtures"


def test_search_kinds_time_and_commits(
    known: KnownGraph, find: Callable[..., SearchResult]
) -> None:
    commits = find("rounding invoice totals", kinds=["commit"])
    assert {h.kind for h in commits.hits} == {"commit"}
    assert commits.hits[0].text == "Fix rounding of invoice totals"
    facts = find("money amounts cents API adapter", kinds=["fact"])
    assert set(ids(facts)) == {"k-cents", "k-thin"}
    recent = find("money amounts cents API adapter", kinds=["fact"], since="2026-04-07")
    assert ids(recent) == ["k-cents"]
    early = find("money amounts cents API adapter", kinds=["fact"], until="2026-04-06")
    assert ids(early) == ["k-thin"]


def test_search_near_boosts_memories_on_nearby_code(
    known: KnownGraph, find: Callable[..., SearchResult]
) -> None:
    plain = find("orders checkout", kinds=["fact", "failure"])
    near = find("orders checkout", kinds=["fact", "failure"], near="src/shop/api.py")
    assert set(ids(plain)) == set(ids(near)) == {"f-retry", "k-thin"}
    thin = next(h for h in near.hits if h.id == "k-thin")
    assert any(w.startswith("graph #1 (0 hops") for w in thin.why)
    before = next(h for h in plain.hits if h.id == "k-thin")
    assert thin.score > before.score


def test_search_records_a_receipt(store: GraphStore, known: KnownGraph, gm: GraphMem) -> None:
    result = gm.search("tax rates hard-coded")
    receipts = list_receipts(store, REPO)
    assert receipts and receipts[0].id == result.receipt_id
    memories = [h.id for h in result.hits if h.kind != "commit"]
    assert receipts[0].operation == "search" and receipts[0].memory_ids == memories
    assert memories[0] == "c-tax"


# -- context ----------------------------------------------------------------------------------


def test_context_of_a_module(store: GraphStore, known: KnownGraph, gm: GraphMem) -> None:
    result = gm.context("shop.orders")
    assert [(m.id, m.relation) for m in result.memories] == [
        ("k-cents", "ancestor"),
        ("f-retry", "descendant"),
    ]
    assert result.memories[1].why == ["governs shop.orders.checkout, inside the target"]
    assert [(m.id, m.relation) for m in result.nearby] == [("k-thin", "nearby")]
    assert result.nearby[0].why == ["nearby: governs shop.api, which imports the target"]
    assert [c.message for c in result.commits] == ["Retry checkout once"]
    s = result.summary
    assert s.contains == {"Class": 1, "Function": 1}
    assert [r.name for r in s.callers] == ["post_checkout", "test_checkout"]
    assert [r.name for r in s.callees] == ["Invoice", "send_invoice"]
    assert [r.qualified_name for r in s.importers] == ["shop.api", "tests.test_orders"]
    assert [r.qualified_name for r in s.imports] == ["shop.billing.invoices"]
    assert [r.name for r in s.bases] == ["Invoice"]
    text = render_context(result)
    assert "[f-retry]" in text and "Nearby" in text and "Retry checkout once" in text
    assert list_receipts(store, REPO)[0].memory_ids == ["k-cents", "f-retry", "k-thin"]


def test_context_flags_stale_and_shows_history(store: GraphStore, known: KnownGraph) -> None:
    tax = store.get_node(known["compute_tax"])
    assert tax is not None
    result = context(scope(store), tax)
    flags = {m.id: (m.relation, m.possibly_stale) for m in result.memories}
    assert flags == {
        "c-tax": ("self", True),
        "d-immut": ("ancestor", False),
        "k-cents": ("ancestor", False),
    }
    assert "possibly stale" in render_context(result)

    billing = store.get_node(known["billing"])
    assert billing is not None
    current = context(scope(store), billing)
    assert "d-old" not in [m.id for m in current.memories]
    history = context(scope(store, history=True), billing)
    old = next(m for m in history.memories if m.id == "d-old")
    assert old.status == "superseded" and old.superseded_by == ["d-immut"]
    assert "[superseded]" in render_context(history)


def test_context_on_another_branch_and_user(store: GraphStore, known: KnownGraph) -> None:
    checkout = store.get_node(known["checkout"])
    tests = store.get_node(known["test_checkout"])
    assert checkout is not None and tests is not None
    on_x = context(scope(store, "feature-x"), checkout)
    assert "d-async" in [m.id for m in on_x.memories]
    assert "p-fixtures" not in [m.id for m in context(scope(store, None), tests).memories]
    assert "p-fixtures" in [m.id for m in context(scope(store, None, "alice"), tests).memories]


# -- prompt -----------------------------------------------------------------------------------


def test_prompt_pack(store: GraphStore, known: KnownGraph, gm: GraphMem) -> None:
    def pack(budget: int = 4000, files: tuple[str, ...] = ("src/shop/orders.py",)) -> object:
        return gm.prompt("Make checkout payment retries idempotent", files, budget)

    full = pack()
    md = full.markdown  # type: ignore[attr-defined]
    cited = full.memory_ids  # type: ignore[attr-defined]
    # The specific memory (on checkout) first; the repository-wide fact after it.
    assert cited[0] == "f-retry" and cited.index("k-cents") > cited.index("f-retry")
    assert md.index("## Memories governing these files") < md.index("## Relevant code")
    for memory_id in full.memory_ids:  # type: ignore[attr-defined]
        assert f"[{memory_id}]" in md
    for entity_id in full.entity_ids:  # type: ignore[attr-defined]
        assert f"[{entity_id}]" in md
    assert "d-async" not in md and "d-old" not in md
    assert known["checkout"] in full.entity_ids  # type: ignore[attr-defined]
    assert full.entity_ids[0] == known["checkout"]  # type: ignore[attr-defined]
    assert known["orders"] not in full.entity_ids  # type: ignore[attr-defined]
    assert pack().markdown == md  # type: ignore[attr-defined]
    assert list_receipts(store, REPO)[0].operation == "prompt"

    counter = default_counter()
    for budget in (20, 40, 60, 100, 150, 250):
        small = pack(budget)
        assert counter.count(small.markdown) == small.tokens <= budget  # type: ignore[attr-defined]
    assert pack(60).omitted > 0  # type: ignore[attr-defined]


def test_prompt_without_files_and_with_unknown_ones(
    store: GraphStore, known: KnownGraph, cached: Embedder
) -> None:
    result = build_prompt(
        scope(store),
        "tax rates must not be hard-coded",
        ["src/shop/new_thing.py"],
        2000,
        embedder=lambda: cached,
    )
    assert "src/shop/new_thing.py" in result.markdown
    assert result.memory_ids[0] == "c-tax"
    assert known["compute_tax"] in result.entity_ids
