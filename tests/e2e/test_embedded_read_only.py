"""GRAPHMEM_READ_ONLY on the embedded store: every read command runs, every write is refused
with one line and writes nothing (on Neo4j the server refuses them: test_neo4j_read_only.py).
The setting used to be ignored here, so a "read-only" viewer could still retract memories."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphmem.store import open_store
from tests.conftest import git_checkout

FIXTURE_REPO = Path(__file__).resolve().parents[1] / "fixtures" / "pyrepo"


def test_a_read_only_embedded_store_serves_reads_and_refuses_writes(
    tmp_path: Path, run_cli: Callable[..., Any], one_line_error: Callable[[Any], None]
) -> None:
    root = git_checkout(FIXTURE_REPO, tmp_path / "shop")
    store_file = tmp_path / "graph.db"
    env = {"GRAPHMEM_STORE": str(store_file)}
    assert run_cli("ingest", cwd=root, **env).code == 0
    made = run_cli("--json", "remember", "decision", "Totals in cents", cwd=root, **env)
    assert made.code == 0, made.err
    memory_id = json.loads(made.out)["memory"]["id"]
    store = open_store(str(store_file))
    before = dict(store.counts())
    store.close()

    env["GRAPHMEM_READ_ONLY"] = "1"
    for args in (
        ("status",),
        ("show", memory_id),
        ("context", "src/shop/util.py"),
        ("search", "totals in cents"),
        ("prompt", "--task", "change totals", "--files", "src/shop/util.py"),
        ("log",),
    ):
        result = run_cli(*args, cwd=root, **env)
        assert result.code == 0, (args, result.err)
    for args in (
        ("remember", "fact", "Written while read-only"),
        ("retract", memory_id),
        ("ingest", "--full"),
    ):
        result = run_cli(*args, cwd=root, **env)
        one_line_error(result)
        assert "read-only (GRAPHMEM_READ_ONLY)" in result.err, (args, result.err)
    store = open_store(str(store_file))
    assert store.counts() == before
    store.close()
