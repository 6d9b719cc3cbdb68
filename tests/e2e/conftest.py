"""Fixtures for the end-to-end reliability tests (tests/e2e/test_reliability_*.py).

- `private_neo4j`: a Neo4j dev server of the test's own, on a free port with its own data
  directory, started and stopped through neo4j-dev.sh. The script keeps its pid, log and lock
  files next to itself, so it runs from a private copy (sharing the built jar): stopping this
  server can never touch the shared one that other test runs use.
- `check_integrity`: the store-wide invariants every reliability test asserts after its abuse.
- `run_cli` / `python_env`: graphmem in a child process, as users and agents run it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from graphmem.model.graph import Label, RelType
from graphmem.store import GraphStore
from graphmem.store.base import BASE_LABELS, FULLTEXT_FIELDS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SCRIPT = REPO_ROOT / "neo4j-dev" / "neo4j-dev.sh"
DEV_JAR = REPO_ROOT / "neo4j-dev" / "target" / "neo4j-dev.jar"
DEV_PASSWORD = "graphmem-dev"

MEMORY_STATUSES = {"active", "superseded", "retracted", "purged"}


# -- child processes ------------------------------------------------------------------------


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a graphmem child process: this checkout first on the path, offline."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        OMP_NUM_THREADS="1",
        GRAPHMEM_AUTHOR="reliability",
        GRAPHMEM_USER="reliability",
    )
    env.update(extra)
    return env


@dataclass
class CliRun:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def graphmem_env() -> dict[str, str]:
    """The environment for graphmem child processes (see child_env)."""
    return child_env()


@pytest.fixture
def spawn_python() -> Callable[..., subprocess.Popen[str]]:
    """`spawn_python(code, *args, **env)`: `python -c code args` with graphmem's environment,
    stdout and stderr piped (text)."""

    def spawn(code: str, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-c", code, *args],
            env=child_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return spawn


@pytest.fixture
def run_cli() -> Callable[..., CliRun]:
    """`run_cli(*args, cwd=..., env=...)` runs `python -m graphmem.cli.main ARGS` to completion."""

    def run(*args: str, cwd: Path | None = None, timeout: float = 300, **env: str) -> CliRun:
        proc = subprocess.run(
            [sys.executable, "-m", "graphmem.cli.main", *args],
            cwd=cwd,
            env=child_env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return CliRun(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def one_line_error() -> Callable[[CliRun], None]:
    """`one_line_error(run)` asserts the CLI error contract on a finished run."""
    return assert_one_line_error


def assert_one_line_error(run: CliRun) -> None:
    """The CLI error contract: non-zero exit, one `graphmem: error:` line, no traceback."""
    assert run.code != 0, (run.out, run.err)
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    assert lines[0].startswith("graphmem: error: "), run.err
    assert "Traceback" not in run.err


# -- integrity ------------------------------------------------------------------------------


@dataclass
class IntegrityReport:
    nodes: int
    edges: int
    memories: int
    by_status: dict[str, int]


def check_store_integrity(store: GraphStore) -> IntegrityReport:
    """Invariants every store must keep, whatever happened to it (through the interface).

    - every node has exactly one base label and a unique id; every edge joins existing nodes;
    - memories: a known status; a superseded memory has a live SUPERSEDED_BY edge to an existing
      memory and a valid_to; no active memory has a live outgoing SUPERSEDED_BY edge;
      SUPERSEDED_BY (live edges) has no cycle and each chain at most one active head.
    """
    nodes = {}
    for node in store.iter_nodes():
        assert node.id not in nodes, f"node {node.id} listed twice"
        bases = [label for label in node.labels if label in BASE_LABELS]
        assert len(bases) == 1, f"node {node.id} has base labels {bases}"
        nodes[node.id] = node
    edges = list(store.iter_edges())
    keys = [e.key for e in edges]
    assert len(keys) == len(set(keys)), "an edge is listed twice"
    for edge in edges:
        assert edge.source in nodes, f"dangling edge {edge.key}: no source"
        assert edge.target in nodes, f"dangling edge {edge.key}: no target"

    memories = {i: n for i, n in nodes.items() if n.has(Label.MEMORY)}
    live = [
        e for e in edges if e.type == RelType.SUPERSEDED_BY and not e.properties.get("reverted_at")
    ]
    successors: dict[str, list[str]] = {}
    for edge in live:
        assert edge.source in memories and edge.target in memories, edge.key
        successors.setdefault(edge.source, []).append(edge.target)
    by_status: dict[str, int] = {}
    for memory_id, memory in memories.items():
        status = memory.get("status")
        by_status[status] = by_status.get(status, 0) + 1
        assert status in MEMORY_STATUSES, f"{memory_id} has status {status!r}"
        if status == "superseded":
            assert successors.get(memory_id), f"{memory_id} is superseded but has no successor"
            assert memory.get("valid_to"), f"{memory_id} is superseded without valid_to"
        if status == "active":
            assert not successors.get(memory_id), f"{memory_id} is active but has a successor"
    _check_chains(memories, successors)
    return IntegrityReport(len(nodes), len(edges), len(memories), by_status)


def _check_chains(memories: dict[str, Any], successors: dict[str, list[str]]) -> None:
    """No cycle along live SUPERSEDED_BY edges; at most one active memory per chain."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(start: str) -> None:
        stack = [(start, iter(successors.get(start, ())))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                raise AssertionError(f"SUPERSEDED_BY cycle through {nxt}")
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(successors.get(nxt, ()))))

    for memory_id in memories:
        if memory_id not in state:
            visit(memory_id)
    # chains = weakly connected components of the live edges
    parent = {m: m for m in memories}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for source, targets in successors.items():
        for target in targets:
            parent[find(source)] = find(target)
    heads: dict[str, list[str]] = {}
    for memory_id, memory in memories.items():
        if memory.get("status") == "active":
            heads.setdefault(find(memory_id), []).append(memory_id)
    for group in heads.values():
        assert len(group) == 1, f"one chain has several active heads: {sorted(group)}"


def check_sqlite_file(path: Path) -> None:
    """SQLite-level checks of an embedded store file: integrity, label index, vectors, FTS."""
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # node_labels is exactly the labels column
        mismatched = conn.execute(
            "SELECT count(*) FROM node_labels l LEFT JOIN nodes n ON n.id = l.id "
            "WHERE n.id IS NULL OR instr(',' || n.labels || ',', ',' || l.label || ',') = 0"
        ).fetchone()[0]
        assert mismatched == 0, "node_labels rows without their node or label"
        labelled = conn.execute("SELECT count(*) FROM node_labels").fetchone()[0]
        expected = conn.execute(
            "SELECT coalesce(sum(length(labels) - length(replace(labels, ',', '')) + 1), 0) "
            "FROM nodes"
        ).fetchone()[0]
        assert labelled == expected, "labels missing from node_labels"
        dangling = conn.execute(
            "SELECT count(*) FROM edges e "
            "WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE id = e.source) "
            "OR NOT EXISTS (SELECT 1 FROM nodes WHERE id = e.target)"
        ).fetchone()[0]
        assert dangling == 0, "dangling edges"
        orphan_vectors = conn.execute(
            "SELECT count(*) FROM vectors v LEFT JOIN nodes n ON n.key = v.key WHERE n.key IS NULL"
        ).fetchone()[0]
        assert orphan_vectors == 0, "vectors of deleted nodes"
        for label, fields in FULLTEXT_FIELDS.items():
            table = f"fts_{label.value.lower()}"
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
            rows = dict(
                (key, tuple(values))
                for key, *values in conn.execute(f"SELECT rowid, {', '.join(fields)} FROM {table}")
            )
            want = {}
            for key, props in conn.execute(
                "SELECT n.key, n.props FROM nodes n JOIN node_labels l ON l.id = n.id "
                "WHERE l.label = ?",
                (label.value,),
            ):
                decoded = json.loads(props)
                values = tuple(
                    decoded.get(f) if isinstance(decoded.get(f), str) and decoded.get(f) else None
                    for f in fields
                )
                if any(v is not None for v in values):
                    want[key] = values
            assert rows == want, f"{table} is out of sync with the {label.value} nodes"
    finally:
        conn.close()


@pytest.fixture
def check_integrity() -> Callable[..., IntegrityReport]:
    """`check_integrity(store)`: the interface-level invariants, plus SQLite's for a file store."""

    def check(store: GraphStore) -> IntegrityReport:
        report = check_store_integrity(store)
        path = getattr(store, "path", None)
        if path is not None:
            check_sqlite_file(Path(path))
        return report

    return check


# -- a private Neo4j server -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateNeo4j:
    """A Neo4j dev server owned by one test (module): own port, data, pid, log and lock files."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.home = home
        script_dir = home / "neo4j-dev"
        script_dir.mkdir(parents=True, exist_ok=True)
        self.script = script_dir / "neo4j-dev.sh"
        shutil.copy2(DEV_SCRIPT, self.script)
        (script_dir / "target").symlink_to(DEV_JAR.parent, target_is_directory=True)
        self.data = home / "data"
        self.url = f"bolt://127.0.0.1:{self.port}"

    def _run(self, command: str) -> None:
        env = dict(os.environ)
        env.update(
            NEO4J_DEV_PORT=str(self.port),
            NEO4J_DEV_DATA=str(self.data),
            NEO4J_DEV_PASSWORD=DEV_PASSWORD,
            NEO4J_DEV_PYTHON=sys.executable,
            NEO4J_DEV_HEAP=os.environ.get("GRAPHMEM_TEST_NEO4J_HEAP", "512m"),
            NEO4J_DEV_PAGECACHE="64m",
        )
        proc = subprocess.run(
            ["bash", str(self.script), command],
            env=env,
            capture_output=True,
            text=True,
            timeout=400,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"neo4j-dev.sh {command} failed:\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")

    def settings_env(self) -> dict[str, str]:
        return {
            "NEO4J_URI": self.url,
            "NEO4J_USERNAME": "neo4j",
            "NEO4J_PASSWORD": DEV_PASSWORD,
        }


def neo4j_available() -> str | None:
    """Why a private server cannot run here, or None."""
    if not DEV_JAR.exists():
        return f"{DEV_JAR} is not built (run `make neo4j` once)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "java is not installed"
    return None


@pytest.fixture(scope="module")
def private_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateNeo4j]:
    """A started private Neo4j server for this module; the test may stop and restart it."""
    reason = neo4j_available()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but a private Neo4j cannot start: {reason}")
        pytest.skip(reason)
    server = PrivateNeo4j(tmp_path_factory.mktemp("private-neo4j"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
