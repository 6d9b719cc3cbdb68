"""What an ingest remembers between runs, kept in the store under the FileState label.

- one *index* node per repository: for every parsed file its content hash, size, mtime,
  language, module name and resolution dependencies (what its edges were resolved against);
- one *parse* node per file: its cached ParsedFile, so an unchanged file is never parsed again
  and resolving an affected file can read its neighbours without touching their sources.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphmem.ingest.language import PARSE_FORMAT, ParsedFile
from graphmem.model import Label, Node, entity_id, now_iso
from graphmem.store.base import GraphStore


@dataclass(slots=True)
class FileRecord:
    """One parsed file's line in the index."""

    hash: str
    size: int
    mtime_ns: int
    language: str
    module: str
    deps: list[str] = field(default_factory=list)

    def to_row(self) -> list[Any]:
        return [self.hash, self.size, self.mtime_ns, self.language, self.module, self.deps]

    @classmethod
    def from_row(cls, row: list[Any]) -> FileRecord:
        return cls(row[0], row[1], row[2], row[3], row[4], list(row[5]))


@dataclass(frozen=True, slots=True)
class StoredIndex:
    """The index as the last run that landed left it (empty when there was none)."""

    records: dict[str, FileRecord]
    node: Node | None

    @property
    def dirty(self) -> bool:
        """A multi-batch run was interrupted: every file must be re-resolved."""
        return bool(self.node is not None and self.node.get("dirty"))

    @property
    def indexed_commit(self) -> str | None:
        return self.node.get("indexed_commit") if self.node is not None else None

    @property
    def history_depth(self) -> int:
        return int(self.node.get("history_depth") or 0) if self.node is not None else 0


def index_node_id(repo: str) -> str:
    return "fs-" + entity_id(repo, "", "\0index")[2:]


def parse_node_id(repo: str, path: str) -> str:
    return "fp-" + entity_id(repo, path, "\0parse")[2:]


def load_index(store: GraphStore, repo: str) -> StoredIndex:
    """The stored index (its records are empty when it was written in an older format)."""
    node = store.get_node(index_node_id(repo))
    if node is None or node.get("format") != PARSE_FORMAT:
        return StoredIndex({}, node)
    rows = json.loads(node.get("files") or "{}")
    return StoredIndex({path: FileRecord.from_row(row) for path, row in rows.items()}, node)


def load_parses(store: GraphStore, repo: str, paths: Sequence[str]) -> dict[str, ParsedFile]:
    """The cached parses of `paths` (a path whose cache is missing or outdated is left out)."""
    if not paths:
        return {}
    ids = {parse_node_id(repo, path): path for path in paths}
    found: dict[str, ParsedFile] = {}
    for node_id, node in store.get_nodes(list(ids)).items():
        text = node.get("parse")
        if isinstance(text, str) and node.get("format") == PARSE_FORMAT:
            found[ids[node_id]] = ParsedFile.from_json(text)
    return found


def parse_node(repo: str, parsed: ParsedFile) -> Node:
    return Node(
        id=parse_node_id(repo, parsed.path),
        labels=(Label.FILE_STATE,),
        properties={
            "repo": repo,
            "path": parsed.path,
            "kind": "parse",
            "format": PARSE_FORMAT,
            "content_hash": parsed.content_hash,
            "parse": parsed.to_json(),
        },
    )


def index_node(
    repo: str,
    records: Mapping[str, FileRecord],
    head: str | None,
    history_depth: int,
    dirty: bool = False,
) -> Node:
    rows = json.dumps({p: r.to_row() for p, r in sorted(records.items())}, separators=(",", ":"))
    return Node(
        id=index_node_id(repo),
        labels=(Label.FILE_STATE,),
        properties={
            "repo": repo,
            "path": "",
            "kind": "index",
            "format": PARSE_FORMAT,
            "dirty": dirty,
            "indexed_commit": head,
            "indexed_at": now_iso(),
            "history_depth": history_depth,
            "files": rows,
        },
    )
