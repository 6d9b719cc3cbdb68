"""Cold commands: whole `graphmem` processes in a repository that has a store, by turns for one
or more copies of graphmem's code, with the median wall and CPU time of each.

    python benchmarks/cold.py REPO -- show d-1a2b3c4d
    python benchmarks/cold.py REPO --code /tmp/old --code . --runs 11 -- stale
    python benchmarks/cold.py REPO --stdin payload.json -- hook claude-code

Each `--code` is a checkout whose `graphmem` package is imported (through PYTHONPATH, with the
interpreter running this script); the default is this checkout. Runs alternate between them, so
a busy machine slows each alike: on a shared 2-core machine that is the only fair comparison.
`--stdin` feeds a file to every run (a hook's payload). A failing run stops it with its error.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = "import sys; from graphmem.cli.main import main; sys.exit(main(sys.argv[1:]))"


def run_once(code: Path, repo: Path, argv: list[str], stdin: bytes | None) -> tuple[float, float]:
    """Wall and CPU seconds of one `graphmem ARGV` process importing graphmem from `code`."""
    env = {**os.environ, "PYTHONPATH": str(code), "HF_HUB_OFFLINE": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-P", "-c", RUN, *argv],
        input=stdin,
        capture_output=True,
        cwd=repo,
        env=env,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{code}: graphmem {' '.join(argv)} failed: {done.stderr.decode()[-300:]}")
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo", type=Path, help="a repository with a graphmem store")
    parser.add_argument("--code", type=Path, action="append", help="a checkout of graphmem")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--stdin", type=Path, help="a file every run reads on its stdin")
    parser.add_argument("argv", nargs="+", help="the command, after --")
    args = parser.parse_args()
    codes = [c.resolve() for c in args.code or [ROOT]]
    stdin = args.stdin.read_bytes() if args.stdin else None
    times: dict[Path, list[tuple[float, float]]] = {code: [] for code in codes}
    for _ in range(args.runs):
        for code in codes:
            times[code].append(run_once(code, args.repo, args.argv, stdin))
    print(f"graphmem {' '.join(args.argv)}: median of {args.runs} cold processes")
    for code, runs in times.items():
        wall = statistics.median(w for w, _ in runs) * 1000
        cpu = statistics.median(c for _, c in runs) * 1000
        print(f"  {str(code):<40} wall {wall:6.0f} ms   CPU {cpu:6.0f} ms")
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
