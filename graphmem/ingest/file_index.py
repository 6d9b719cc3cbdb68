"""What an ingest remembers between runs, kept in the store under the FileState label.

- one *index* node per repository: for every parsed file its content hash, size, mtime,
  language and module name, which is all `status` and every answer's freshness read;
- one *dependencies* node per repository: what each file's edges were resolved against, which
  only an ingest reads. Sets that many files share (a C++ repository's name table names every
  file) are kept once and referred to by number: as one list per file they were 79 MB of
  JSON for rocksdb;
- one *parse* node per file: its cached ParsedFile, so an unchanged file is never parsed again
  and resolving an affected file can read its neighbours without touching their sources.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphmem.ingest.language import PARSE_FORMAT, Dependencies, ParsedFile
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
    deps: Dependencies = field(default_factory=Dependencies)

    def to_row(self) -> list[Any]:
        return [self.hash, self.size, self.mtime_ns, self.language, self.module]

    @classmethod
    def from_row(cls, row: list[Any], deps: Dependencies | None = None) -> FileRecord:
        return cls(row[0], row[1], row[2], row[3], row[4], deps or Dependencies())


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


def deps_node_id(repo: str) -> str:
    return "fd-" + entity_id(repo, "", "\0deps")[2:]


def parse_node_id(repo: str, path: str) -> str:
    return "fp-" + entity_id(repo, path, "\0parse")[2:]


def load_index(store: GraphStore, repo: str, deps: bool = True) -> StoredIndex:
    """The stored index (its records are empty when it was written in an older format);
    without `deps`, the records' dependencies are left empty and never read."""
    ids = [index_node_id(repo), deps_node_id(repo)] if deps else [index_node_id(repo)]
    found = store.get_nodes(ids)
    node = found.get(index_node_id(repo))
    if node is None or node.get("format") != PARSE_FORMAT:
        return StoredIndex({}, node)
    held = found.get(deps_node_id(repo))
    if deps and held is None:  # never written apart from the index: trust neither
        return StoredIndex({}, node)
    rows = json.loads(node.get("files") or "{}")
    by_path = _decode_deps(held.get("deps") or "{}") if held is not None else {}
    records = {path: FileRecord.from_row(row, by_path.get(path)) for path, row in rows.items()}
    return StoredIndex(records, node)


def _encode_deps(records: Mapping[str, FileRecord]) -> str:
    """{"shared": [sets], "files": {path: [[numbers of its shared sets], [own lookups]]}}."""
    numbers: dict[frozenset[str], int] = {}
    files = {
        path: [
            [numbers.setdefault(part, len(numbers)) for part in record.deps.shared],
            sorted(record.deps.own),
        ]
        for path, record in sorted(records.items())
    }
    shared = [sorted(part) for part in numbers]
    return json.dumps({"shared": shared, "files": files}, separators=(",", ":"))


def _decode_deps(text: str) -> dict[str, Dependencies]:
    data = json.loads(text)
    if "files" not in data:  # written before the sets were shared: one flat list per file
        return {path: Dependencies(frozenset(keys)) for path, keys in data.items()}
    shared = [frozenset(part) for part in data["shared"]]
    return {
        path: Dependencies(frozenset(own), tuple(shared[n] for n in numbers))
        for path, (numbers, own) in data["files"].items()
    }


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


def index_nodes(
    repo: str,
    records: Mapping[str, FileRecord],
    head: str | None,
    history_depth: int,
    dirty: bool = False,
) -> list[Node]:
    """The index node and the dependencies node, written together."""
    rows = json.dumps({p: r.to_row() for p, r in sorted(records.items())}, separators=(",", ":"))
    deps = _encode_deps(records)
    held = Node(
        id=deps_node_id(repo),
        labels=(Label.FILE_STATE,),
        properties={"repo": repo, "path": "", "kind": "deps", "deps": deps},
    )
    index = Node(
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
    return [index, held]
