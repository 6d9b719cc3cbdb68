"""Trust-boundary benchmark: what redaction on import, full redaction of receipt queries and
quoting memory text cost.

    .venv/bin/python benchmarks/trust.py                 # 500 imported memories
    .venv/bin/python benchmarks/trust.py --memories 5000

Import: a JSONL file of N memories (5 % with a secret in their text), imported into an empty
embedded store twice, once without graphmem's redaction marker (the full detector on every
record) and once with it (graphmem's own patterns only); memories whose text changed are
re-embedded. Wall and CPU time are both printed: on a shared machine the wall time mostly says
how busy it is. Receipts: the time to redact one query, full detector against graphmem's own
patterns. Quotes: quotes per second, and how many characters and tokens a quote adds to a memory.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

from graphmem.api import GraphMem
from graphmem.memory.quoting import quote_memory
from graphmem.memory.redaction import redact, redact_light
from graphmem.queries.tokens import default_counter
from graphmem.settings import Settings

SECRET = "ghp_R8vX2mQ9tL4kP7wZ3nB6yH1jD5fG0sA8cE2u"


def _export(n: int, marked: bool) -> str:
    extra = {"redacted": "graphmem"} if marked else {}
    lines = []
    for i in range(n):
        text = f"Invoices of batch {i} are rounded per line, never per total"
        if i % 20 == 0:
            text += f"; the uploader pushes with {SECRET}"
        props = {
            "kind": "decision",
            "text": text,
            "rationale": "auditors compare line totals",
            "status": "active",
            "repo": "bench",
            "author": "ana",
            "created_at": "2026-11-01T00:00:00+00:00",
            "valid_from": "2026-11-01T00:00:00+00:00",
            "tags": ["billing", "rounding"],
            "embedding": [0.01] * 384,
        }
        record = {"kind": "node", "id": f"d-{i:06x}", "labels": ["Decision", "Memory"]}
        lines.append(json.dumps({**record, "properties": props, **extra}))
    return "\n".join(lines) + "\n"


def bench_import(n: int) -> None:
    for marked in (False, True):
        text = _export(n, marked)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "bench"
            root.mkdir()
            settings = Settings(store=str(Path(tmp) / "graph.db"), author="bench")
            with GraphMem(settings, repo_root=root) as gm:
                gm.embedder.embed(["warm up"])
                start, cpu = time.perf_counter(), time.process_time()
                result = gm.import_jsonl(io.StringIO(text))
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        kind = "with the marker (own patterns)" if marked else "without the marker (full detector)"
        print(
            f"import {n} memories {kind}: {seconds:.2f} s wall, {cpu:.2f} s CPU "
            f"({n / cpu:,.0f} records per CPU second); "
            f"{len(result.redacted_records)} redacted and re-embedded"
        )


def bench_receipts(runs: int = 2000) -> None:
    queries = [f"why are invoices of batch {i} rounded per line" for i in range(runs)]
    redact(queries[0])  # detect-secrets loaded once per process
    for name, run in (("full detector", redact), ("own patterns", redact_light)):
        times = []
        for query in queries:
            start = time.perf_counter()
            run(query)
            times.append(time.perf_counter() - start)
        print(f"receipt query redaction, {name}: median {statistics.median(times) * 1e3:.3f} ms")


def bench_quotes(runs: int = 20000) -> None:
    counter = default_counter()
    text = "Invoices are immutable once sent; corrections are credit notes\nbecause: auditors"
    start = time.perf_counter()
    for i in range(runs):
        quoted = quote_memory(text, kind="decision", id=f"d-{i:06x}", source="mcp", author="ana")
    seconds = time.perf_counter() - start
    chars = len(quoted) - len(text)
    tokens = counter.count(quoted) - counter.count(text)
    print(
        f"quote_memory: {runs / seconds:,.0f} quotes/s; a quote adds {chars} characters, "
        f"{tokens} tokens (all-MiniLM-L6-v2 WordPiece) to a memory"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memories", type=int, default=500)
    args = parser.parse_args()
    bench_import(args.memories)
    bench_receipts()
    bench_quotes()


if __name__ == "__main__":
    main()
