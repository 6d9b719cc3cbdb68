"""Parsing in worker processes gives the very graph and parse caches that parsing in the
ingesting process gives (the workers send their parses back as parse-cache JSON)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from graphmem.ingest import pipeline
from graphmem.ingest.pipeline import IngestOptions, ingest_repository
from graphmem.store import open_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _graph(root: Path, store_path: Path, workers: int) -> tuple[list[Any], list[Any], Any]:
    store = open_store(str(store_path))
    try:
        report = ingest_repository(store, root, "mixed", IngestOptions(workers=workers, history=0))
        nodes = []
        for node in store.iter_nodes():
            properties = {k: v for k, v in node.properties.items() if k != "indexed_at"}
            nodes.append((node.id, node.labels, properties))
        edges = [(e.type, e.source, e.target, e.properties) for e in store.iter_edges()]
        return nodes, edges, report
    finally:
        store.close()


def test_parse_workers_give_the_same_graph_and_caches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "mixed"
    for fixture in ("pyrepo", "js_app", "go_app", "ts_app"):
        shutil.copytree(FIXTURES / fixture, root / fixture)
    alone = _graph(root, tmp_path / "alone.db", workers=1)

    monkeypatch.setattr(pipeline, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(pipeline, "PARSE_CHUNK_BYTES", 2_000)  # several runs of files
    parallel = _graph(root, tmp_path / "parallel.db", workers=2)

    assert alone[2].files_parsed == parallel[2].files_parsed > 10
    assert alone[2].warnings == parallel[2].warnings
    assert sum(1 for _, labels, _ in alone[0] if "FileState" in labels) > 10
    assert parallel[0] == alone[0]
    assert parallel[1] == alone[1]
