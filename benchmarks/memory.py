"""Memory benchmark: remember throughput (one at a time and `remember --batch`), and cold-process
latency of remember, show, context and stale with N memories in the store.

    .venv/bin/python benchmarks/memory.py                  # embedded store, 10,000 memories
    .venv/bin/python benchmarks/memory.py --memories 2000 --runs 5
    .venv/bin/python benchmarks/memory.py --no-cold         # throughput only
    NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_PASSWORD=... .venv/bin/python benchmarks/memory.py

The code graph is graphmem's own package, copied to a temporary repository and ingested.
Throughput is measured in two parts, so each can be judged: embedding texts in batches of 256,
and `remember` itself (targets, duplicate check, conflict search, one write batch) with the
embedding already done; each rate is given per wall second and per CPU-second of this process
(on a shared machine the first depends on the others' load, printed beside it). Cold latency
runs `python -m graphmem.cli.main ...` in a new process each time (imports, store open, model
load for remember) and reports the median.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from graphmem.api import GraphMem
from graphmem.memory.remember import RememberRequest, remember, remember_many
from graphmem.model import Label
from graphmem.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = [
    "invoices", "payments", "refunds", "tax rules", "user sessions", "the cache", "retries",
    "timeouts", "logging", "metrics", "database migrations", "feature flags", "webhooks",
    "rate limits", "currency rounding", "audit records", "file uploads", "search indexing",
    "email delivery", "background jobs", "the import pipeline", "API pagination", "auth tokens",
]  # fmt: skip
RULES = [
    "must be idempotent", "are immutable once written", "use UTC timestamps only",
    "never block the event loop", "are validated at the API boundary", "log no personal data",
    "retry three times with backoff", "are owned by the platform team", "go through the queue",
    "must stay backwards compatible for two releases", "are covered by contract tests",
    "use Decimal, never float", "are configured through settings, not the environment",
]  # fmt: skip
KINDS = ["decision", "constraint", "fact", "failure", "decision", "constraint"]


class _Precomputed:
    """An embedder that returns vectors computed beforehand (to time remember alone)."""

    name = "precomputed"
    dimensions = 384

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.vectors[t] for t in texts]


def texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        subject, rule = rng.choice(SUBJECTS), rng.choice(RULES)
        out.append(f"{subject.capitalize()} {rule} (note {i})")
    return out


def make_repo(tmp: Path) -> Path:
    repo = tmp / "benchrepo"
    shutil.copytree(
        ROOT / "graphmem", repo / "graphmem", ignore=shutil.ignore_patterns("__pycache__")
    )
    return repo


def populate(gm: GraphMem, n: int) -> tuple[list[str], list[str]]:
    """Remember n memories; prints embedding and remember throughput. Returns ids and targets."""
    targets = [
        node.get("path") if node.has(Label.MODULE) else node.get("qualified_name")
        for node in gm.store.find_nodes(Label.CODE_ENTITY, {"repo": gm.repo})
        if node.has(Label.MODULE) or node.has(Label.FUNCTION) or node.has(Label.CLASS)
    ]
    rng = random.Random(11)
    corpus = texts(n)
    start, cpu = time.perf_counter(), time.process_time()
    vectors: dict[str, list[float]] = {}
    for i in range(0, n, 256):
        chunk = corpus[i : i + 256]
        vectors.update(zip(chunk, gm.embedder.embed(chunk), strict=True))
    embed_s, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"  embed (batches of 256):         {n / embed_s:8.1f} texts/s   ({embed_s:.1f} s), "
        f"{n / cpu:.1f}/CPU-second"
    )
    fake = _Precomputed(vectors)
    ids = []
    start = time.perf_counter()
    window = (start, time.process_time())
    for i, text in enumerate(corpus):
        governs = [rng.choice(targets)] if i % 10 else []
        result = remember(
            gm.store, gm.repo, fake, KINDS[i % len(KINDS)], text, governs=governs, author="bench"
        )
        ids.append(result.memory.id)
        if (i + 1) % 2000 == 0:
            now = (time.perf_counter(), time.process_time())
            print(
                f"    {i - 1998:>6,}-{i + 1:<6,} {2000 / (now[0] - window[0]):7.1f}/s wall "
                f"{2000 / (now[1] - window[1]):7.1f}/CPU-second   (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
            window = now
    remember_s = time.perf_counter() - start
    print(
        f"  remember, embedding excluded:   {n / remember_s:8.1f} memories/s ({remember_s:.1f} s)"
    )
    both = n / (embed_s + remember_s)
    print(f"  remember, embedding included:   {both:8.1f} memories/s")
    return ids, [t for t in targets if t]


def cold(argv: list[str], env: dict[str, str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall time and CPU time (user + system) of `graphmem ARGV` in a fresh process.

    `-P` keeps the working directory off the module path: the repository measured holds a copy
    of graphmem's source, which must not be the one imported.
    """
    walls, cpus = [], []
    for i in range(runs):
        args = [a.replace("{i}", str(i)) for a in argv]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-P", "-m", "graphmem.cli.main", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return statistics.median(walls), statistics.median(cpus)


def bulk(gm: GraphMem, n: int, targets: list[str]) -> None:
    """`remember_many` (what `remember --batch` runs) of n new memories, with the model and with
    vectors computed beforehand."""
    rng = random.Random(23)
    corpus = [f"{t} in batch {b}" for b in ("a", "b") for t in texts(n, seed=29)]
    requests = [
        RememberRequest(KINDS[i % len(KINDS)], text, [rng.choice(targets)] if i % 10 else [])
        for i, text in enumerate(corpus)
    ]
    start, cpu = time.perf_counter(), time.process_time()
    gm.remember_many(requests[:n])
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"  remember --batch, model:        {n / took:8.1f} memories/s ({took:.1f} s), "
        f"{n / cpu:.1f}/CPU-second"
    )
    fake = _Precomputed(dict(zip(corpus[n:], gm.embedder.embed(corpus[n:]), strict=True)))
    start, cpu = time.perf_counter(), time.process_time()
    remember_many(gm.store, gm.repo, fake, requests[n:], author="bench")
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"  remember --batch, no embedding: {n / took:8.1f} memories/s ({took:.1f} s), "
        f"{n / cpu:.1f}/CPU-second"
    )


def run(
    store_url: str | None, label: str, n: int, runs: int, embedder: str, cold_runs: bool
) -> None:
    load = os.getloadavg()[0]
    print(f"\n== {label}: {n} memories (load average {load:.1f} on {os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        repo = make_repo(tmp)
        url = store_url or str(tmp / "graph.db")
        settings = Settings.from_env(store=url, author="bench", user="bench")
        model = None
        if embedder == "sentence-transformers":
            from graphmem.embed.sentence_transformer import SentenceTransformerEmbedder

            model = SentenceTransformerEmbedder(threads=2)
        with GraphMem(settings, repo_root=repo, embedder=model) as gm:
            if store_url:  # a shared server: start from an empty repository of this name
                gm.store.cypher(
                    "MATCH (n {repo: $repo}) DETACH DELETE n", {"repo": gm.repo}, write=True
                )
            start = time.perf_counter()
            gm.ingest()
            print(f"  ingest of the code graph:       {time.perf_counter() - start:8.1f} s")
            ids, targets = populate(gm, n)
            bulk(gm, min(1000, n), targets)
        print(f"  load average now {os.getloadavg()[0]:.1f}")
        if not cold_runs:
            return
        env = {**os.environ, "GRAPHMEM_STORE": url, "HF_HUB_OFFLINE": "1"}
        rng = random.Random(5)
        show_id = rng.choice(ids)
        target = next(t for t in targets if "." in t and "/" not in t)
        print(f"  cold process, median of {runs}:")
        remember_cmd = ["remember", "fact", "Benchmark run {i} stores nothing real", "--json"]
        for name, argv in (
            ("remember", remember_cmd),
            ("show", ["show", show_id, "--json"]),
            ("context", ["context", target, "--json"]),
            ("stale", ["stale", "--json"]),
        ):
            wall, cpu = cold(argv, env, repo, runs)
            print(f"    {name:<10} {wall * 1000:8.0f} ms wall {cpu * 1000:8.0f} ms CPU")
        if store_url:
            with GraphMem(settings, repo_root=repo) as gm:
                gm.store.cypher(
                    "MATCH (n {repo: $repo}) DETACH DELETE n", {"repo": gm.repo}, write=True
                )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="cold runs per command (median)")
    parser.add_argument(
        "--embedder",
        choices=("default", "sentence-transformers"),
        default="default",
        help="model used to populate the store (the cold CLI runs always use the default)",
    )
    parser.add_argument(
        "--backend",
        choices=("all", "embedded", "neo4j"),
        default="all",
        help="which stores to measure (neo4j needs NEO4J_URI)",
    )
    parser.add_argument(
        "--no-cold", action="store_true", help="throughput only, without the cold processes"
    )
    args = parser.parse_args()
    cold_runs = not args.no_cold
    if args.backend in ("all", "embedded"):
        run(None, "embedded", args.memories, args.runs, args.embedder, cold_runs)
    if args.backend in ("all", "neo4j") and os.environ.get("NEO4J_URI"):
        run(os.environ["NEO4J_URI"], "neo4j", args.memories, args.runs, args.embedder, cold_runs)


if __name__ == "__main__":
    main()
