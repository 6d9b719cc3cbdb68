"""kill -9 at random points during remember, supersede, ingest and import.

Each scenario runs a worker process that prints `ready` once it is set up (model loaded, store
open), then works and acknowledges each step on stdout. The test kills the whole process group
with SIGKILL after a random delay (fixed seed, so a failure can be replayed), then checks that the
store opens and is consistent (conftest.check_integrity: no dangling edges, no half-applied
supersession, SQLite and FTS in order), that every acknowledged step is there, and that running
the same work again completes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graphmem.api import GraphMem
from graphmem.model.graph import Label, RelType
from graphmem.settings import Settings
from graphmem.store import Direction, GraphStore, open_store

pytestmark = pytest.mark.slow

FIXTURE_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "pyrepo"
SEED = 20261121
KILLS = 3

WORKER = textwrap.dedent(
    """
    import json, sys
    from graphmem.api import GraphMem
    from graphmem.settings import Settings

    mode, url, root, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    gm = GraphMem(Settings.from_env(store=url), repo_root=root)

    def ack(**record):
        print(json.dumps(record), flush=True)

    def chain_head():
        heads = [n for n in gm.store.find_nodes(None, {"repo": gm.repo, "status": "active"})
                 if "chain" in (n.get("tags") or [])]
        assert len(heads) <= 1, heads
        return heads[0].id if heads else None

    if mode in ("remember", "supersede"):
        gm.embedder.embed(["warm up"])
    if mode == "ingest":
        # Small batches, so that a kill can land between the batches of one run.
        from graphmem.ingest import pipeline
        pipeline.SINGLE_BATCH_LIMIT = 400
        pipeline.CHUNK = 150
    if mode == "import":
        # Small batches, so that a kill can land between the batches of one import.
        import functools
        from graphmem.store import transfer
        transfer.import_records = functools.partial(transfer.import_records, batch_size=200)
    gm.store.counts()
    write = gm.store.write

    def announced_write(batch):
        ack(op="write", size=len(batch))  # the test kills at a random one of these
        write(batch)

    gm.store.write = announced_write
    ack(op="ready")

    if mode == "remember":
        for i in range(count):
            result = gm.remember("fact", f"crash note {i} about the ledger", tags=["crash"])
            ack(op="remember", id=result.memory.id, created=result.created)
    elif mode == "supersede":
        # a chain: each step replaces the head; a plain supersede() of prepared pairs after it
        length = len([n for n in gm.store.find_nodes(None, {"repo": gm.repo})
                      if "chain" in (n.get("tags") or [])])
        for i in range(length, count):
            head = chain_head()
            result = gm.remember("decision", f"chain step {i}", tags=["chain"],
                                 supersedes=[head] if head else [])
            ack(op="step", id=result.memory.id, old=head)
        pairs = json.loads(sys.argv[5])
        for old, new in pairs:
            if gm.show(old).memory.status == "active":
                gm.supersede([old], new)
                ack(op="supersede", old=old, id=new)
    elif mode == "ingest":
        report = gm.ingest()
        ack(op="ingested", parsed=report.files_parsed)
    elif mode == "import":
        with open(sys.argv[5], encoding="utf-8") as fp:
            result = gm.import_jsonl(fp)
        ack(op="imported", nodes=result.nodes, edges=result.edges)
    gm.close()
    """
)


class Worker:
    """One worker process in its own process group, so SIGKILL takes its children too."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.acks: list[dict[str, Any]] = []

    def wait_ready(self) -> None:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError(f"worker died before ready: {self.proc.communicate()[1]}")
        assert json.loads(line)["op"] == "ready"

    def kill_at_write(self, nth: int, delay: float) -> bool:
        """SIGKILL `delay` seconds after the worker announces its `nth` store write (so during
        or just after it), unless it finished first; True when it was killed."""
        assert self.proc.stdout is not None
        writes = 0
        for line in self.proc.stdout:
            record = json.loads(line)
            self.acks.append(record)
            if record["op"] == "write":
                writes += 1
                if writes == nth:
                    time.sleep(delay)
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    break
        out, err = self.proc.communicate()
        killed = self.proc.returncode == -signal.SIGKILL
        if not killed:
            assert self.proc.returncode == 0, err
        # A line cut by the kill is not an acknowledgement.
        for line in out.splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                self.acks.append(json.loads(line))
        return killed

    def finish(self) -> list[dict[str, Any]]:
        out, err = self.proc.communicate(timeout=900)
        assert self.proc.returncode == 0, err
        self.acks += [json.loads(line) for line in out.splitlines()]
        return self.acks


def _url(store: GraphStore) -> str:
    path = getattr(store, "path", None)
    return str(path) if path is not None else str(store.url)  # type: ignore[attr-defined]


def _reopen(store: GraphStore) -> GraphStore:
    """A new connection, as the next process would open the store after the crash."""
    settings = Settings.from_env(store=_url(store))
    return open_store(_url(store), settings)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)


@pytest.fixture
def repo_root(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURE_REPO, root)
    package = root / "src" / "shop" / "generated"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for i in range(30):
        body = "\n\n".join(
            f"class Handler{j}:\n    def run(self, x):\n        return compute_tax(x) + {j}"
            for j in range(10)
        )
        (package / f"mod_{i:03d}.py").write_text(
            f"from shop.billing.tax import compute_tax\n\n\n{body}\n"
        )
    return root


def test_kill_during_remember(
    store: GraphStore,
    repo_root: Path,
    rng: random.Random,
    graphmem_env: dict[str, str],
    check_integrity: Callable[[GraphStore], Any],
) -> None:
    url, count = _url(store), 20
    acked: dict[str, str] = {}
    killed = 0
    for _ in range(KILLS):
        worker = Worker(graphmem_env, "remember", url, str(repo_root), str(count))
        worker.wait_ready()
        killed += worker.kill_at_write(rng.randint(1, 12), rng.uniform(0, 0.05))
        after = _reopen(store)
        check_integrity(after)
        for ack in worker.acks:
            if ack["op"] == "remember":
                node = after.get_node(ack["id"])
                assert node is not None and node.get("status") == "active", ack
                assert after.edges([ack["id"]], [RelType.GOVERNS]), ack
                acked[ack["id"]] = ack["op"]
        after.close()
    # re-running completes the work: the ones already stored are recognised as duplicates
    Worker(graphmem_env, "remember", url, str(repo_root), str(count)).finish()
    final = _reopen(store)
    check_integrity(final)
    texts = [n.get("text") for n in final.iter_nodes(Label.MEMORY)]
    assert sorted(texts) == sorted(f"crash note {i} about the ledger" for i in range(count))
    remembered = [e for e in final.iter_nodes(Label.EVENT) if e.get("action") == "remember"]
    assert len(remembered) == count  # every memory's event landed with it, once
    final.close()
    print(f"\n[crash/remember/{store.name}] {killed} kills, {len(acked)} acked before kills")


def test_kill_during_supersede(
    store: GraphStore,
    repo_root: Path,
    rng: random.Random,
    graphmem_env: dict[str, str],
    check_integrity: Callable[[GraphStore], Any],
    embedder: Any,
) -> None:
    url, count = _url(store), 15
    gm = GraphMem(Settings(store=url), repo_root=repo_root, store=store, embedder=embedder)
    pairs = [
        (
            gm.remember("constraint", f"old rule {i}").memory.id,
            gm.remember("constraint", f"new rule {i}").memory.id,
        )
        for i in range(8)
    ]
    args = ("supersede", url, str(repo_root), str(count), json.dumps(pairs))
    killed = 0
    for _ in range(KILLS):
        worker = Worker(graphmem_env, *args)
        worker.wait_ready()
        killed += worker.kill_at_write(rng.randint(1, 12), rng.uniform(0, 0.05))
        after = _reopen(store)
        check_integrity(after)  # no half-applied supersession, one active head per chain
        for ack in worker.acks:
            if ack["op"] in ("step", "supersede") and ack.get("old"):
                assert after.get_node(ack["old"]).get("status") == "superseded", ack
                out = after.edges([ack["old"]], [RelType.SUPERSEDED_BY], Direction.OUT)
                assert [e.target for e in out] == [ack["id"]]
        for old, new in pairs:
            status = after.get_node(old).get("status")
            out = after.edges([old], [RelType.SUPERSEDED_BY], Direction.OUT)
            assert (status, [e.target for e in out]) in (("active", []), ("superseded", [new]))
        after.close()
    Worker(graphmem_env, *args).finish()
    final = _reopen(store)
    check_integrity(final)
    chain = [n for n in final.iter_nodes(Label.MEMORY) if "chain" in (n.get("tags") or [])]
    assert sorted(n.get("text") for n in chain) == sorted(f"chain step {i}" for i in range(count))
    assert [n.get("status") for n in chain].count("active") == 1
    for old, _ in pairs:
        assert final.get_node(old).get("status") == "superseded"
    final.close()
    print(f"\n[crash/supersede/{store.name}] {killed} kills")


def _code_graph(store: GraphStore) -> tuple[set[tuple[Any, ...]], set[tuple[str, str, str]]]:
    """The code entities (id, labels, qualified name, lines, hash) and code edges of a store."""
    nodes = {
        (
            n.id,
            n.labels,
            n.get("qualified_name"),
            n.get("path"),
            n.get("start_line"),
            n.get("end_line"),
            n.get("content_hash"),
        )
        for n in store.iter_nodes(Label.CODE_ENTITY)
    }
    code = {RelType.CONTAINS, RelType.IMPORTS, RelType.CALLS, RelType.INHERITS}
    edges = {e.key for e in store.iter_edges() if e.type in code}
    return nodes, edges


def test_kill_during_ingest(
    store: GraphStore,
    repo_root: Path,
    tmp_path: Path,
    rng: random.Random,
    graphmem_env: dict[str, str],
    check_integrity: Callable[[GraphStore], Any],
) -> None:
    url = _url(store)
    killed = 0
    for round_ in range(KILLS):
        if round_:
            # change the tree between runs: edit one module, add one, remove one
            generated = repo_root / "src" / "shop" / "generated"
            (generated / f"mod_{round_:03d}.py").write_text("def replaced():\n    return 1\n")
            (generated / f"new_{round_}.py").write_text(
                "from shop.generated.mod_000 import Handler1\n\n\n"
                "class Child(Handler1):\n    pass\n"
            )
            (generated / f"mod_{10 + round_:03d}.py").unlink()
        worker = Worker(graphmem_env, "ingest", url, str(repo_root), "0")
        worker.wait_ready()
        killed += worker.kill_at_write(rng.randint(1, 12), rng.uniform(0, 0.05))
        after = _reopen(store)
        check_integrity(after)
        after.close()
    Worker(graphmem_env, "ingest", url, str(repo_root), "0").finish()
    final = _reopen(store)
    check_integrity(final)
    # the re-run brought the graph to exactly what a fresh ingest of the same tree gives
    reference_store = open_store(str(tmp_path / "reference.db"))
    with GraphMem(Settings(store=str(tmp_path / "reference.db")), repo_root=repo_root) as ref:
        ref._store = reference_store  # noqa: SLF001 - the same store object, closed by ref
        ref.ingest()
        expected = _code_graph(ref.store)
    got = _code_graph(final)
    final.close()
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    print(
        f"\n[crash/ingest/{store.name}] {killed} kills; graph after re-run = fresh ingest "
        f"({len(got[0])} entities, {len(got[1])} edges)"
    )


def _memories_with_chain(gm: GraphMem) -> None:
    for i in range(6):
        first = gm.remember("decision", f"imported decision {i} v1", governs=["src/shop/"])
        gm.remember(
            "decision",
            f"imported decision {i} v2",
            governs=["src/shop/"],
            supersedes=[first.memory.id],
        )


def _records(store: GraphStore) -> list[str]:
    from graphmem.store.transfer import export_records

    return sorted(
        json.dumps(r, sort_keys=True)
        for r in export_records(store)
        if not (r["kind"] == "node" and "Event" in r["labels"])
    )


def test_kill_during_import(
    store: GraphStore,
    repo_root: Path,
    tmp_path: Path,
    rng: random.Random,
    graphmem_env: dict[str, str],
    check_integrity: Callable[[GraphStore], Any],
    embedder: Any,
) -> None:
    # the source: an ingested repository with memories and supersessions, exported
    source_path = tmp_path / "source.db"
    with GraphMem(Settings(store=str(source_path)), repo_root=repo_root, embedder=embedder) as src:
        src.ingest()
        _memories_with_chain(src)
        export = tmp_path / "export.jsonl"
        with export.open("w", encoding="utf-8") as fp:
            lines = src.export_jsonl(fp)
        expected = _records(src.store)
    url = _url(store)
    killed = 0
    started = time.monotonic()
    for _ in range(KILLS):
        worker = Worker(graphmem_env, "import", url, str(repo_root), "0", str(export))
        worker.wait_ready()
        killed += worker.kill_at_write(rng.randint(1, 8), rng.uniform(0, 0.05))
        after = _reopen(store)
        check_integrity(after)
        after.close()
    Worker(graphmem_env, "import", url, str(repo_root), "0", str(export)).finish()
    final = _reopen(store)
    check_integrity(final)
    assert _records(final) == expected
    final.close()
    print(
        f"\n[crash/import/{store.name}] {lines} records, {killed} kills, "
        f"{time.monotonic() - started:.1f}s"
    )
