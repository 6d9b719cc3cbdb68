"""Hook benchmark: cold `graphmem hook claude-code` processes, per event, on a large repository
with N memories (default 10,000), embedded store or Neo4j. Prints p50 and p95 per event.

    .venv/bin/python benchmarks/hooks.py                         # embedded, 10,000 memories
    .venv/bin/python benchmarks/hooks.py --memories 2000 --runs 10
    NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_PASSWORD=... \
        .venv/bin/python benchmarks/hooks.py --backend neo4j

The repository is graphmem's own package copied into a temporary git repository and ingested.
Memories are written through `import` (a JSONL export, as a team would share one): a few hundred
real texts embedded once, spread over modules, classes, functions and directories, 1% of them
repository-wide. Each measured run is a whole process started the way an agent starts it, with
a new session id (so the hook has something to say) unless the event says otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from graphmem.api import GraphMem
from graphmem.model import Label
from graphmem.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
GRAPHMEM = Path(sys.executable).with_name("graphmem")
KINDS = ["constraint", "decision", "fact", "failure", "decision", "constraint", "preference"]
SUBJECTS = ["invoices", "retries", "the cache", "timeouts", "logging", "migrations", "webhooks"]
RULES = ["must be idempotent", "use UTC only", "never block the event loop", "log no personal data"]


def make_repo(tmp: Path) -> Path:
    repo = tmp / "benchrepo"
    shutil.copytree(
        ROOT / "graphmem", repo / "graphmem", ignore=shutil.ignore_patterns("__pycache__")
    )
    git = ["git", "-C", str(repo), "-c", "user.email=b@example.org", "-c", "user.name=b"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "bench"], check=True)
    return repo


def populate(gm: GraphMem, n: int) -> None:
    """N memories through `import_jsonl`, anchored like `remember` anchors them."""
    entities = [
        node
        for node in gm.store.find_nodes(Label.CODE_ENTITY, {"repo": gm.repo})
        if any(
            node.has(k)
            for k in (Label.MODULE, Label.CLASS, Label.FUNCTION, Label.METHOD, Label.DIRECTORY)
        )
    ]
    repository = gm.store.find_nodes(Label.REPOSITORY, {"repo": gm.repo})[0]
    rng = random.Random(17)
    distinct = [f"{s.capitalize()} {r}" for s in SUBJECTS for r in RULES]
    vectors = gm.embedder.embed(distinct)
    now = "2026-11-30T12:00:00+00:00"
    lines = []
    for i in range(n):
        target = repository if i % 100 == 0 else rng.choice(entities)
        kind = KINDS[i % len(KINDS)]
        memory_id = f"{kind[0] if kind != 'fact' else 'k'}-{i:08x}"
        j = i % len(distinct)
        props: dict[str, Any] = {
            "kind": kind,
            "text": f"{distinct[j]} (note {i}).",
            "status": "active",
            "repo": gm.repo,
            "author": "bench",
            "created_at": now,
            "valid_from": now,
            "tags": [],
            "embedding": vectors[j],
            "anchor_ids": [target.id],
            "anchor_names": [str(target.get("qualified_name") or "")],
            "anchor_paths": [str(target.get("path") or "")],
            "anchor_kinds": [
                str(target.get("kind") or next(iter(set(target.labels) - {Label.CODE_ENTITY})))
            ],
            "anchor_hashes": [str(target.get("content_hash") or "")],
        }
        if kind == "preference":
            props["user"] = "bench"
        label = kind.capitalize()
        lines.append(
            {"kind": "node", "id": memory_id, "labels": [label, "Memory"], "properties": props}
        )
        lines.append({
            "kind": "edge", "type": "GOVERNS", "source": memory_id, "target": target.id,
            "properties": {"content_hash": props["anchor_hashes"][0], "created_at": now},
        })  # fmt: skip
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    gm.import_jsonl(io.StringIO(text))


def busiest_module(gm: GraphMem) -> tuple[str, str, str]:
    """A module with many governing memories, and the first line of one of its functions."""
    best: tuple[int, str, str, str] = (0, "", "", "")
    for module in gm.store.find_nodes(Label.MODULE, {"repo": gm.repo}):
        path = str(module.get("path"))
        funcs = [n for n in gm.store.find_nodes(Label.FUNCTION, {"repo": gm.repo, "path": path})]
        if not funcs:
            continue
        count = len(gm.governing(module.id))
        if count > best[0]:
            source = (gm.repo_root / path).read_text().splitlines()
            line = source[int(funcs[0].get("start_line")) - 1]
            best = (count, path, line, str(funcs[0].get("qualified_name")))
    print(f"  busiest module: {best[1]} ({best[0]} governing memories)")
    return best[1], best[2], best[3]


def payloads(repo: Path, path: str, old: str, symbol: str) -> dict[str, dict[str, Any]]:
    base = {"transcript_path": "/tmp/t.jsonl", "cwd": str(repo), "permission_mode": "default"}
    full = str(repo / path)
    return {
        "session start": {**base, "hook_event_name": "SessionStart", "source": "startup"},
        "before edit": {
            **base, "hook_event_name": "PreToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": full, "old_string": old, "new_string": old + "  # x"},
        },
        "before edit, repeat": {
            **base, "hook_event_name": "PreToolUse", "tool_name": "Edit", "session_id": "same",
            "tool_input": {"file_path": full, "old_string": old, "new_string": old + "  # x"},
        },
        "miss (Bash)": {
            **base, "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": "ls"},
        },
        "prompt": {**base, "hook_event_name": "UserPromptSubmit", "prompt": f"Why is {symbol} so?"},
        "prompt naming nothing known": {
            **base, "hook_event_name": "UserPromptSubmit",
            "prompt": "Please tidy the `retry_policy` helper and the FooBarWidget before lunch.",
        },
        "before writing a new file": {
            **base, "hook_event_name": "PreToolUse", "tool_name": "Write",
            "tool_input": {"file_path": str(repo / "src" / "brand_new.py"), "content": "x = 1\n"},
        },
        "after edit": {
            **base, "hook_event_name": "PostToolUse", "tool_name": "Edit",
            "tool_input": {"file_path": full, "old_string": old, "new_string": old},
            "tool_response": {"filePath": full, "success": True},
        },
    }  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(name: str, data: dict[str, Any], repo: Path, env: dict[str, str], runs: int) -> None:
    times = []
    said = 0
    target = (
        repo / str(data.get("tool_input", {}).get("file_path", ""))
        if name == "after edit"
        else None
    )
    for i in range(runs):
        event = {"session_id": f"bench-{name}-{i}", **data}
        if target is not None:  # a real change each time, so the re-ingest has work to do
            target.write_text(target.read_text() + f"\n# edit {i}\n")
        start = time.perf_counter()
        done = subprocess.run(
            [str(GRAPHMEM), "hook", "claude-code"], input=json.dumps(event).encode(),
            capture_output=True, cwd=repo, env=env,
        )  # fmt: skip
        times.append(time.perf_counter() - start)
        said += bool(done.stdout.strip())
    p50, p95 = statistics.median(times) * 1000, percentile(times, 0.95) * 1000
    load = os.getloadavg()[0]
    print(
        f"    {name:<22} p50 {p50:6.0f} ms   p95 {p95:6.0f} ms   answered {said}/{runs}"
        f"   (load average {load:.1f} on {os.cpu_count()} cores)"
    )


def run(store_url: str | None, label: str, n: int, runs: int) -> None:
    print(f"\n== {label}: {n} memories, {runs} cold runs per event")
    with tempfile.TemporaryDirectory() as tmpdir:
        repo = make_repo(Path(tmpdir))
        url = store_url or str(repo / ".graphmem" / "graph.db")
        settings = Settings.from_env(store=url, author="bench", user="bench")
        with GraphMem(settings, repo_root=repo) as gm:
            if store_url:
                gm.store.cypher(
                    "MATCH (n {repo: $repo}) DETACH DELETE n", {"repo": gm.repo}, write=True
                )
            start = time.perf_counter()
            gm.ingest()
            populate(gm, n)
            print(f"  ingest + import:  {time.perf_counter() - start:.1f} s")
            path, old, symbol = busiest_module(gm)
        env = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "GRAPHMEM_USER": "bench",
            "GRAPHMEM_HOOK_DEADLINE": "30",
        }
        if store_url:
            env["GRAPHMEM_STORE"] = store_url
        for name, data in payloads(repo, path, old, symbol).items():
            measure(name, data, repo, env, runs)
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
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="embedded")
    args = parser.parse_args()
    if args.backend in ("embedded", "both"):
        run(None, "embedded", args.memories, args.runs)
    if args.backend in ("neo4j", "both"):
        uri = os.environ.get("NEO4J_URI")
        if not uri:
            raise SystemExit("--backend neo4j needs NEO4J_URI (and NEO4J_PASSWORD)")
        run(uri, f"neo4j {uri}", args.memories, args.runs)


if __name__ == "__main__":
    main()
