"""How the stored graph of a repository compares with its work tree, without ingesting."""

from __future__ import annotations

from pathlib import Path

from graphmem.ingest.file_index import load_index
from graphmem.ingest.file_walk import DEFAULT_MAX_BYTES, classify_source, walk_repository
from graphmem.ingest.git import head_commit
from graphmem.ingest.language import content_hash, is_source
from graphmem.ingest.report import IndexStatus
from graphmem.store.base import GraphStore


def index_status(store: GraphStore, root: Path, repo: str) -> IndexStatus:
    """Indexed commit vs HEAD, and which source files differ from the index (by stat, then hash)."""
    stored = load_index(store, repo, deps=False)
    records = stored.records
    status = IndexStatus(
        repo=repo,
        indexed=stored.node is not None,
        indexed_commit=stored.indexed_commit,
        indexed_at=stored.node.get("indexed_at") if stored.node is not None else None,
        head=head_commit(root),
        files_indexed=len(records),
        counts=store.counts(repo),
    )
    seen: set[str] = set()
    for path in walk_repository(root).files:
        if not is_source(path):
            continue
        full = root / path
        try:
            stat = full.stat()
        except OSError:
            continue
        if stat.st_size > DEFAULT_MAX_BYTES:
            continue
        record = records.get(path)
        if record is None:
            # Not indexed: new, or one the ingest skips (generated, minified, binary), which
            # would otherwise say the graph is behind after every ingest (rocksdb's db/c.cc).
            try:
                skipped = classify_source(path, full.read_bytes()) is not None
            except OSError:
                continue
            if not skipped:
                status.added.append(path)
            continue
        seen.add(path)
        if record.mtime_ns and record.size == stat.st_size and record.mtime_ns == stat.st_mtime_ns:
            continue
        try:
            if content_hash(full.read_bytes()) != record.hash:
                status.changed.append(path)
        except OSError:
            continue
    status.removed = sorted(set(records) - seen)
    return status
