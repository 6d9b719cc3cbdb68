"""How far graphmem's code graph agrees with an independent analysis of the same checkout.

Ingests each checkout into a fresh temporary store, runs the oracle (oracle.py: `ast` + Jedi for
Python; `--oracle ts` the TypeScript compiler API, `--oracle go` go/types: compiler_oracles.py),
maps both sides to qualified-name tuples and prints precision, recall and F1 per kind of fact.
The rules of the comparison are in docs/accuracy.md.

    python benchmarks/accuracy/score.py CHECKOUT [CHECKOUT...] [--oracle jedi|ts|go]
        [--package-root DIR] [--store-backend embedded] [--show-errors N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import compiler_oracles  # noqa: E402
from oracle import (  # noqa: E402
    CLASS,
    FUNCTION,
    METHOD,
    MODULE,
    Definition,
    OracleResult,
    detect_package_root,
    load_or_analyse,
)

INTERFACE = "Interface"
DEFINITION_KINDS = (MODULE, CLASS, INTERFACE, FUNCTION, METHOD)

#: The bar graphmem's impact analysis is held to: (row, measure, minimum).
BAR = (
    ("definitions", "recall", 0.99),
    ("IMPORTS", "f1", 0.95),
    ("INHERITS", "f1", 0.95),
    ("CALLS exact", "precision", 0.90),
    ("CALLS exact", "recall", 0.80),
)
#: The call-recall bar, for every language: exact + heuristic recall, exact precision.
RECALL_BAR = (("CALLS exact", "precision", 0.98), ("CALLS all", "recall", 0.90))


@dataclass(frozen=True)
class GraphNode:
    qualified_name: str
    kind: str
    path: str
    start_line: int
    end_line: int


@dataclass
class GraphSide:
    """What graphmem stored: its code definitions and the edges between them."""

    nodes: dict[str, GraphNode] = field(default_factory=dict)
    #: (type, source id, target id, resolution) for IMPORTS, INHERITS and CALLS
    edges: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    ingest_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    name: str
    oracle: int
    graphmem: int
    matched: int
    #: a subset of graphmem's edges (heuristic only): its recall says nothing, its precision does
    precision_only: bool = False

    @property
    def precision(self) -> float:
        return self.matched / self.graphmem if self.graphmem else float("nan")

    @property
    def recall(self) -> float:
        if self.precision_only or not self.oracle:
            return float("nan")
        return self.matched / self.oracle

    @property
    def f1(self) -> float:
        if self.precision_only or not self.oracle + self.graphmem:
            return float("nan")
        return 2 * self.matched / (self.oracle + self.graphmem)


# -- graphmem's side ---------------------------------------------------------------------------


def ingest(checkout: Path, backend: str, workdir: Path) -> GraphSide:
    """Ingest `checkout` into a fresh store and read back its code graph.

    Only the embedded store is used by default; `neo4j` reads NEO4J_URI and friends, and the
    repository's existing data there is replaced by the ingest.
    """
    from graphmem.api import GraphMem
    from graphmem.model.graph import Label, RelType
    from graphmem.settings import Settings
    from graphmem.store import open_store

    if backend == "embedded":
        url = str(workdir / "graph.db")
        settings = Settings(store=url)
    else:
        url = os.environ.get("NEO4J_URI", "")
        if not url:
            raise SystemExit("--store-backend neo4j needs NEO4J_URI (and NEO4J_PASSWORD)")
        settings = Settings.from_env(store=url)

    side = GraphSide()
    started = time.perf_counter()
    with GraphMem(settings, repo_root=checkout) as graph:
        graph.ingest()
        repo = graph.repo
    side.ingest_seconds = time.perf_counter() - started

    labels = {MODULE: Label.MODULE, CLASS: Label.CLASS, FUNCTION: Label.FUNCTION}
    labels |= {METHOD: Label.METHOD, INTERFACE: Label.INTERFACE}
    wanted = {RelType.IMPORTS.value, RelType.INHERITS.value, RelType.CALLS.value}
    wanted.add(RelType.IMPLEMENTS.value)
    with open_store(url, settings) as store:
        side.counts = store.counts()
        for kind, label in labels.items():
            for node in store.iter_nodes(label):
                if node.get("repo", repo) == repo:
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
                resolution = edge.properties.get("resolution")
                side.edges.append((kind, edge.source, edge.target, resolution))
    return side


# -- the comparison ------------------------------------------------------------------------------


@dataclass
class Comparison:
    name: str
    oracle: OracleResult
    graph: GraphSide
    rows: list[Row]
    errors: dict[str, tuple[list[Any], list[Any]]]  # row -> (false positives, false negatives)
    notes: list[str]


#: The endpoint kinds DESIGN §2 allows per edge type.
ENDPOINTS = {
    "IMPORTS": ({MODULE}, {MODULE}),
    "INHERITS": ({CLASS, INTERFACE}, {CLASS, INTERFACE}),
    "IMPLEMENTS": ({CLASS}, {INTERFACE}),
    "CALLS": ({FUNCTION, METHOD}, {FUNCTION, METHOD, CLASS}),
}


def compare(name: str, oracle: OracleResult, graph: GraphSide) -> Comparison:
    """Both sides as sets of qualified-name tuples, restricted to the library's files."""
    library_paths = {d.path for d in oracle.definitions if d.kind == MODULE}
    oracle_defs = {(d.qualified_name, d.kind) for d in oracle.definitions}
    library = {i: n for i, n in graph.nodes.items() if n.path in library_paths}
    graph_defs = {(n.qualified_name, n.kind) for n in library.values()}

    found: dict[str, set[tuple[str, str]]] = {"IMPORTS": set(), "INHERITS": set()}
    found |= {"CALLS exact": set(), "CALLS heuristic": set()}
    found |= {"IMPLEMENTS": set(), "IMPLEMENTS exact": set()}
    off_schema: Counter[str] = Counter()
    for kind, source_id, target_id, resolution in graph.edges:
        if source_id not in library or target_id not in library:
            continue  # an edge from tests, docs or examples: not compared
        source, target = library[source_id], library[target_id]
        sources, targets = ENDPOINTS[kind]
        if source.kind not in sources or target.kind not in targets:
            off_schema[f"{kind} {source.kind}→{target.kind}"] += 1
            continue
        if kind == "CALLS":
            if resolution not in ("exact", "heuristic"):
                off_schema[f"CALLS with resolution={resolution!r}"] += 1
            kind = "CALLS exact" if resolution == "exact" else "CALLS heuristic"
        elif kind == "IMPLEMENTS" and resolution == "exact":
            found["IMPLEMENTS exact"].add((source.qualified_name, target.qualified_name))
        found[kind].add((source.qualified_name, target.qualified_name))

    rows = [_row("definitions", oracle_defs, graph_defs)]
    errors: dict[str, tuple[list[Any], list[Any]]] = {
        "definitions": (sorted(graph_defs - oracle_defs), sorted(oracle_defs - graph_defs))
    }
    for kind in DEFINITION_KINDS:
        o = {d for d in oracle_defs if d[1] == kind}
        g = {d for d in graph_defs if d[1] == kind}
        if o or g or kind != INTERFACE:
            rows.append(_row(f"  {kind}", o, g))

    exact, heuristic = found["CALLS exact"], found["CALLS heuristic"]
    for row_name, got, expected in (
        ("IMPORTS", found["IMPORTS"], oracle.imports),
        ("INHERITS", found["INHERITS"], oracle.inherits),
        ("CALLS exact", exact, oracle.calls),
        ("CALLS all", exact | heuristic, oracle.calls),
        ("  heuristic only", heuristic - exact, oracle.calls),
    ):
        row = _row(row_name, expected, got)
        if row_name == "  heuristic only":
            row = Row(row.name, row.oracle, row.graphmem, row.matched, precision_only=True)
        rows.append(row)
        errors[row_name.strip()] = (sorted(got - expected), sorted(expected - got))
    if oracle.implements is not None:  # the TypeScript and Go oracles see what implements what
        rows.append(_row("IMPLEMENTS", oracle.implements, found["IMPLEMENTS"]))
        exact_only = _row("  IMPLEMENTS exact", oracle.implements, found["IMPLEMENTS exact"])
        rows.append(
            Row(
                exact_only.name,
                exact_only.oracle,
                exact_only.graphmem,
                exact_only.matched,
                precision_only=True,
            )
        )
        errors["IMPLEMENTS"] = (
            sorted(found["IMPLEMENTS"] - oracle.implements),
            sorted(oracle.implements - found["IMPLEMENTS"]),
        )

    notes = []
    dispatch = _dispatch_edges(heuristic - exact, exact | heuristic, library)
    if dispatch:
        kept = heuristic - exact - dispatch
        right = len(kept & oracle.calls)
        notes.append(
            f"{len(dispatch)} heuristic CALLS go to implementations of an interface method their "
            "caller calls (dynamic dispatch: the oracle names only the interface's method); "
            f"heuristic-only precision without them {right}/{len(kept)}"
        )
    # A name defined twice (conditional definitions) agrees if any of its definitions does.
    by_key: dict[tuple[str, str], list[Definition]] = {}
    for d in oracle.definitions:
        by_key.setdefault((d.qualified_name, d.kind), []).append(d)
    matched = [
        (by_key[(n.qualified_name, n.kind)], n)
        for n in library.values()
        if n.kind != MODULE and (n.qualified_name, n.kind) in by_key
    ]
    same_lines = sum(
        1
        for candidates, n in matched
        if any(
            n.start_line in (o.start_line, o.def_line) and n.end_line == o.end_line
            for o in candidates
        )
    )
    if matched:
        notes.append(
            f"line ranges: {same_lines}/{len(matched)} matched classes and functions have the "
            "oracle's start line (decorator or def) and end line"
        )
    kind_mismatch = {qn for qn, _ in oracle_defs - graph_defs} & {
        qn for qn, _ in graph_defs - oracle_defs
    }
    if kind_mismatch:
        notes.append(f"{len(kind_mismatch)} definitions found with another kind")
    outside = len(graph.nodes) - len(library)
    if outside:
        notes.append(f"{outside} graphmem definitions outside the library files were not compared")
    for what, count in sorted(off_schema.items()):
        notes.append(f"off-schema edges (left out): {count} × {what}")
    return Comparison(name, oracle, graph, rows, errors, notes)


def _dispatch_edges(
    heuristic: set[tuple[str, str]], calls: set[tuple[str, str]], nodes: dict[str, GraphNode]
) -> set[tuple[str, str]]:
    """The heuristic calls of `M` from callers that also call an interface's method `M`."""
    interfaces = {n.qualified_name for n in nodes.values() if n.kind == INTERFACE}
    through = {
        (caller, target.rsplit(".", 1)[-1])
        for caller, target in calls
        if target.rsplit(".", 1)[0] in interfaces
    }
    return {
        (c, t)
        for c, t in heuristic
        if (c, t.rsplit(".", 1)[-1]) in through and t.rsplit(".", 1)[0] not in interfaces
    }


def _row(name: str, expected: set[Any], got: set[Any]) -> Row:
    return Row(name, len(expected), len(got), len(expected & got))


# -- printing --------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return "  -  " if value != value else f"{value:.3f}"  # NaN: nothing to measure


def table_lines(comparison: Comparison) -> Iterator[str]:
    yield f"{'':18} {'oracle':>7} {'graphmem':>8} {'match':>6} {'prec':>6} {'recall':>6} {'F1':>6}"
    for row in comparison.rows:
        yield (
            f"{row.name:18} {row.oracle:7d} {row.graphmem:8d} {row.matched:6d} "
            f"{_fmt(row.precision):>6} {_fmt(row.recall):>6} {_fmt(row.f1):>6}"
        )


def bar_lines(comparison: Comparison) -> Iterator[str]:
    rows = {row.name: row for row in comparison.rows}
    for row_name, measure, minimum in (*BAR, *RECALL_BAR):
        if not rows[row_name].oracle:
            continue  # the oracle found none of these: nothing to measure
        value = getattr(rows[row_name], measure)
        verdict = "ok" if value >= minimum else "BELOW"
        yield f"  {row_name} {measure} {_fmt(value)} (bar {minimum:.2f}): {verdict}"


def print_comparison(comparison: Comparison, show_errors: int) -> bool:
    """The table, notes, bar and (with `show_errors`) sample errors of one repository;
    True when a figure is below its bar."""
    for line in table_lines(comparison):
        print(line)
    for note in comparison.notes:
        print(f"  note: {note}")
    print("bar:")
    below = False
    for line in bar_lines(comparison):
        print(line)
        below |= "BELOW" in line
    if show_errors:
        for line in error_lines(comparison, show_errors):
            print(line)
    print()
    return below


def error_lines(comparison: Comparison, samples: int) -> Iterator[str]:
    """Samples of disagreements, with the call's form and place where the oracle saw it."""
    rng = random.Random(0)
    evidence = comparison.oracle.call_evidence
    for category, (false_pos, false_neg) in comparison.errors.items():
        if category == "heuristic only":
            continue
        for label, items in (("false positives", false_pos), ("false negatives", false_neg)):
            if not items:
                continue
            yield f"{category} {label} ({len(items)}):"
            if category.startswith("CALLS") and label == "false negatives":
                forms = Counter(evidence[i][2] for i in items if i in evidence)
                yield "  by call form: " + ", ".join(f"{f} {n}" for f, n in forms.most_common())
            if category.startswith("CALLS") and label == "false positives":
                yield "  " + _wrong_target_summary(items, comparison.oracle)
            for item in sorted(rng.sample(items, min(samples, len(items)))):
                where = evidence.get(item) if isinstance(item, tuple) else None
                text = " -> ".join(item) if category != "definitions" else f"{item[1]} {item[0]}"
                if where:
                    text += f"   [{where[2]} at {where[0]}:{where[1]}]"
                yield f"  {text}"


def _wrong_target_summary(false_pos: list[tuple[str, str]], oracle: OracleResult) -> str:
    """Split false positives: the oracle resolved the same callee name elsewhere, or not at all."""
    oracle_by_caller_name: set[tuple[str, str]] = {
        (caller, callee.rsplit(".", 1)[-1]) for caller, callee in oracle.calls
    }
    wrong = sum(
        1
        for caller, callee in false_pos
        if (caller, callee.rsplit(".", 1)[-1]) in oracle_by_caller_name
    )
    return (
        f"{wrong} where the oracle resolved a callee of that name from that caller to another "
        f"target; {len(false_pos) - wrong} where it has no edge to that name"
    )


def to_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "checkout": comparison.name,
        "stats": comparison.oracle.stats,
        "ingest_seconds": round(comparison.graph.ingest_seconds, 2),
        "rows": [
            {
                "name": row.name.strip(),
                "oracle": row.oracle,
                "graphmem": row.graphmem,
                "matched": row.matched,
                "precision": row.precision,
                "recall": row.recall,
                "f1": row.f1,
            }
            for row in comparison.rows
        ],
        "notes": comparison.notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "checkouts", nargs="+", type=Path, metavar="CHECKOUT", help="a pure-Python library checkout"
    )
    parser.add_argument(
        "--oracle",
        choices=("jedi", *compiler_oracles.ORACLES),
        default="jedi",
        help="jedi: Python (default); ts: TypeScript/JavaScript; go: Go",
    )
    parser.add_argument(
        "--package-root",
        help="folder holding the packages, relative to each checkout "
        "(default: src/ if it holds a package, else the checkout)",
    )
    parser.add_argument(
        "--store-backend",
        choices=("embedded", "neo4j"),
        default="embedded",
        help="embedded: a temporary SQLite file (default); neo4j: NEO4J_URI",
    )
    parser.add_argument("--show-errors", type=int, default=0, metavar="N", help="samples per list")
    parser.add_argument("--no-cache", action="store_true", help="recompute the oracle")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    results = []
    status = 0
    for checkout in args.checkouts:
        if not checkout.is_dir():
            parser.error(f"{checkout} is not a folder")
        checkout = checkout.resolve()
        package_root = checkout / args.package_root if args.package_root else None
        started = time.perf_counter()
        if args.oracle == "jedi":
            oracle, cached = load_or_analyse(checkout, package_root, not args.no_cache)
        oracle_seconds = time.perf_counter() - started
        with tempfile.TemporaryDirectory(prefix="graphmem-accuracy-") as tmp:
            graph = ingest(checkout, args.store_backend, Path(tmp))
        if args.oracle != "jedi":
            data = compiler_oracles.run(args.oracle, checkout)
            oracle, cached = compiler_oracles.to_result(data, checkout, graph.nodes), False
            oracle_seconds = data["stats"]["seconds"]
        comparison = compare(checkout.name, oracle, graph)
        stats = oracle.stats
        root = detect_package_root(checkout) if package_root is None else package_root
        print(f"== {checkout.name}: {stats['files']} files, {stats['lines']} lines under {root}")
        timing = (
            f" (ast {stats['seconds_ast']} s, Jedi {stats['seconds_jedi']} s)"
            if args.oracle == "jedi"
            else ""
        )
        print(
            f"   graphmem ingest {graph.ingest_seconds:.1f} s; oracle "
            + ("cached" if cached else f"{oracle_seconds:.1f} s")
            + timing
        )
        status |= print_comparison(comparison, args.show_errors)
        results.append(to_json(comparison))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
