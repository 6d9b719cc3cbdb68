"""Store calls per answer: how many times context, impact and prompt ask the store.

    python benchmarks/store_calls.py                 # the embedded store
    NEO4J_URI=bolt://127.0.0.1:7688 python benchmarks/store_calls.py --backend neo4j

On Neo4j every store call is a Bolt round trip, so the count, not the Python work, decides an
answer's latency there. The shop fixture (tests/fixtures/query_repo) is copied to a temporary
git repository, ingested for real, and given a few memories at several levels (repository,
directory, module, function), so that each answer walks up and down the containment tree,
reaches neighbours and commits. Each figure is the number of store calls one answer makes
through the API, by method: resolving the target and writing the receipt included.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graphmem.api import GraphMem
from graphmem.settings import Settings
from graphmem.store import GraphStore, open_store

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "query_repo"
COUNTED = (
    "write",
    "get_nodes",
    "get_node",
    "find_nodes",
    "edges",
    "linked",
    "around",
    "governance",
    "traverse",
    "reachable",
    "search_all",
    "fulltext_search",
    "vector_search",
    "cypher",
)


class CallCounter:
    """Counts the calls one answer makes to a real store, by method.

    The store's own methods are wrapped on the instance, so calls that the shared code above
    the backends makes (a generic `traverse` asks `edges` once per level) are seen too, and so
    are those of every snapshot view it opens. Only innermost calls count: a `get_node` that
    asks `get_nodes` is one round trip, not two.
    """

    def __init__(self, store: GraphStore) -> None:
        self.calls: Counter[str] = Counter()
        self._stack: list[bool] = []
        self._on = False
        self._instrument(store)
        opened = store.snapshot

        @contextmanager
        def snapshot() -> Iterator[Any]:
            with opened() as view:
                self._instrument(view)
                yield view

        store.snapshot = snapshot  # type: ignore[method-assign]

    def _instrument(self, reads: Any) -> None:
        for name in COUNTED:
            if hasattr(reads, name):
                setattr(reads, name, self._wrap(name, getattr(reads, name)))

    def _wrap(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            if self._stack:
                self._stack[-1] = True  # the caller is not innermost
            self._stack.append(False)
            try:
                return method(*args, **kwargs)
            finally:
                had_inner = self._stack.pop()
                if self._on and not had_inner:
                    self.calls[name] += 1

        return counted

    def measure(self, answer: Callable[[], object]) -> Counter[str]:
        self.calls.clear()
        self._on = True
        try:
            answer()
        finally:
            self._on = False
        return Counter(self.calls)


def make_repo(root: Path) -> Path:
    repo = root / "shop"
    shutil.copytree(FIXTURE, repo)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "shop"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("embedded", "neo4j"), default="embedded")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp))
        if args.backend == "neo4j":
            settings = Settings.from_env()
            url = os.environ["NEO4J_URI"]
        else:
            settings = Settings()
            url = str(Path(tmp) / "graph.db")
        inner = open_store(url, settings)
        if args.backend == "neo4j":
            inner.cypher("MATCH (n) DETACH DELETE n", write=True)
        counter = CallCounter(inner)
        with GraphMem(settings, repo_root=repo, store=inner) as gm:
            gm.ingest()
            gm.remember("constraint", "Every price is a Decimal, never a float")
            gm.remember("decision", "Billing talks to the tax service only", ["src/shop/billing/"])
            gm.remember("failure", "Invoices were sent twice on retry", ["shop.billing.invoices"])
            gm.remember("decision", "Tax is rounded half-even", ["shop.billing.tax.compute_tax"])
            gm.remember("fact", "Checkout is the only entry point", ["shop.orders.checkout"])
            answers: dict[str, Callable[[], object]] = {
                "context (module)": lambda: gm.context("shop.billing.invoices"),
                "context (function)": lambda: gm.context("shop.billing.tax.compute_tax"),
                "impact depth 3": lambda: gm.impact("shop.billing.tax.compute_tax", depth=3),
                "search": lambda: gm.search("how is tax rounded"),
                "prompt": lambda: gm.prompt(
                    "Round tax on invoices", files=["src/shop/billing/invoices.py"], budget=2000
                ),
            }
            print(f"store calls per answer ({args.backend}):")
            for name, answer in answers.items():
                answer()  # warm: embeddings, caches
                calls = counter.measure(answer)
                detail = ", ".join(f"{k} {v}" for k, v in sorted(calls.items()))
                print(f"  {name:<20} {sum(calls.values()):>3}   ({detail})")


if __name__ == "__main__":
    main()
