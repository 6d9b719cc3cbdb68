"""Store benchmark: bulk write throughput and read latencies on a synthetic code graph.

    python benchmarks/store.py                      # embedded; Neo4j too when NEO4J_URI is set
    python benchmarks/store.py --nodes 50000 --edges 120000 --backend embedded
    python benchmarks/store.py --remember 10000      # remember's rate as the store fills

Besides bulk writes and single reads it times three reads of the shape one answer makes, as three
store calls and inside one `snapshot()` (one read transaction: on Neo4j, one session set-up).

The graph looks like an ingested code base: repositories contain directories, modules contain
classes and functions, and functions call each other (seeded, so runs are comparable). Neo4j
runs only on an empty database unless --wipe is given, which clears it before and after; it is
timed after an untimed warm-up pass (--warm-up), as a long-running server would be.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.settings import Settings
from graphmem.store import Direction, GraphStore, WriteBatch, open_store
from graphmem.store.base import GraphReads


@dataclass
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    functions: list[str]


def synthetic_graph(n_nodes: int, n_edges: int, seed: int = 7) -> Graph:
    """A code-shaped graph: a CONTAINS tree over every node, then CALLS/IMPORTS up to n_edges."""
    rng = random.Random(seed)
    nodes: list[Node] = []
    edges: list[Edge] = []
    functions: list[str] = []
    modules: list[str] = []

    def add(kind: Label, repo: str, path: str, qname: str, parent: str | None) -> str:
        node_id = f"e-{len(nodes):08x}"
        nodes.append(
            Node(
                id=node_id,
                labels=(Label.CODE_ENTITY, kind),
                properties={
                    "repo": repo,
                    "path": path,
                    "name": qname.rsplit(".", 1)[-1],
                    "qualified_name": qname,
                    "start_line": rng.randint(1, 900),
                    "end_line": rng.randint(900, 2000),
                    "language": "python",
                    "content_hash": f"{rng.getrandbits(64):016x}",
                },
            )
        )
        if parent is not None:
            edges.append(Edge(type=RelType.CONTAINS, source=parent, target=node_id))
        return node_id

    repos = max(1, n_nodes // 50_000)
    per_repo = n_nodes // repos
    for r in range(repos):
        repo = f"repo{r}"
        start = len(nodes)
        root = add(Label.REPOSITORY, repo, "", repo, None)
        d = 0
        while len(nodes) - start < per_repo and len(nodes) < n_nodes:
            directory = add(Label.DIRECTORY, repo, f"pkg{d}", f"{repo}.pkg{d}", root)
            for m in range(10):
                if len(nodes) - start >= per_repo:
                    break
                path = f"pkg{d}/mod{m}.py"
                module = add(Label.MODULE, repo, path, f"{repo}.pkg{d}.mod{m}", directory)
                modules.append(module)
                cls = add(Label.CLASS, repo, path, f"{repo}.pkg{d}.mod{m}.C", module)
                for f in range(12):
                    kind, parent, name = (
                        (Label.METHOD, cls, f"C.m{f}")
                        if f % 3 == 0
                        else (Label.FUNCTION, module, f"f{f}")
                    )
                    functions.append(add(kind, repo, path, f"{repo}.pkg{d}.mod{m}.{name}", parent))
            d += 1
    seen = {e.key for e in edges}
    while len(edges) < n_edges:
        if rng.random() < 0.85:
            rel, a, b = RelType.CALLS, rng.choice(functions), rng.choice(functions)
        else:
            rel, a, b = RelType.IMPORTS, rng.choice(modules), rng.choice(modules)
        if (rel.value, a, b) not in seen:
            seen.add((rel.value, a, b))
            props = {"resolution": "exact"} if rel is RelType.CALLS else {}
            edges.append(Edge(type=rel, source=a, target=b, properties=props))
    return Graph(nodes, edges, functions)


@dataclass
class Clock:
    """Wall time, and this process's CPU time (the whole cost for the embedded store)."""

    wall: float = 0.0
    cpu: float = 0.0

    def time(self, fn: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu


def latencies(fn: Callable[[str], object], ids: Sequence[str]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    samples = []
    for node_id in ids:
        start = time.perf_counter_ns()
        fn(node_id)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    cuts = statistics.quantiles(samples, n=20)
    return statistics.median(samples), cuts[18]


def run(store: GraphStore, graph: Graph, batch: int, samples: int) -> dict[str, str]:
    nodes_t, edges_t = Clock(), Clock()
    for i in range(0, len(graph.nodes), batch):
        nodes_t.time(partial(store.write, WriteBatch(upsert_nodes=graph.nodes[i : i + batch])))
    for i in range(0, len(graph.edges), batch):
        edges_t.time(partial(store.write, WriteBatch(upsert_edges=graph.edges[i : i + batch])))
    rng = random.Random(1)
    ids = [rng.choice(graph.nodes).id for _ in range(samples)]
    fns = [rng.choice(graph.functions) for _ in range(samples)]
    qnames = [store.get_node(i).properties["qualified_name"] for i in ids[:200]]  # type: ignore[union-attr]
    types = [RelType.CONTAINS, RelType.CALLS]
    point = latencies(store.get_node, ids)
    hood = latencies(lambda i: store.edges([i], direction=Direction.BOTH), fns)
    walk = latencies(
        lambda i: store.traverse([i], types, Direction.OUT, 3), fns[: max(20, samples // 10)]
    )
    find = latencies(lambda q: store.find_nodes(where={"qualified_name": q}), qnames)
    by_qname = dict(zip(ids[: len(qnames)], qnames, strict=True))

    def three_reads(reads: GraphReads, node_id: str) -> None:
        """The shape of one answer's steps: a lookup, the node, its neighbourhood."""
        reads.find_nodes(where={"qualified_name": by_qname[node_id]})
        reads.get_node(node_id)
        reads.edges([node_id], direction=Direction.BOTH)

    def in_snapshot(node_id: str) -> None:
        with store.snapshot() as view:
            three_reads(view, node_id)

    separate = latencies(lambda i: three_reads(store, i), list(by_qname))
    together = latencies(in_snapshot, list(by_qname))
    total = len(graph.nodes) + len(graph.edges)
    ms = "{:.3f} / {:.3f} ms".format
    return {
        "write nodes+edges/s": f"{total / (nodes_t.wall + edges_t.wall):,.0f}",
        "  nodes/s": f"{len(graph.nodes) / nodes_t.wall:,.0f}",
        "  edges/s": f"{len(graph.edges) / edges_t.wall:,.0f}",
        "  per client CPU-second": f"{total / (nodes_t.cpu + edges_t.cpu):,.0f}",
        "get_node p50/p95": ms(*point),
        "edges(BOTH) p50/p95": ms(*hood),
        "traverse d=3 p50/p95": ms(*walk),
        "find qualified_name p50/p95": ms(*find),
        "3 reads, 3 calls p50/p95": ms(*separate),
        "3 reads, 1 snapshot p50/p95": ms(*together),
    }


def remember_as_it_fills(store: GraphStore, n: int) -> None:
    """`remember` one memory at a time into an empty repository, printing the rate of each
    1,000: with the vector cache updated in place it stays within the cost of the exact scan.

    Vectors are random (seeded) and computed beforehand, so this times the store side of
    remember (duplicate check, conflict search, the write), not the model.
    """
    from graphmem.memory.remember import remember

    rng = random.Random(3)
    texts = [f"Rule {i}: totals are kept in unit {rng.random():.6f}" for i in range(n)]
    vectors = {t: [rng.gauss(0, 1) for _ in range(384)] for t in texts}

    class Precomputed:
        name = "precomputed"
        dimensions = 384

        def embed(self, batch: Sequence[str]) -> list[list[float]]:
            return [vectors[t] for t in batch]

    embedder = Precomputed()
    store.write(
        WriteBatch(
            upsert_nodes=[
                Node(
                    id="bench-repo",
                    labels=(Label.CODE_ENTITY, Label.REPOSITORY),
                    properties={"repo": "bench", "path": "", "name": "bench"},
                )
            ]
        )
    )
    cpu, wall = time.process_time(), time.perf_counter()
    for i, text in enumerate(texts):
        remember(store, "bench", embedder, "decision", text, author="bench")
        if (i + 1) % 1000 == 0:
            now_cpu, now_wall = time.process_time(), time.perf_counter()
            print(
                f"  remember {i + 1 - 999:>6,}-{i + 1:<6,} {1000 / (now_wall - wall):7.1f}/s wall "
                f"{1000 / (now_cpu - cpu):7.1f}/CPU-second",
                flush=True,
            )
            cpu, wall = now_cpu, now_wall


NEO4J_WIPE = "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS"


def warm_up(store: GraphStore, graph: Graph, batch: int) -> None:
    """Write `graph` and delete it again, untimed: a JVM server's first writes run before its JIT
    has compiled the write path (about half the warm rate), which is not what a long-running
    server does. Like JMH's warm-up iterations, and said beside the figures."""
    for i in range(0, len(graph.nodes), batch):
        store.write(WriteBatch(upsert_nodes=graph.nodes[i : i + batch]))
    for i in range(0, len(graph.edges), batch):
        store.write(WriteBatch(upsert_edges=graph.edges[i : i + batch]))
    store.cypher(NEO4J_WIPE, write=True)


def open_backend(name: str, workdir: Path, wipe: bool) -> GraphStore | None:
    if name == "embedded":
        return open_store(str(workdir / "bench.db"))
    settings = Settings.from_env()
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        print("neo4j: skipped (NEO4J_URI is not set)", file=sys.stderr)
        return None
    store = open_store(uri, settings)
    if wipe:
        store.cypher(NEO4J_WIPE, write=True)
    elif sum(store.counts().values()):
        print("neo4j: skipped (the database is not empty; --wipe clears it)", file=sys.stderr)
        store.close()
        return None
    return store


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200_000)
    parser.add_argument("--edges", type=int, default=500_000)
    parser.add_argument("--backend", choices=["embedded", "neo4j", "all"], default="all")
    parser.add_argument("--batch", type=int, default=20_000, help="items per write batch")
    parser.add_argument("--samples", type=int, default=2000, help="reads per latency figure")
    parser.add_argument("--wipe", action="store_true", help="clear the Neo4j database first")
    parser.add_argument(
        "--warm-up",
        type=float,
        default=0.25,
        metavar="FRACTION",
        help="Neo4j: first write (and delete) a graph of this fraction of the size, untimed, so "
        "that the server's JIT is warm; 0 times a cold server",
    )
    parser.add_argument(
        "--remember",
        type=int,
        metavar="N",
        help="instead: remember N memories one by one, printing the rate per 1,000",
    )
    args = parser.parse_args(argv)
    if args.remember:
        backend = "embedded" if args.backend == "all" else args.backend
        with tempfile.TemporaryDirectory(prefix="graphmem-bench-") as tmp:
            store = open_backend(backend, Path(tmp), args.wipe)
            if store is None:
                return 1
            print(
                f"{backend}: remember {args.remember:,} memories into an empty repository "
                f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
            )
            try:
                remember_as_it_fills(store, args.remember)
            finally:
                store.close()
        return 0

    backends = ["embedded", "neo4j"] if args.backend == "all" else [args.backend]
    if args.backend == "all" and not os.environ.get("NEO4J_URI"):
        backends = ["embedded"]
    start = time.perf_counter()
    graph = synthetic_graph(args.nodes, args.edges)
    print(
        f"graph: {len(graph.nodes):,} nodes, {len(graph.edges):,} edges "
        f"(built in {time.perf_counter() - start:.1f} s); batches of {args.batch:,}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    results: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="graphmem-bench-") as tmp:
        for name in backends:
            store = open_backend(name, Path(tmp), args.wipe)
            if store is None:
                continue
            try:
                if name == "neo4j" and args.warm_up > 0:
                    size = (round(args.nodes * args.warm_up), round(args.edges * args.warm_up))
                    warm_up(store, synthetic_graph(*size, seed=8), args.batch)
                    print(
                        f"neo4j: timed after an untimed warm-up pass of {size[0]:,} nodes and "
                        f"{size[1]:,} edges (written, then deleted; --warm-up 0 times it cold)"
                    )
                results[name] = run(store, graph, args.batch, args.samples)
                if name == "neo4j" and args.wipe:
                    store.cypher(NEO4J_WIPE, write=True)
            finally:
                store.close()
    if not results:
        return 1
    names = list(results)
    rows = list(next(iter(results.values())))
    width = max(map(len, rows))
    print(f"{'':<{width}}  " + "  ".join(f"{n:>22}" for n in names))
    for row in rows:
        print(f"{row:<{width}}  " + "  ".join(f"{results[n][row]:>22}" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
