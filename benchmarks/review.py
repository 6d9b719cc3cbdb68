"""Review benchmark: `review` of a ~20-file change on a large repository with N memories.

    .venv/bin/python benchmarks/review.py PATH                  # PATH: a git repository
    .venv/bin/python benchmarks/review.py PATH --files 20 --memories 10000 --runs 20

The change is the one of PATH's last 100 first-parent commits whose diff touches the number
of source files closest to --files. Its base is checked out in a temporary work tree named like
PATH (so entity ids match) and ingested into a fresh embedded store, as the GitHub Action does;
then N synthetic memories are attached to random code entities (benchmarks/queries.py), and the
range is reviewed:

- warm: `GraphMem.review` again and again in one process (p50, p95);
- process: the whole `graphmem review BASE --head HEAD --json` command, as CI runs it (p50).

Targets: warm <= 1 s, process <= 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from queries import add_memories  # benchmarks/queries.py

from graphmem.api import GraphMem
from graphmem.ingest.language import language_for
from graphmem.model import Label
from graphmem.settings import Settings

GRAPHMEM = Path(sys.executable).with_name("graphmem")


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def pick_range(root: Path, files: int) -> tuple[str, str, int]:
    """(base, head, source files changed): of the last 100 first-parent commits, the one whose
    change touches the number of source files closest to `files` (a pull request's size)."""
    best: tuple[int, str, int] | None = None
    for commit in git(root, "rev-list", "--first-parent", "--max-count=100", "HEAD").split():
        names = git(root, "diff", "--name-only", f"{commit}~1", commit).split("\n")
        changed = sum(1 for n in names if n and language_for(n) is not None)
        if best is None or abs(changed - files) < best[0]:
            best = (abs(changed - files), commit, changed)
    if best is None:
        raise SystemExit("no commits to review")
    head = best[1]
    return git(root, "rev-parse", f"{head}~1").strip(), head, best[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--depth", type=int, default=3)
    args = parser.parse_args()
    root = args.path.resolve()
    base, head, changed = pick_range(root, args.files)
    tracked = len(git(root, "ls-files").splitlines())
    print(f"{root.name}: {tracked} files; {base[:10]}..{head[:10]} changes {changed} source files")

    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base" / root.name
        git(root, "worktree", "add", "--detach", str(tree), base)
        try:
            store = str(Path(tmp) / "graph.db")
            settings = Settings(store=store, user="bench")
            with GraphMem(settings, repo_root=tree) as gm:
                started = time.perf_counter()
                report = gm.ingest(history=0)
                elapsed = time.perf_counter() - started
                print(f"  ingest of the base: {report.files_parsed} files in {elapsed:.1f} s")
                entities = gm.store.find_nodes(Label.CODE_ENTITY, {"repo": gm.repo})
                add_memories(gm, entities, args.memories, seed=7, dims=384)
                print(f"  {args.memories} memories on {len(entities)} entities")
            with GraphMem(settings, repo_root=root) as gm:
                samples = []
                for _ in range(args.runs + 1):
                    started = time.perf_counter()
                    result = gm.review(base, head, depth=args.depth)
                    samples.append(time.perf_counter() - started)
                first, warm = samples[0], sorted(samples[1:])
                c = result.counts
                print(
                    f"  review: {c.entities} changed entities, {c.dependents} dependents, "
                    f"{c.tests} tests, {c.memories} memories at stake"
                )
                print(f"  first call in the process   {first * 1000:7.0f} ms")
                print(
                    f"  warm  p50 {statistics.median(warm) * 1000:7.0f} ms   "
                    f"p95 {warm[int(0.95 * (len(warm) - 1))] * 1000:7.0f} ms   (n={len(warm)})"
                )
            times = []
            for _ in range(max(3, args.runs // 4)):
                started = time.perf_counter()
                subprocess.run(
                    [str(GRAPHMEM), "--store", store, "review", base, "--head", head, "--json"],
                    cwd=root,
                    check=True,
                    capture_output=True,
                )
                times.append(time.perf_counter() - started)
            print(
                f"  process p50 {statistics.median(times) * 1000:7.0f} ms   "
                f"max {max(times) * 1000:7.0f} ms   (n={len(times)})"
            )
        finally:
            git(root, "worktree", "remove", "--force", str(tree))


if __name__ == "__main__":
    main()
