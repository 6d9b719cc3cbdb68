"""Several processes on one embedded store, and a process killed in the middle of writing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from graphmem.store.embedded import EmbeddedStore

WRITER = textwrap.dedent(
    """
    import sys
    from graphmem.model.graph import Edge, Label, Node, RelType
    from graphmem.store.base import WriteBatch
    from graphmem.store.embedded import EmbeddedStore

    path, name, batches, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = EmbeddedStore(path)
    for b in range(batches):
        ids = [f"{name}-{b:05d}-{i:03d}" for i in range(size)]
        nodes = [Node(id=i, labels=(Label.EVENT,), properties={"who": name}) for i in ids]
        edges = [Edge(type=RelType.CALLS, source=a, target=z) for a, z in zip(ids, ids[1:])]
        store.write(WriteBatch(upsert_nodes=nodes, upsert_edges=edges))
        store.get_nodes(ids[:5])
        print(b, flush=True)
    store.close()
    """
)


def _writer(path: Path, name: str, batches: int, size: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), name, str(batches), str(size)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_several_processes_write_and_read_at_once(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    EmbeddedStore(path).close()
    writers = [_writer(path, f"w{i}", batches=40, size=25) for i in range(3)]
    reader = EmbeddedStore(path)
    seen = 0
    while any(w.poll() is None for w in writers):
        seen = max(seen, reader.counts().get("Event", 0))
        time.sleep(0.01)
    for w in writers:
        _, err = w.communicate()
        assert w.returncode == 0, err
    counts = reader.counts()
    reader.close()
    assert counts == {"Event": 3 * 40 * 25, "CALLS": 3 * 40 * 24}
    assert seen <= counts["Event"]


def test_a_killed_writer_leaves_a_consistent_file(tmp_path: Path) -> None:
    path = tmp_path / "graph.db"
    EmbeddedStore(path).close()
    writer = _writer(path, "k", batches=100_000, size=200)
    assert writer.stdout is not None
    for _ in range(5):  # let it commit a few batches, then kill it mid-flight
        writer.stdout.readline()
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    store = EmbeddedStore(path)
    counts = store.counts()
    # Whole batches only: every batch adds 200 nodes and 199 edges, or nothing.
    batches = counts["Event"] // 200
    assert batches >= 5
    assert counts == {"Event": batches * 200, "CALLS": batches * 199}
    store.close()
