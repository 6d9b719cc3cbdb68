"""Several processes on one store at once: every acknowledged write is there, none twice.

Writers are separate Python processes using the GraphMem API (as scripts do), shell loops of
`python -m graphmem.cli.main remember`, and a `graphmem mcp` server driven by the MCP SDK client;
two CLI ingests run beside them. A reader process
searches and exports while they write. Afterwards the store must hold exactly what the writers
were told succeeded, and pass the integrity check (conftest.check_integrity).

Figures are printed (run with -s) and recorded in docs/reliability.md.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphmem.model.graph import Label, RelType
from graphmem.store import Direction, GraphStore

WRITER = textwrap.dedent(
    """
    import json, random, sys
    from graphmem.api import GraphMem
    from graphmem.errors import GraphMemError
    from graphmem.settings import Settings

    url, root, name, ops, seed = sys.argv[1:6]
    rng = random.Random(int(seed))
    words = "ledger invoice cache retry queue tenant audit quota shard index".split()
    gm = GraphMem(Settings.from_env(store=url), repo_root=root)

    def ack(**record):
        print(json.dumps(record), flush=True)

    head = None
    for i in range(int(ops)):
        text = f"{name} note {i}: {rng.choice(words)} {rng.choice(words)} {rng.random():.6f}"
        roll = rng.random()
        try:
            if head and roll < 0.3:
                result = gm.remember("decision", text, tags=[name], supersedes=[head])
                ack(op="supersede", id=result.memory.id, old=head, text=text)
                head = result.memory.id
            elif head and roll < 0.4:
                gm.retract(head, reason=f"{name} changed its mind")
                ack(op="retract", id=head)
                head = None
            else:
                result = gm.remember("fact", text, tags=[name])
                assert result.created, result
                ack(op="remember", id=result.memory.id, text=text)
                head = result.memory.id
        except GraphMemError as e:
            ack(op="error", error=f"{type(e).__name__}: {e}")
    gm.close()
    """
)

MCP_WRITER = textwrap.dedent(
    """
    import json, os, sys
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    url, root, name, ops = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

    def text_of(result):
        return "\\n".join(p.text for p in result.content if getattr(p, "text", None))

    async def main():
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "graphmem.cli.main", "mcp", "--store", url, "--repo", root],
            env=dict(os.environ),  # the SDK passes only a few variables by default
        )
        async with Client(params, read_timeout_seconds=300) as client:
            for i in range(ops):
                text = f"{name} mcp note {i} ledger quota"
                result = await client.call_tool(
                    "remember", {"kind": "fact", "text": text, "tags": [name]}
                )
                if result.is_error:
                    print(json.dumps({"op": "error", "error": text_of(result)}), flush=True)
                    continue
                memory_id = text_of(result).split()[1]
                print(json.dumps({"op": "remember", "id": memory_id, "text": text}), flush=True)
                await client.call_tool("search", {"query": "ledger quota"})

    anyio.run(main)
    """
)

READER = textwrap.dedent(
    """
    import io, json, sys, time
    from graphmem.api import GraphMem
    from graphmem.errors import GraphMemError
    from graphmem.settings import Settings

    url, root, stop_file = sys.argv[1:4]
    gm = GraphMem(Settings.from_env(store=url), repo_root=root)
    reads = errors = 0
    import os
    while not os.path.exists(stop_file):
        try:
            gm.search("ledger invoice retry")
            buffer = io.StringIO()
            gm.export_jsonl(buffer)
            gm.events(limit=20)
            reads += 3
        except GraphMemError as e:
            errors += 1
            print(json.dumps({"op": "error", "error": f"{type(e).__name__}: {e}"}), flush=True)
        time.sleep(0.05)
    print(json.dumps({"op": "reads", "reads": reads, "errors": errors}), flush=True)
    gm.close()
    """
)


def _store_url(store: GraphStore) -> str:
    path = getattr(store, "path", None)
    return str(path) if path is not None else str(store.url)  # type: ignore[attr-defined]


def _records(proc: subprocess.Popen[str], timeout: float = 600) -> list[dict[str, Any]]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _expected_state(acks: list[dict[str, Any]]) -> dict[str, str]:
    """memory id -> the status the acknowledged operations of one writer imply."""
    status: dict[str, str] = {}
    for ack in acks:
        if ack["op"] in ("remember", "supersede"):
            status[ack["id"]] = "active"
        if ack["op"] == "supersede":
            status[ack["old"]] = "superseded"
        if ack["op"] == "retract":
            status[ack["id"]] = "retracted"
    return status


CLI_WRITES = 8
MCP_WRITES = 10


def _cli_writer(url: str, root: Path, name: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """One shell loop of `graphmem remember` calls; prints one JSON result per success."""
    script = "\n".join(
        f'"{sys.executable}" -m graphmem.cli.main remember fact '
        f'"{name} cli note {i} audit quota" --json --store "{url}" --repo "{root}" '
        f'|| echo \'{{"op": "error", "error": "exit $?"}}\''
        for i in range(CLI_WRITES)
    )
    return subprocess.Popen(
        ["bash", "-c", script],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _cli_acks(proc: subprocess.Popen[str]) -> list[dict[str, Any]]:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    decoder = json.JSONDecoder()
    acks, position = [], 0
    while True:
        while position < len(out) and out[position].isspace():
            position += 1
        if position >= len(out):
            return acks
        value, position = decoder.raw_decode(out, position)
        if value.get("op") == "error":
            acks.append(value)
        else:
            memory = value.get("memory", value)
            acks.append({"op": "remember", "id": memory["id"], "text": memory["text"]})


FIXTURE_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "pyrepo"


def _make_repo(root: Path, extra_modules: int) -> None:
    """The pyrepo fixture plus `extra_modules` generated modules that call into it."""
    shutil.copytree(FIXTURE_REPO, root)
    package = root / "src" / "shop" / "generated"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(extra_modules):
        functions = "\n\n".join(
            f"def handler_{i}_{j}(x):\n    return compute_tax(x) + handler_{i}_{j - 1}(x)"
            if j
            else f"def handler_{i}_0(x):\n    return compute_tax(x)"
            for j in range(20)
        )
        (package / f"mod_{i:03d}.py").write_text(
            f"from shop.billing.tax import compute_tax\n\n\n{functions}\n"
        )


def _ingest(url: str, root: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Two CLI ingests in a row (the second after a change), as a user would run them."""
    cli = f'"{sys.executable}" -m graphmem.cli.main'
    script = (
        f'{cli} ingest "{root}" --json --store "{url}" >"{root.parent}/first-ingest.json" && '
        f'echo "def added(): return 1" >> "{root}/src/shop/util.py" && '
        f'{cli} ingest "{root}" --json --store "{url}"'
    )
    return subprocess.Popen(
        ["bash", "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_concurrent_writers_lose_nothing_and_duplicate_nothing(
    store: GraphStore,
    tmp_path: Path,
    check_integrity: Callable[[GraphStore], Any],
    spawn_python: Callable[..., subprocess.Popen[str]],
    graphmem_env: dict[str, str],
) -> None:
    _spawn = spawn_python
    writers, ops = 3, 20
    url = _store_url(store)
    root = tmp_path / "shop"
    _make_repo(root, extra_modules=40)
    stop = tmp_path / "stop"
    started = time.monotonic()
    reader = _spawn(READER, url, str(root), str(stop))
    procs = [
        _spawn(WRITER, url, str(root), f"w{i}", str(ops), str(1000 + i)) for i in range(writers)
    ]
    cli_procs = [_cli_writer(url, root, f"c{i}", graphmem_env) for i in range(2)]
    ingest = _ingest(url, root, graphmem_env)
    mcp = _spawn(MCP_WRITER, url, str(root), "m0", str(MCP_WRITES))
    acks = {f"w{i}": _records(p) for i, p in enumerate(procs)}
    acks["m0"] = _records(mcp)
    acks.update({f"c{i}": _cli_acks(p) for i, p in enumerate(cli_procs)})
    ingest_out, ingest_err = ingest.communicate(timeout=600)
    assert ingest.returncode == 0, ingest_err
    ingested = json.loads(ingest_out)
    stop.touch()
    reads = _records(reader)
    elapsed = time.monotonic() - started

    errors = [a for writer in acks.values() for a in writer if a["op"] == "error"]
    errors += [r for r in reads if r["op"] == "error"]
    assert errors == []
    memories = {n.id: n for n in store.iter_nodes(Label.MEMORY)}
    created_total = 0
    for name, writer_acks in acks.items():
        created = [a for a in writer_acks if a["op"] in ("remember", "supersede")]
        created_total += len(created)
        # every acknowledged memory is there, with its text
        for ack in created:
            assert ack["id"] in memories, f"{name}: acknowledged {ack['id']} is missing"
            assert memories[ack["id"]].get("text") == ack["text"]
        # and none twice: one node per acknowledged text
        texts = Counter(
            n.get("text")
            for n in memories.values()
            if str(n.get("text", "")).startswith(f"{name} ")
        )
        assert texts == Counter(a["text"] for a in created), name
        for memory_id, status in _expected_state(writer_acks).items():
            assert memories[memory_id].get("status") == status, memory_id
        for ack in writer_acks:
            if ack["op"] == "supersede":
                out = store.edges([ack["old"]], [RelType.SUPERSEDED_BY], Direction.OUT)
                assert [e.target for e in out] == [ack["id"]]
    # one remember event per memory
    remembered = Counter(
        mid
        for event in store.iter_nodes(Label.EVENT)
        if event.get("action") == "remember"
        for mid in event.get("memory_ids") or []
    )
    assert set(remembered.values()) == {1}
    assert len(remembered) == created_total
    # the ingest landed whole: every generated module with its functions, and the change
    modules = {n.get("path") for n in store.iter_nodes(Label.MODULE)}
    assert {f"src/shop/generated/mod_{i:03d}.py" for i in range(40)} <= modules
    assert store.find_nodes(Label.FUNCTION, {"qualified_name": "shop.util.added"})
    first = json.loads((root.parent / "first-ingest.json").read_text())
    assert ingested["files_changed"] == 1, (first, ingested)
    report = check_integrity(store)
    total_ops = sum(len(a) for a in acks.values())
    summary = reads[-1]
    print(
        f"\n[concurrency/{store.name}] {len(procs)} API writers x {ops} ops + "
        f"{len(cli_procs)} CLI writers x {CLI_WRITES} remember + "
        f"1 MCP server x {MCP_WRITES} remember + 2 ingests "
        f"({report.nodes} nodes) + 1 reader "
        f"({summary['reads']} reads): {total_ops} acknowledged writes, {len(errors)} errors, "
        f"{report.memories} memories {report.by_status}, {elapsed:.1f}s"
    )


CONTENDER = textwrap.dedent(
    """
    import json, sys
    from graphmem.api import GraphMem
    from graphmem.errors import ConflictError, GraphMemError
    from graphmem.settings import Settings

    url, root, name, heads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(",")
    gm = GraphMem(Settings.from_env(store=url), repo_root=root)
    for i, head in enumerate(heads):
        try:
            result = gm.remember("decision", f"{name} replaces {head}", supersedes=[head])
            print(json.dumps({"op": "won", "old": head, "id": result.memory.id}), flush=True)
        except ConflictError as e:
            print(json.dumps({"op": "lost", "old": head}), flush=True)
        except GraphMemError as e:
            print(json.dumps({"op": "error", "error": f"{type(e).__name__}: {e}"}), flush=True)
    gm.close()
    """
)


def test_racing_supersessions_of_one_memory_leave_one_head(
    store: GraphStore,
    tmp_path: Path,
    check_integrity: Callable[[GraphStore], Any],
    spawn_python: Callable[..., subprocess.Popen[str]],
    embedder: Any,
) -> None:
    _spawn = spawn_python
    from graphmem.api import GraphMem
    from graphmem.settings import Settings

    url = _store_url(store)
    root = tmp_path / "shop"
    root.mkdir()
    gm = GraphMem(Settings(store=url), repo_root=root, store=store, embedder=embedder)
    heads = [gm.remember("decision", f"contended decision {i}").memory.id for i in range(6)]
    procs = [_spawn(CONTENDER, url, str(root), f"p{i}", ",".join(heads)) for i in range(3)]
    results = [r for p in procs for r in _records(p)]
    assert [r for r in results if r["op"] == "error"] == []
    winners = Counter(r["old"] for r in results if r["op"] == "won")
    print(f"\n[race/{store.name}] {len(heads)} memories, 3 processes: winners {dict(winners)}")
    check_integrity(store)
    assert set(winners.values()) == {1}
