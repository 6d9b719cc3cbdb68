"""CPU time of the two steps a language module owns, parse and resolve, on one checkout.

    python benchmarks/language_steps.py CHECKOUT [--runs N] [--language go|typescript|...]

Every source file of the checkout's languages (or of `--language` only) is read once, then
parsed and resolved in this process `--runs` times; the best run of each step is printed, so a
busy machine inflates the figures less than wall time of a whole ingest. Run it from two
worktrees (``PYTHONPATH=WORKTREE``), interleaved, to compare two versions of a language module.
No store is written.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from graphmem.ingest.file_walk import VENDORED_DIRS
from graphmem.ingest.language import (
    FileResolver,
    ParsedFile,
    RepoIndex,
    RepoLayout,
    language_for,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkout", type=Path, help="a repository checkout")
    parser.add_argument("--runs", type=int, default=7, help="runs of each step (best is shown)")
    parser.add_argument("--language", help="only this language's files (go, typescript, ...)")
    args = parser.parse_args(argv)
    root = args.checkout.resolve()
    files = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not set(p.relative_to(root).parts) & (VENDORED_DIRS | {".git"})
    )
    layout = RepoLayout(root, frozenset(files))
    sources = {}
    for path in files:
        support = language_for(path)
        if support is not None and args.language in (None, support.name):
            sources[path] = (support, (root / path).read_bytes())
    best_parse = best_resolve = float("inf")
    for _ in range(args.runs):
        started = time.process_time()
        parsed: list[ParsedFile] = [
            support.parse(path, source, support.module_name(path, layout))
            for path, (support, source) in sources.items()
        ]
        parsed_at = time.process_time()
        index = RepoIndex.from_files(parsed)
        resolvers: dict[str, FileResolver] = {}
        for file in parsed:
            support = sources[file.path][0]
            resolver = resolvers.setdefault(support.name, support.resolver(index))
            with index.tracking():  # as the pipeline does: dependencies recorded per file
                resolver.resolve(file)
        best_parse = min(best_parse, parsed_at - started)
        best_resolve = min(best_resolve, time.process_time() - parsed_at)
    megabytes = sum(len(source) for _, source in sources.values()) / 1e6
    print(
        f"{root.name}: {len(sources)} files, {megabytes:.2f} MB; parse {best_parse:.3f} s, "
        f"resolve {best_resolve:.3f} s of CPU (best of {args.runs})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
