"""Retrieval benchmark: is the memory that governs a task found first?

    python benchmarks/retrieval.py PATH [PATH ...]     # checkouts of flask, click, requests, attrs

For each checkout named in benchmarks/retrieval_cases/ (by folder name), the repository is
ingested with its last 2,000 commits into a fresh embedded store, then filled with:

- realistic decoys: one decision per module of the repository (up to 140), written from the
  real names of its functions and classes, on that module;
- for every case that is a memory: the governing memory itself, a near-duplicate on the same
  module (another true decision about it) and, for "amended" cases, the superseded older
  version that said the opposite;
- the repository's own commit history (decisions that live in commit messages are cases too).

Each case's task is a bug report or change request written for the case, not the memory's words.
Four retrievers rank the same texts for it: graphmem's full text alone, its vectors alone, its
hybrid search (with the task's file as `near`), and a flat BM25 over every memory text and
commit message (bm25s, a maintained library). The figures are R@1, R@5 and MRR by category
(memory, commit, amended) and overall, how often a superseded memory reaches a top 5 (must be
0), and how often a prompt pack for the task and its file cites the governing memory or commit
within 1,500 tokens.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphmem.api import GraphMem
from graphmem.memory.governance import ReadScope
from graphmem.model import Label, RelType
from graphmem.queries.results import SearchOptions
from graphmem.queries.search import search
from graphmem.settings import Settings

CASES = Path(__file__).resolve().parent / "retrieval_cases"
HISTORY = 2000
MAX_DECOY_MODULES = 140
BUDGET = 1500
METHODS = ("fulltext", "vector", "hybrid", "bm25")
TEMPLATES = [
    "Keep {name} in {module} backwards compatible: external callers rely on its signature",
    "{name} must not do network I/O; {module} stays importable offline",
    "Errors raised by {name} are wrapped in the package's own exception types",
    "{name} is the single place that normalises input for {module}",
    "Do not cache results of {name}; values in {module} can change between calls",
    "{name} logs at debug level only, never info, to keep {module} quiet",
    "New options for {name} are keyword-only, so {module} can add parameters safely",
    "{name} stays free of global state so {module} is safe to use from threads",
    "Performance: {name} in {module} must not copy its input",
    "Deprecations in {module} warn for one minor release before {name} changes",
]


@dataclass
class Scores:
    ranks: dict[str, list[int | None]] = field(default_factory=lambda: defaultdict(list))

    def add(self, method: str, rank: int | None) -> None:
        self.ranks[method].append(rank)

    def row(self, method: str) -> tuple[float, float, float, int]:
        ranks = self.ranks[method]
        n = len(ranks) or 1
        r1 = sum(1 for r in ranks if r == 1) / n
        r5 = sum(1 for r in ranks if r is not None and r <= 5) / n
        mrr = sum(1 / r for r in ranks if r is not None) / n
        return r1, r5, mrr, len(ranks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="repository checkouts")
    args = parser.parse_args()
    by_category: dict[str, Scores] = defaultdict(Scores)
    superseded_top5 = 0
    cited = total_packs = 0
    for path in args.paths:
        case_file = CASES / f"{path.resolve().name}.json"
        if not case_file.exists():
            sys.exit(f"no cases for {path.name}: expected {case_file}")
        spec = json.loads(case_file.read_text())
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            gm = GraphMem(
                Settings(store=str(Path(tmp) / "graph.db"), author="bench", user="bench"),
                repo_root=path,
            )
            gm.ingest(history=HISTORY)
            gold = fill(gm, spec["cases"])
            print(f"{path.name}: ingested and filled in {time.perf_counter() - started:.1f}s")
            bm25 = flat_bm25(gm)
            for case in spec["cases"]:
                want, old = gold[case["id"]]
                rankings = rank_all(gm, case, bm25)
                for method, ranking in rankings.items():
                    rank = ranking.index(want) + 1 if want in ranking else None
                    by_category[case["category"]].add(method, rank)
                    by_category["all"].add(method, rank)
                if old and old in rankings["hybrid"][:5]:
                    superseded_top5 += 1
                pack = gm.prompt(case["task"], files=[case["file"]], budget=BUDGET)
                total_packs += 1
                cited += want in pack.markdown or (
                    case["category"] == "commit" and case["commit"] in pack.markdown
                )
            gm.close()
    print()
    print(f"{'category':<10} {'method':<9} {'R@1':>6} {'R@5':>6} {'MRR':>6}  cases")
    for category in ("memory", "commit", "amended", "all"):
        for method in METHODS:
            r1, r5, mrr, n = by_category[category].row(method)
            print(f"{category:<10} {method:<9} {r1:>6.2f} {r5:>6.2f} {mrr:>6.3f}  {n}")
    print(f"\nsuperseded memories in a hybrid top 5: {superseded_top5}")
    print(f"prompt packs ({BUDGET} tokens) citing the governing item: {cited}/{total_packs}")


def fill(gm: GraphMem, cases: list[dict[str, Any]]) -> dict[str, tuple[str, str | None]]:
    """Decoys and case memories; returns case id -> (id to find, superseded id or None)."""
    rng = random.Random(7)
    modules = gm.store.find_nodes(Label.MODULE, {"repo": gm.repo})
    rng.shuffle(modules)
    for module in modules[:MAX_DECOY_MODULES]:
        inside = gm.store.edges([module.id], [RelType.CONTAINS])
        members = gm.store.get_nodes([e.target for e in inside])
        name = next(
            (
                str(n.get("name"))
                for n in members.values()
                if not str(n.get("name")).startswith("_")
            ),
            str(module.get("name") or module.get("path")),
        )
        text = rng.choice(TEMPLATES).format(name=name, module=module.get("qualified_name"))
        gm.remember("decision", text, [str(module.get("path"))])
    gold: dict[str, tuple[str, str | None]] = {}
    commits = {
        str(n.get("sha"))[:8]: n.id for n in gm.store.find_nodes(Label.COMMIT, {"repo": gm.repo})
    }
    for case in cases:
        if case["category"] == "commit":
            if case["commit"][:8] not in commits:
                sys.exit(f"{case['id']}: commit {case['commit']} is not in the last {HISTORY}")
            gold[case["id"]] = (commits[case["commit"][:8]], None)
            continue
        g = case["gold"]
        old_id = None
        if case["category"] == "amended":
            old_id = gm.remember(g["kind"], case["old"], g["governs"]).memory.id
        gm.remember("fact", case["near"], g["governs"])
        supersedes = [old_id] if old_id else []
        made = gm.remember(g["kind"], g["text"], g["governs"], supersedes=supersedes)
        gold[case["id"]] = (made.memory.id, old_id)
    return gold


def flat_bm25(gm: GraphMem) -> Callable[[str], list[str]]:
    """A flat BM25 over every active memory text and every commit message (the baseline)."""
    import bm25s

    ids: list[str] = []
    texts: list[str] = []
    for node in gm.store.find_nodes(Label.MEMORY, {"repo": gm.repo, "status": "active"}):
        ids.append(node.id)
        texts.append(str(node.get("text") or ""))
    for node in gm.store.find_nodes(Label.COMMIT, {"repo": gm.repo}):
        ids.append(node.id)
        texts.append(str(node.get("message") or ""))
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)

    def rank(query: str) -> list[str]:
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        found, _ = retriever.retrieve(tokens, k=min(50, len(ids)), show_progress=False)
        return [ids[i] for i in found[0]]

    return rank


def rank_all(
    gm: GraphMem, case: dict[str, Any], bm25: Callable[[str], list[str]]
) -> dict[str, list[str]]:
    task = case["task"]
    scope = ReadScope(gm.store, gm.repo, gm.branch, gm.settings.user)
    options = SearchOptions(limit=50)
    fulltext = search(scope, task, options, embedder=None)
    vector = gm.store.vector_search(gm.embedder.embed([task])[0], Label.MEMORY, 50)
    active = {
        n.id
        for n in gm.store.get_nodes([h.node_id for h in vector]).values()
        if n.get("status") == "active"
    }
    hybrid = gm.search(task, SearchOptions(limit=50, near=case["file"]))
    return {
        "fulltext": [h.id for h in fulltext.hits],
        "vector": [h.node_id for h in vector if h.node_id in active],
        "hybrid": [h.id for h in hybrid.hits],
        "bm25": bm25(task),
    }


if __name__ == "__main__":
    main()
