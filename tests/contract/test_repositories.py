"""One store, several repositories: a Neo4j database usually holds a team's every repository
(and an embedded file can). Each repository is served its own memories, commits and query rows;
search, prompt and the named queries served the whole store's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_memory_support import build_code_graph, make_gm

from graphmem.api import GraphMem
from graphmem.model import CodeEntity, Label
from graphmem.store import GraphStore, WriteBatch


def commit(repo: str, sha: str, message: str) -> CodeEntity:
    extra = {"sha": sha, "message": message, "date": "2026-11-30T10:00:00+00:00"}
    return CodeEntity.new(Label.COMMIT, repo, "", f"commit:{sha}", name=sha[:12], extra=extra)


@pytest.fixture
def two(store: GraphStore, embedder: Any, tmp_path: Path) -> tuple[GraphMem, GraphMem]:
    """`shop` and `other`, the same code in one store, each with a decision and a commit on
    the same file, in words the other's would match."""
    pair = []
    for repo, sha in (("shop", "a" * 40), ("other", "b" * 40)):
        build_code_graph(store, repo)
        store.write(
            WriteBatch(upsert_nodes=[commit(repo, sha, f"Round tax per line ({repo})").to_node()])
        )
        gm = make_gm(store, embedder, tmp_path, repo=repo)
        gm.remember("decision", f"Tax is rounded per line in {repo}", governs=["src/billing/"])
        pair.append(gm)
    return pair[0], pair[1]


def test_search_serves_the_readers_repository_alone(two: tuple[GraphMem, GraphMem]) -> None:
    shop, _ = two
    hits = shop.search("tax rounded per line").hits
    assert hits and {hit.text for hit in hits} <= {
        "Tax is rounded per line in shop",
        "Round tax per line (shop)",
    }


def test_context_and_prompt_serve_the_readers_repository_alone(
    two: tuple[GraphMem, GraphMem],
) -> None:
    shop, other = two
    assert [m.text for m in shop.context("src/billing/tax.py").memories] == [
        "Tax is rounded per line in shop"
    ]
    pack = shop.prompt("change how tax is rounded", files=["src/billing/tax.py"]).markdown
    assert "in shop" in pack and "in other" not in pack and "(other)" not in pack
    assert "in other" in other.prompt("change how tax is rounded").markdown


def test_named_queries_answer_for_the_readers_repository(two: tuple[GraphMem, GraphMem]) -> None:
    shop, _ = two
    rows = shop.named_query("decisions", {"path": "src/billing/tax.py"})
    assert [r["text"] for r in rows] == ["Tax is rounded per line in shop"]
    modules = {r["module"] for r in shop.named_query("undocumented-modules")}
    assert modules == {"api.invoices", "api.users"}
    assert [r["service"] for r in shop.named_query("services")] == ["api"]


def test_counts_are_the_repositorys_own(store: GraphStore, two: tuple[GraphMem, GraphMem]) -> None:
    whole, shop = store.counts(), store.counts("shop")
    assert whole["Module"] == 2 * shop["Module"] == 6
    assert (shop["Commit"], shop["Decision"], shop["Repository"]) == (1, 1, 1)
    assert whole["CONTAINS"] == 2 * shop["CONTAINS"]
    assert store.counts("nowhere") == {}
    assert list(shop) == sorted(shop)  # the same order on every backend


def test_another_repositorys_crowd_does_not_hide_the_readers_memory(
    store: GraphStore, embedder: Any, tmp_path: Path
) -> None:
    """The candidates are the store's best; a repository with many closer memories took every
    place, and the reader's own memory was never found."""
    from graphmem.memory.remember import RememberRequest

    build_code_graph(store, "busy")
    busy = make_gm(store, embedder, tmp_path, repo="busy")
    busy.remember_many(
        [RememberRequest("fact", f"Tax rounded per line, rule {i}") for i in range(120)]
    )
    build_code_graph(store, "quiet")
    quiet = make_gm(store, embedder, tmp_path, repo="quiet")
    text = (
        "Invoices round their tax once per line of the invoice, after the discounts and "
        "before the shipping costs are added to the total"
    )
    quiet.remember("decision", text)
    assert [hit.text for hit in quiet.search("tax rounded per line").hits] == [text]
