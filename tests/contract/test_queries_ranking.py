"""Ranking rules of search and prompt packs, on a real ingested repository with real history.

The task text is a bug report, not the decision's words. The rule that matters is written in
a commit message; weaker keyword matches sit in several memories; a superseded memory says the
opposite of its successor; a repository-wide fact competes for the budget with the specific one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.api import GraphMem
from graphmem.embed import Embedder
from graphmem.queries.results import SearchOptions
from graphmem.settings import Settings
from graphmem.store import GraphStore
from tests.conftest import git

REPORT = (
    "Customers in Lisbon were charged yesterday's tax rate for most of the afternoon after the "
    "rates update went out. Looks like something keeps an old copy of the rates around; "
    "refreshing the page did not help and support had to refund forty orders by hand."
)
RULE = "Never cache tax rates in the process: rates change during the day (refund incident #42)"


@pytest.fixture
def gm(store: GraphStore, embedder: Embedder, tmp_path: Path) -> GraphMem:
    repo = tmp_path / "shop"
    (repo / "shop").mkdir(parents=True)
    (repo / "shop" / "__init__.py").write_text("")
    (repo / "shop" / "tax.py").write_text("def rate(country):\n    return load(country)\n")
    (repo / "shop" / "ui.py").write_text("def page():\n    return 'ok'\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "Tax module")
    (repo / "shop" / "tax.py").write_text(
        "def rate(country):\n    return load(country)  # fresh every call\n"
    )
    git(repo, "commit", "-qam", RULE)
    for n in range(6):
        (repo / "shop" / "ui.py").write_text(f"def page():\n    return 'v{n}'\n")
        git(repo, "commit", "-qam", f"Page copy tweak {n}")
    settings = Settings(author="ana", user="ana", branch="main")
    api = GraphMem(settings, repo_root=repo, store=store, embedder=embedder)
    api.ingest()
    return api


def test_a_decision_in_a_commit_message_outranks_weak_memory_matches(gm: GraphMem) -> None:
    weak = [
        gm.remember("fact", "The page footer shows the customer's country"),
        gm.remember("preference", "Support prefers refunds to be logged in the ticket"),
        gm.remember("fact", "Orders list is sorted by date, newest first", ["shop/ui.py"]),
    ]
    hits = gm.search(REPORT).hits
    assert hits[0].kind == "commit" and hits[0].text.startswith("Never cache tax rates")
    assert {w.memory.id for w in weak} & {h.id for h in hits}


def test_superseded_memories_never_reach_the_top_five(gm: GraphMem) -> None:
    old = gm.remember("decision", "Tax rates are cached for a day in the process", ["shop/tax.py"])
    new = gm.remember(
        "decision",
        "Tax rates are read fresh on every call, never cached",
        ["shop/tax.py"],
        supersedes=[old.memory.id],
    )
    top = [h.id for h in gm.search(REPORT, None).hits[:5]]
    assert old.memory.id not in top and new.memory.id in top


def test_a_prompt_pack_cites_the_specific_rule_before_repository_wide_ones(gm: GraphMem) -> None:
    general = [
        gm.remember("fact", f"Repository convention {n}: format with ruff, line length 100")
        for n in range(3)
    ]
    specific = gm.remember("constraint", "rate() must read rates fresh", ["shop.tax.rate"])
    pack = gm.prompt(REPORT, files=["shop/tax.py"], budget=1500)
    cited = pack.memory_ids
    assert cited[0] == specific.memory.id
    assert all(
        cited.index(specific.memory.id) < cited.index(g.memory.id)
        for g in general
        if g.memory.id in cited
    )
    assert "Never cache tax rates" in pack.markdown


def test_commits_that_touched_the_file_share_their_graph_rank(gm: GraphMem) -> None:
    # Both commits touched shop/tax.py: the graph says "as near as each other", and the
    # keyword match decides between them, never their ids.
    hits = gm.search(REPORT, SearchOptions(near="shop/tax.py")).hits
    touched = [h for h in hits if any("0 hops" in why for why in h.why)]
    assert len(touched) >= 2
    assert {h.ranks["graph"] for h in touched} == {1}
    assert hits[0].text.startswith("Never cache tax rates")


def test_governing_memories_go_by_specificity_then_by_relevance_to_the_task(gm: GraphMem) -> None:
    relevant = gm.remember("constraint", "Tax rates are never kept between calls", ["shop/tax.py"])
    unrelated = gm.remember("fact", "Currency symbols follow the amount", ["shop/tax.py"])
    directory = gm.remember("decision", "Tax rates are never cached anywhere in shop", ["shop/"])
    cited = gm.prompt(REPORT, files=["shop/tax.py"], budget=1500).memory_ids
    # the newer, unrelated one on the file comes after the related one, and both before the
    # directory's memory, however relevant that is
    order = [cited.index(m.memory.id) for m in (relevant, unrelated, directory)]
    assert order == sorted(order)


def test_a_commit_on_the_file_is_quoted_by_subject_and_first_paragraph(
    gm: GraphMem, tmp_path: Path
) -> None:
    repo = tmp_path / "shop"
    (repo / "shop" / "tax.py").write_text("def rate(country):\n    return service(country)\n")
    why = "Tax rates come from the rates service on every call, so no copy goes stale."
    detail = "The service client retries twice with a backoff. " * 30
    git(
        repo,
        "commit",
        "-qam",
        "Read tax rates from the rates service",
        "-m",
        why,
        "-m",
        detail,
        "-m",
        "Signed-off-by: Ana <ana@example.com>",
    )
    gm.ingest()
    markdown = gm.prompt(REPORT, files=["shop/tax.py"], budget=1500).markdown
    assert "Read tax rates from the rates service" in markdown and why in markdown
    assert "retries twice" not in markdown and "Signed-off-by" not in markdown
    assert "(touched these files, shortened)" in markdown


def test_keyword_ranks_count_within_each_index(gm: GraphMem) -> None:
    # The best memory and the best commit are each first of their kind: interleaving the two
    # indexes would put every commit half a rank behind the memory beside it.
    fact = gm.remember("fact", "Refunds for wrong tax rates are made by support by hand")
    hits = {h.id: h for h in gm.search(REPORT).hits}
    commit = next(h for h in hits.values() if h.text.startswith("Never cache tax rates"))
    assert hits[fact.memory.id].ranks["fulltext"] == 1 and commit.ranks["fulltext"] == 1


def test_a_memory_on_a_function_of_the_file_is_as_near_as_the_file(gm: GraphMem) -> None:
    on_rate = gm.remember("constraint", "rate() reads tax rates fresh", ["shop.tax.rate"])
    hits = gm.search(REPORT, SearchOptions(near="shop/tax.py")).hits
    memory = next(h for h in hits if h.id == on_rate.memory.id)
    assert memory.ranks["graph"] == 1 and "0 hops" in memory.why[-1]
