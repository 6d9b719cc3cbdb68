"""A Neo4j server stopped in the middle of a run, then restarted.

The server is this module's own (conftest.private_neo4j: own port and data directory), never the
shared one. While it is down every command fails with one line (`graphmem: error: ...`, exit 5,
StoreUnavailableError in the API) and nothing is half written; once it is back, the same commands
succeed and a re-run completes the interrupted work.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.errors import StoreError, StoreUnavailableError
from graphmem.model.graph import Label, Node
from graphmem.settings import Settings
from graphmem.store import GraphStore, WriteBatch, open_store

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

FIXTURE_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "pyrepo"
STORE_ERROR_EXIT = 5

WORKER = textwrap.dedent(
    """
    import json, sys
    from graphmem.api import GraphMem
    from graphmem.errors import GraphMemError
    from graphmem.settings import Settings

    mode, url, root = sys.argv[1:4]
    gm = GraphMem(Settings.from_env(store=url), repo_root=root)

    def ack(**record):
        print(json.dumps(record), flush=True)

    if mode == "remember":
        gm.embedder.embed(["warm up"])
    else:
        from graphmem.ingest import pipeline
        pipeline.SINGLE_BATCH_LIMIT = 400
        pipeline.CHUNK = 150
    gm.store.counts()
    write = gm.store.write

    def announced_write(batch):
        ack(op="write")
        write(batch)

    gm.store.write = announced_write
    ack(op="ready")
    errors = 0
    i = 0
    while errors < 2 and i < 10_000:
        try:
            if mode == "remember":
                text = f"outage note {i}"
                result = gm.remember("fact", text, tags=["outage"])
                ack(op="remember", id=result.memory.id, text=text)
            else:
                gm.ingest(full=True)
                ack(op="ingested")
        except GraphMemError as e:
            errors += 1
            ack(op="error", type=type(e).__name__, message=str(e), text=f"outage note {i}")
        i += 1
    """
)


def _make_repo(root: Path) -> None:
    shutil.copytree(FIXTURE_REPO, root)
    package = root / "src" / "shop" / "generated"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(15):
        body = "\n\n".join(f"def step_{j}(x):\n    return compute_tax(x) + {j}" for j in range(15))
        (package / f"mod_{i:03d}.py").write_text(
            f"from shop.billing.tax import compute_tax\n\n\n{body}\n"
        )


class OutageWorker:
    def __init__(self, env: dict[str, str], mode: str, url: str, root: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, mode, url, str(root)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.records: list[dict[str, Any]] = []

    def read_until(self, op: str, count: int = 1) -> None:
        assert self.proc.stdout is not None
        seen = 0
        for line in self.proc.stdout:
            record = json.loads(line)
            self.records.append(record)
            if record["op"] == op:
                seen += 1
                if seen == count:
                    return
        raise AssertionError(f"worker ended before {count} x {op}: {self.proc.communicate()[1]}")

    def finish(self) -> list[dict[str, Any]]:
        out, err = self.proc.communicate(timeout=600)
        assert self.proc.returncode == 0, err
        self.records += [json.loads(line) for line in out.splitlines()]
        return self.records


def _main(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    *args: str,
) -> tuple[int, str]:
    """`graphmem ARGS` through the CLI's entry point, in this process: (exit code, stderr)."""
    from graphmem.cli.main import main

    with monkeypatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        code = main(list(args))
    return code, capsys.readouterr().err


def _code_graph(store: GraphStore) -> tuple[set[Any], set[Any]]:
    nodes = {
        (n.id, n.get("qualified_name"), n.get("content_hash"))
        for n in store.iter_nodes(Label.CODE_ENTITY)
    }
    edges = {e.key for e in store.iter_edges() if e.type.value != "GOVERNS"}
    return nodes, edges


def test_neo4j_outage_mid_run(
    private_neo4j: Any,
    tmp_path: Path,
    run_cli: Callable[..., Any],
    one_line_error: Callable[[Any], None],
    check_integrity: Callable[[GraphStore], Any],
    graphmem_env: dict[str, str],
    embedder: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = time.monotonic()

    def lap(what: str) -> None:
        nonlocal clock
        print(f"  {what}: {time.monotonic() - clock:.1f}s")
        clock = time.monotonic()

    url = private_neo4j.url
    env = {**graphmem_env, **private_neo4j.settings_env()}
    cred = private_neo4j.settings_env()
    root = tmp_path / "shop"
    _make_repo(root)
    common = ("--store", url, "--repo", str(root))
    # Set-up in-process (the model is loaded once for the session).
    settings = Settings.from_env(env=cred)
    with GraphMem(
        dataclasses.replace(settings, store=url), repo_root=root, embedder=embedder
    ) as gm:
        gm.ingest()
        gm.remember("decision", "Taxes are computed once", governs=["src/shop/"])
        export = tmp_path / "export.jsonl"
        with export.open("w", encoding="utf-8") as fp:
            gm.export_jsonl(fp)

    lap("set-up commands")
    # A process that opened the store before the outage keeps its driver.
    long_lived = open_store(url, settings)

    # Stop the server in the middle of an ingest and of a stream of remembers.
    ingest = OutageWorker(env, "ingest", url, root)
    remember = OutageWorker(env, "remember", url, root)
    ingest.read_until("ready")
    remember.read_until("ready")
    ingest.read_until("write", 3)
    remember.read_until("remember", 2)
    lap("workers up to the stop")
    private_neo4j.stop()
    lap("server stop")

    ingest_records = ingest.finish()
    remember_records = remember.finish()
    errors = [r for r in ingest_records + remember_records if r["op"] == "error"]
    assert len(errors) == 4
    for error in errors:
        assert error["type"] == "StoreUnavailableError", error
        assert "\n" not in error["message"] and "Neo4j" in error["message"], error

    lap("workers failing")
    # While down: every command fails with one line and exit code 5.
    down_commands = [
        ("status",),
        ("remember", "fact", "written while down"),
        ("context", "src/shop/"),
        ("search", "taxes"),
        ("ingest", str(root)),
        ("import", str(export)),
        ("cypher", "MATCH (n) RETURN count(n) AS n"),
    ]
    result = run_cli("status", *common, **cred)  # one as a real process
    one_line_error(result)
    assert result.code == STORE_ERROR_EXIT, result.err
    for args in down_commands:  # the rest through the same entry point, in-process
        code, err = _main(capsys, monkeypatch, cred, *args, *common)
        assert code == STORE_ERROR_EXIT, (args, err)
        assert err.startswith("graphmem: error: ") and err.count("\n") == 1, err
        assert "Neo4j" in err and "Traceback" not in err, err
    with pytest.raises(StoreUnavailableError) as caught:
        long_lived.write(WriteBatch(upsert_nodes=[Node(id="ev-down", labels=(Label.EVENT,))]))
    assert "\n" not in str(caught.value)
    with pytest.raises(StoreUnavailableError):
        open_store(url, settings)

    lap("commands while down")
    private_neo4j.start()
    lap("server restart")

    # Back: nothing half written, what was acknowledged is there, and the same commands work.
    after = open_store(url, settings)
    check_integrity(after)
    assert after.get_node("ev-down") is None
    memories = {n.get("text"): n for n in after.iter_nodes(Label.MEMORY)}
    acked = [r for r in remember_records if r["op"] == "remember"]
    for record in acked:
        assert record["text"] in memories, record
    unknown = [r["text"] for r in remember_records if r["op"] == "error" and r["text"] in memories]
    assert "written while down" not in memories
    for args in down_commands:
        code, err = _main(capsys, monkeypatch, cred, *args, *common)
        assert code == 0, (args, err)
    lap("commands after restart")
    # the interrupted ingest is completed by the re-run above: the graph is a fresh ingest's
    reference = tmp_path / "reference.db"
    with GraphMem(Settings(store=str(reference)), repo_root=root) as ref:
        ref.ingest()
        expected = _code_graph(ref.store)
    got = _code_graph(after)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    check_integrity(after)
    long_lived.close()
    after.close()
    print(
        f"\n[outage/neo4j] stopped mid-run: {len(errors)} one-line StoreUnavailableErrors in "
        f"workers, {len(down_commands)} CLI commands refused with exit 5, {len(acked)} "
        f"acknowledged remembers kept, {len(unknown)} unacknowledged that landed anyway; "
        f"after restart all commands succeeded"
    )


def test_unreachable_server_is_one_clear_error(
    run_cli: Callable[..., Any], tmp_path: Path, one_line_error: Callable[[Any], None]
) -> None:
    """No server at all (wrong port): the same one line, quickly, for CLI and API alike."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"bolt://127.0.0.1:{port}"  # nothing listens there any more
    result = run_cli("status", "--store", url, "--repo", str(tmp_path))
    one_line_error(result)
    assert result.code == STORE_ERROR_EXIT
    with pytest.raises(StoreError):
        open_store(url, Settings())
