"""Ingest speed: a full ingest, then a one-file incremental re-ingest, in process and by CLI.

    python benchmarks/ingest.py PATH [--backend embedded|neo4j]

PATH is copied to a temporary folder first (the incremental step edits one file of the copy;
the checkout itself is never touched). Prints wall time, MB/s of source parsed, files,
entities, edges and peak RSS for each step (of the code graph's pipeline alone, and with what
`GraphMem.ingest` does after it: re-anchoring memories, reading ADRs and rules files), and the full
ingest as a ratio to raw tree-sitter parsing of the same files in the same run (one process,
bytes already read: the floor any ingest stands on). With `--backend neo4j` the store is
NEO4J_URI (with NEO4J_USERNAME / NEO4J_PASSWORD); the copy's repository is replaced there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graphmem.api import GraphMem
from graphmem.ingest.file_index import load_index
from graphmem.ingest.file_walk import vendored_folder
from graphmem.ingest.language import language_for
from graphmem.settings import Settings

#: The grammar each language parses with: (wheel, entry point), ``.tsx`` aside.
GRAMMARS = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "go": ("tree_sitter_go", "language"),
}


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def cpu_seconds() -> float:
    """CPU time of this process and finished parse workers: wall time on a busy machine lies."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def children_cpu_seconds() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def pick_file(root: Path) -> Path:
    """A mid-sized source file that other modules import (a realistic edit)."""
    sources = sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file()
            and language_for(p.name) is not None
            and vendored_folder(p.relative_to(root).as_posix()) is None
        ),
        key=lambda p: p.stat().st_size,
    )
    if not sources:
        raise SystemExit(f"{root}: no source files")
    return sources[len(sources) * 3 // 4]


def raw_parse_seconds(root: Path, paths: dict[str, str]) -> tuple[float, float, int]:
    """Wall and CPU seconds tree-sitter alone takes to parse `paths` (path -> language), and
    the bytes parsed."""
    import importlib

    from tree_sitter import Language, Parser

    parsers = {}
    for name, (package, entry) in GRAMMARS.items():
        parsers[name] = Parser(Language(getattr(importlib.import_module(package), entry)()))
    tsx = Parser(Language(importlib.import_module("tree_sitter_typescript").language_tsx()))
    sources = [
        (tsx if path.endswith(".tsx") else parsers[language], (root / path).read_bytes())
        for path, language in sorted(paths.items())
        if language in parsers
    ]
    started, cpu = time.perf_counter(), time.process_time()
    for parser, data in sources:
        parser.parse(data)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return wall, cpu, sum(len(data) for _, data in sources)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--backend", choices=("embedded", "neo4j"), default="embedded")
    args = parser.parse_args(argv)
    if not args.path.is_dir():
        raise SystemExit(f"{args.path}: not a directory")

    with tempfile.TemporaryDirectory(prefix="graphmem-bench-") as tmp:
        root = Path(tmp) / args.path.resolve().name
        shutil.copytree(args.path, root, symlinks=True, ignore=shutil.ignore_patterns(".graphmem"))
        if args.backend == "embedded":
            store = str(Path(tmp) / "graph.db")
            settings = Settings(store=store)
        else:
            store = os.environ.get("NEO4J_URI", "")
            if not store:
                raise SystemExit("--backend neo4j needs NEO4J_URI")
            settings = Settings.from_env(store=store)

        with GraphMem(settings, repo_root=root) as gm:
            if args.backend == "neo4j":
                gm.store.cypher(
                    "MATCH (n {repo: $repo}) DETACH DELETE n", {"repo": gm.repo}, write=True
                )
            pipeline_peak = [0.0]

            def note_peak(phase: str, done: int, total: int) -> None:
                if phase == "done":
                    pipeline_peak[0] = peak_rss_mb()[0]

            started, cpu = time.perf_counter(), cpu_seconds()
            report = gm.ingest(progress=note_peak)
            full_seconds = time.perf_counter() - started
            full_cpu = cpu_seconds() - cpu
            counts = gm.store.counts()
            mb = report.bytes_parsed / 1e6
            own, children = peak_rss_mb()
            print(f"repository: {args.path} ({report.files_parsed} files, {mb:.2f} MB parsed)")
            print(
                f"full ingest:        {full_seconds:6.2f} s  {mb / full_seconds:6.2f} MB/s  "
                f"(CPU {full_cpu:.2f} s)  "
                f"entities {counts.get('CodeEntity', 0)}  "
                f"edges {sum(v for k, v in counts.items() if k.isupper())}  "
                f"skipped {sum(report.skipped_by_reason.values())}  "
                f"peak RSS {pipeline_peak[0]:.0f} MB for the code graph, {own:.0f} MB with "
                f"memories and documents (child processes {children:.0f} MB: parse workers, and "
                f"git forked from this process)"
            )
            records = load_index(gm.store, gm.repo).records
            languages = {p: r.language for p, r in records.items()}
            raw, raw_cpu, raw_bytes = raw_parse_seconds(root, languages)
            print(
                f"raw tree-sitter:    {raw:6.2f} s  {raw_bytes / 1e6 / raw:6.2f} MB/s  "
                f"(CPU {raw_cpu:.2f} s; same files, one process)  full ingest = "
                f"{full_seconds / raw:.1f}x raw parsing in wall time, "
                f"{full_cpu / raw_cpu:.1f}x in CPU"
            )

            target = pick_file(root)
            with target.open("a") as handle:
                handle.write("\n\ndef _benchmark_added_function():\n    return None\n")
            started, cpu = time.perf_counter(), cpu_seconds()
            report = gm.ingest()
            seconds = time.perf_counter() - started
            print(
                f"one-file re-ingest: {seconds:6.3f} s  in process "
                f"(CPU {cpu_seconds() - cpu:.3f} s)  "
                f"({target.relative_to(root)}: parsed {report.files_parsed}, "
                f"re-resolved {report.files_resolved}, edges written {report.edges_written})"
            )

        with target.open("a") as handle:
            handle.write("\n\ndef _benchmark_second_function():\n    return None\n")
        graphmem = Path(sys.executable).parent / "graphmem"
        command = [str(graphmem), "ingest", str(root), "--store", store, "--json"]
        started, cpu = time.perf_counter(), children_cpu_seconds()
        done = subprocess.run(command, check=True, capture_output=True, env=os.environ.copy())
        seconds = time.perf_counter() - started
        child_cpu = children_cpu_seconds() - cpu
        pipeline = json.loads(done.stdout)["seconds"]
        print(
            f"one-file re-ingest: {seconds:6.3f} s  as a CLI process (CPU {child_cpu:.3f} s; "
            f"the code graph's pipeline {pipeline:.3f} s of it)"
        )
        own, children = peak_rss_mb()
        print(f"peak RSS: {own:.0f} MB in process, {children:.0f} MB in child processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
