"""How far graphmem's Java, Rust, C or C++ code graph agrees with a compiler-grade oracle.

Java's oracle is JavaParser's symbol solver (java-oracle/, built with Maven from Maven Central on
first use): definitions from its syntax tree, supertypes and call targets resolved by type.
Rust's is rustc (rust_oracle.py): items from its HIR, the callee of every call from its THIR.
Both sides are mapped to qualified-name tuples and compared with score.py's rows and bar, plus
an IMPLEMENTS row; the rules are in docs/accuracy.md.

    python benchmarks/accuracy/score_languages.py [--language java|rust|c|cpp]
        CHECKOUT [CHECKOUT...] [--show-errors N] [--json FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle import CLASS, FUNCTION, METHOD, MODULE, Definition, OracleResult  # noqa: E402
from score import (  # noqa: E402
    Comparison,
    GraphNode,
    GraphSide,
    Row,
    _row,
    print_comparison,
    to_json,
)

INTERFACE = "Interface"
DEFINITION_KINDS = (MODULE, CLASS, INTERFACE, FUNCTION, METHOD)
TYPES = {CLASS, INTERFACE}
#: The endpoint kinds DESIGN §2 and §8 allow per edge type.
ENDPOINTS = {
    "IMPORTS": ({MODULE}, {MODULE}),
    "INHERITS": (TYPES, TYPES),
    "IMPLEMENTS": (TYPES, {INTERFACE}),
    "CALLS": ({FUNCTION, METHOD}, {FUNCTION, METHOD, CLASS}),
}
ORACLE_DIR = Path(__file__).resolve().parent / "java-oracle"


# -- the oracle ------------------------------------------------------------------------------


@dataclass
class LanguageOracle:
    result: OracleResult
    implements: set[tuple[str, str]]
    #: (caller, callee name) of the calls the oracle could not resolve
    unresolved: set[tuple[str, str]]
    seconds: float
    summary: str
    #: rows this oracle has facts for (the others are not measured)
    rows: frozenset[str] = frozenset({"IMPORTS", "INHERITS", "IMPLEMENTS"})
    #: callers whose calls the oracle could not check (clang's errors in their bodies)
    unchecked: frozenset[str] = frozenset()


def rust_oracle(checkout: Path) -> LanguageOracle:
    """rustc's HIR and THIR of every workspace target (rust_oracle.py), cached per checkout
    and commit under $TMPDIR/graphmem-accuracy/ (a dirty work tree is analysed again)."""
    from rust_oracle import analyse

    head = subprocess.run(
        ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    commit = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    key = hashlib.sha1(f"{checkout}\0{commit}".encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / "graphmem-accuracy" / f"rust-{key}.json"
    if commit and not head.stdout.strip() and cache.exists():
        data = json.loads(cache.read_text())
        result = OracleResult.from_json(data["result"])
        implements = {(a, b) for a, b in data["implements"]}
        seconds, targets = data["seconds"], data["targets"]
        summary = f"rustc (cached; {seconds:.1f} s) (targets: {', '.join(targets)})"
    else:
        found = analyse(checkout)
        result, implements, seconds, targets = (
            found.result,
            found.implements,
            found.seconds,
            found.targets,
        )
        summary = f"rustc {seconds:.1f} s (targets: {', '.join(targets)})"
        if commit:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(
                json.dumps(
                    {
                        "result": result.to_json(),
                        "implements": sorted(implements),
                        "seconds": seconds,
                        "targets": targets,
                    }
                )
            )
    return LanguageOracle(
        result, implements, set(), seconds, summary, frozenset({"IMPORTS", "IMPLEMENTS"})
    )


def clang_oracle(checkout: Path, language: str) -> LanguageOracle:
    """Parse every C (and for C++, C++) file of `checkout` with libclang (clang_oracle.py)."""
    from clang_oracle import analyse_cached

    found = analyse_cached(checkout, language)
    stats = found.result.stats
    summary = (
        f"libclang {found.seconds:.1f} s ({stats['calls_resolved']} calls resolved, "
        f"{stats['calls_unresolved']} not, {stats['calls_in_macros']} calls and "
        f"{stats['definitions_in_macros']} definitions written by macros only; "
        f"{stats['invalid_declarations']} invalid declarations and the calls of "
        f"{stats['unchecked_functions']} functions with errors left out)"
    )
    return LanguageOracle(
        found.result,
        set(),
        found.unresolved,
        found.seconds,
        summary,
        frozenset({"IMPORTS", "INHERITS"}),
        frozenset(found.unchecked),
    )


def java_oracle(checkout: Path) -> LanguageOracle:
    """Run JavaParser's symbol solver over `checkout`."""
    classpath = ORACLE_DIR / "target" / "classpath.txt"
    if not classpath.exists():
        subprocess.run(
            ["mvn", "-q", "-B", "compile", "dependency:build-classpath"]
            + [f"-Dmdep.outputFile={classpath}"],
            cwd=ORACLE_DIR,
            check=True,
        )
    with tempfile.TemporaryDirectory(prefix="graphmem-java-oracle-") as tmp:
        out = Path(tmp) / "oracle.json"
        started = time.perf_counter()
        subprocess.run(
            [
                "java",
                "-Xmx1g",
                "-cp",
                f"{ORACLE_DIR / 'target' / 'classes'}:{classpath.read_text()}",
            ]
            + ["graphmem.oracle.JavaOracle", str(checkout), str(out)],
            check=True,
        )
        seconds = time.perf_counter() - started
        data = json.loads(out.read_text())
    result = OracleResult(
        repo_root=data["repo_root"],
        package_root=data["package_root"],
        definitions=[Definition(**d) for d in data["definitions"]],
        imports={(a, b) for a, b in data["imports"]},
        inherits={(a, b) for a, b in data["inherits"]},
        calls={(a, b) for a, b in data["calls"]},
        call_evidence={(a, b): (p, n, f) for a, b, p, n, f in data["call_evidence"]},
        stats={
            "files": data["files"],
            "calls_resolved": data["calls_resolved"],
            "calls_unresolved": data["calls_unresolved"],
        },
    )
    summary = (
        f"JavaParser {seconds:.1f} s ({data['calls_resolved']} calls resolved, "
        f"{data['calls_unresolved']} not)"
    )
    return LanguageOracle(
        result,
        {(a, b) for a, b in data["implements"]},
        {(a, b) for a, b in data["unresolved_sites"]},
        seconds,
        summary,
    )


# -- graphmem's side ---------------------------------------------------------------------------

#: A C++ repository's ``.h`` headers are entities of language "c".
_LANGUAGE_FAMILY = {"cpp": {"c", "cpp"}}


def ingest(checkout: Path, workdir: Path, language: str) -> GraphSide:
    """Ingest `checkout` into a fresh embedded store and read back its code graph."""
    from graphmem.api import GraphMem
    from graphmem.model.graph import Label, RelType
    from graphmem.settings import Settings
    from graphmem.store import open_store

    url = str(workdir / "graph.db")
    settings = Settings(store=url)
    side = GraphSide()
    started = time.perf_counter()
    with GraphMem(settings, repo_root=checkout) as graph:
        graph.ingest()
    side.ingest_seconds = time.perf_counter() - started
    labels = {MODULE: Label.MODULE, CLASS: Label.CLASS, INTERFACE: Label.INTERFACE}
    labels |= {FUNCTION: Label.FUNCTION, METHOD: Label.METHOD}
    wanted = {t.value for t in (RelType.IMPORTS, RelType.INHERITS, RelType.IMPLEMENTS)}
    wanted.add(RelType.CALLS.value)
    with open_store(url, settings) as store:
        side.counts = store.counts()
        for kind, label in labels.items():
            for node in store.iter_nodes(label):
                if node.get("language") in _LANGUAGE_FAMILY.get(language, {language}):
                    side.nodes[node.id] = GraphNode(
                        qualified_name=node.get("qualified_name"),
                        kind=kind,
                        path=node.get("path", ""),
                        start_line=node.get("start_line") or 0,
                        end_line=node.get("end_line") or 0,
                    )
        for edge in store.iter_edges():
            kind = str(edge.type.value)
            if kind in wanted and edge.source in side.nodes and edge.target in side.nodes:
                side.edges.append(
                    (kind, edge.source, edge.target, edge.properties.get("resolution"))
                )
    return side


# -- the comparison ------------------------------------------------------------------------------


def compare(name: str, java: LanguageOracle, graph: GraphSide) -> Comparison:
    """Both sides as qualified-name tuples, restricted to the oracle's library files. A call
    graphmem resolved where the solver resolved none of that name from that caller cannot be
    checked: it is left out of both sides and counted in a note."""
    oracle, implements = java.result, java.implements
    library_paths = {d.path for d in oracle.definitions if d.kind == MODULE}
    oracle_defs = {(d.qualified_name, d.kind) for d in oracle.definitions}
    library = {i: n for i, n in graph.nodes.items() if n.path in library_paths}
    graph_defs = {(n.qualified_name, n.kind) for n in library.values()}
    found: dict[str, set[tuple[str, str]]] = {k: set() for k in ("IMPORTS", "INHERITS")}
    found |= {"IMPLEMENTS": set(), "CALLS exact": set(), "CALLS heuristic": set()}
    notes = []
    unverifiable = unconfigured = unchecked = 0
    for kind, source_id, target_id, resolution in graph.edges:
        if source_id not in library or target_id not in library:
            continue
        source, target = library[source_id], library[target_id]
        if (
            kind != "IMPORTS"
            and not {
                (source.qualified_name, source.kind),
                (target.qualified_name, target.kind),
            }
            <= oracle_defs
        ):
            unconfigured += 1  # code the compiler did not see (#[cfg] options that are off)
            continue
        sources, targets = ENDPOINTS[kind]
        if source.kind not in sources or target.kind not in targets:
            notes.append(f"off-schema edge: {kind} {source.kind}→{target.kind}")
            continue
        pair = (source.qualified_name, target.qualified_name)
        if kind == "CALLS" and source.qualified_name in java.unchecked:
            unchecked += 1
            continue
        if kind == "CALLS":
            callee = target.qualified_name.rsplit(".", 1)[-1].rsplit("::", 1)[-1]
            if pair not in oracle.calls and (pair[0], callee) in java.unresolved:
                unverifiable += 1
                continue
            kind = "CALLS exact" if resolution == "exact" else "CALLS heuristic"
        found[kind].add(pair)

    rows = [_row("definitions", oracle_defs, graph_defs)]
    errors: dict[str, tuple[list[Any], list[Any]]] = {
        "definitions": (sorted(graph_defs - oracle_defs), sorted(oracle_defs - graph_defs))
    }
    for kind in DEFINITION_KINDS:
        rows.append(
            _row(
                f"  {kind}",
                {d for d in oracle_defs if d[1] == kind},
                {d for d in graph_defs if d[1] == kind},
            )
        )
    exact, heuristic = found["CALLS exact"], found["CALLS heuristic"]
    for row_name, got, expected in (
        ("IMPORTS", found["IMPORTS"], oracle.imports),
        ("INHERITS", found["INHERITS"], oracle.inherits),
        ("IMPLEMENTS", found["IMPLEMENTS"], implements),
        ("CALLS exact", exact, oracle.calls),
        ("CALLS all", exact | heuristic, oracle.calls),
        ("  heuristic only", heuristic - exact, oracle.calls),
    ):
        if row_name in ("IMPORTS", "INHERITS", "IMPLEMENTS") and row_name not in java.rows:
            notes.append(f"{row_name}: not measured (the oracle does not report them)")
            expected, got = set(), set()
        row = _row(row_name, expected, got)
        if row_name == "  heuristic only":
            row = Row(row.name, row.oracle, row.graphmem, row.matched, precision_only=True)
        rows.append(row)
        errors[row_name.strip()] = (sorted(got - expected), sorted(expected - got))
    lines = {
        (n.qualified_name, n.kind, n.path): (n.start_line, n.end_line) for n in library.values()
    }
    same_lines = sum(
        1
        for d in oracle.definitions
        if d.kind != MODULE
        and lines.get((d.qualified_name, d.kind, d.path)) == (d.start_line, d.end_line)
    )
    notes.append(
        f"{unverifiable} graphmem calls left out: the solver could not resolve that name there"
    )
    if unchecked:
        notes.append(
            f"{unchecked} graphmem calls left out: from a function the compiler reported errors in"
        )
    if unconfigured:
        notes.append(
            f"{unconfigured} graphmem edges left out: from or to a definition the oracle does "
            "not have (code behind #[cfg] options that are off)"
        )
    notes.append(f"line ranges: {same_lines} definitions have the oracle's start and end line")
    return Comparison(name, oracle, graph, rows, errors, sorted(set(notes)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkouts", nargs="+", type=Path, metavar="CHECKOUT")
    parser.add_argument("--language", choices=("java", "rust", "c", "cpp"), default="java")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N", help="samples per list")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    results = []
    status = 0
    for checkout in args.checkouts:
        if not checkout.is_dir():
            parser.error(f"{checkout} is not a folder")
        checkout = checkout.resolve()
        if args.language in ("c", "cpp"):
            found = clang_oracle(checkout, args.language)
        else:
            found = (rust_oracle if args.language == "rust" else java_oracle)(checkout)
        with tempfile.TemporaryDirectory(prefix="graphmem-accuracy-") as tmp:
            graph = ingest(checkout, Path(tmp), args.language)
        comparison = compare(checkout.name, found, graph)
        print(f"== {checkout.name}: {found.result.stats['files']} library files")
        print(f"   graphmem ingest {graph.ingest_seconds:.1f} s; {found.summary}")
        status |= print_comparison(comparison, args.show_errors)
        results.append(to_json(comparison))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
