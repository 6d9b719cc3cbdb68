"""Document sync benchmark: ADRs and rules files read into memories on ingest.

    .venv/bin/python benchmarks/knowledge.py                    # 100 ADRs, 10 AGENTS.md x 20 rules
    .venv/bin/python benchmarks/knowledge.py --adrs 300 --rules-files 30
    NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_PASSWORD=... .venv/bin/python benchmarks/knowledge.py

A temporary repository holds the fixture code base (tests/fixtures/knowledge/code), N MADR
files that supersede each other in pairs, and nested AGENTS.md files. Printed: the first sync
(every entry remembered), a sync with nothing changed, and a sync after one ADR and one rule
were edited, each in seconds and per entry. The code ingest runs before each sync and is not
counted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from graphmem.api import GraphMem
from graphmem.ingest.pipeline import IngestOptions, ingest_repository
from graphmem.knowledge.documents import SyncReport
from graphmem.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "tests" / "fixtures" / "knowledge" / "code"
TOPICS = [
    "invoices", "payments", "refunds", "tax", "sessions", "caching", "retries", "logging",
    "metrics", "migrations", "feature flags", "webhooks", "rate limits", "rounding",
]  # fmt: skip


def write_corpus(root: Path, adrs: int, rules_files: int, rules: int) -> None:
    folder = root / "docs" / "decisions"
    folder.mkdir(parents=True)
    for i in range(1, adrs + 1):
        topic = TOPICS[i % len(TOPICS)]
        status = f"superseded by ADR-{i + 1:04d}" if i % 2 else "accepted"
        (folder / f"{i:04d}-decision-{i}-on-{topic.replace(' ', '-')}.md").write_text(
            f"---\nstatus: {status}\ndate: 2024-01-01\n---\n\n# Decision {i} on {topic}\n\n"
            f"## Context and Problem Statement\n\nHow should `src/shop/billing/` treat {topic}?\n\n"
            f'## Decision Outcome\n\nChosen option: "variant {i}", because {topic} must be '
            f"predictable in `shop.billing.tax.compute_tax`.\n"
        )
    for f in range(rules_files):
        folder = root / "src" / "shop" / ("billing" if f % 2 else "api") / f"area{f}"
        folder.mkdir(parents=True)
        lines = [f"# Area {f}", ""] + [
            f"- Rule {r} of area {f}: {TOPICS[r % len(TOPICS)]} must be logged."
            for r in range(rules)
        ]
        (folder / "AGENTS.md").write_text("\n".join(lines) + "\n")


def timed(gm: GraphMem) -> tuple[float, SyncReport]:
    """Refresh the code graph alone, then time the document sync that ingest would run."""
    ingest_repository(gm.store, gm.repo_root, gm.repo, IngestOptions(history=0))
    start = time.perf_counter()
    report = gm.sync_documents()
    return time.perf_counter() - start, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adrs", type=int, default=100)
    parser.add_argument("--rules-files", type=int, default=10)
    parser.add_argument("--rules", type=int, default=20, help="rules per AGENTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "shop"
        shutil.copytree(CODE, root)
        write_corpus(root, args.adrs, args.rules_files, args.rules)
        store = os.environ.get("NEO4J_URI") or str(Path(tmp) / "graph.db")
        settings = Settings.from_env(store=store, author="bench", user="bench")
        with GraphMem(settings, repo_root=root) as gm:
            if store.startswith(("bolt:", "neo4j:")):
                gm.store.cypher("MATCH (n) DETACH DELETE n", write=True)
            ingest_repository(gm.store, root, gm.repo, IngestOptions(history=0))
            gm.embedder.embed(["warm up the model"])
            start = time.perf_counter()
            first = gm.sync_documents()
            first_s = time.perf_counter() - start
            idle_s, idle = timed(gm)
            adr = root / "docs" / "decisions" / "0002-decision-2-on-refunds.md"
            adr.write_text(adr.read_text().replace("variant 2", "variant two"))
            agents = root / "src" / "shop" / "api" / "area0" / "AGENTS.md"
            agents.write_text(agents.read_text().replace("Rule 0 of", "Rule zero of"))
            edit_s, edit = timed(gm)
    n = first.entries
    print(f"store: {'neo4j' if store.startswith(('bolt:', 'neo4j:')) else 'embedded'}")
    print(f"corpus: {first.adr_files} ADRs, {first.rules_files} rules files, {n} entries")
    print(
        f"first sync:   {first_s:7.2f} s  ({1000 * first_s / max(n, 1):6.1f} ms/entry; "
        f"{first.created} created, {first.superseded} superseded)"
    )
    print(f"no change:    {idle_s:7.2f} s  ({idle.unchanged} unchanged)")
    print(
        f"two edits:    {edit_s:7.2f} s  ({edit.updated} ADR revised, {edit.created} rule "
        f"created, {edit.retracted} retracted)"
    )


if __name__ == "__main__":
    main()
