"""Whether the graph is behind the working tree: one small value for every answer to carry.

`freshness(gm)` compares the indexed commit with HEAD and counts the source files changed,
added or removed since the last ingest (by size and mtime, then hash: no parsing). Context,
prompt, search, status, MCP tools and hook output attach it; `notice` is the line they print.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from graphmem.api import GraphMem
    from graphmem.ingest.report import IndexStatus
    from graphmem.model import Node

REFRESH_HINT = "run `graphmem ingest`, or keep `graphmem watch` running"


@dataclass(frozen=True)
class Freshness:
    """The index against the working tree, in numbers."""

    indexed: bool
    indexed_commit: str | None
    head: str | None
    files_changed: int

    @property
    def commit_behind(self) -> bool:
        return self.head is not None and self.head != self.indexed_commit

    @property
    def behind(self) -> bool:
        return not self.indexed or self.commit_behind or self.files_changed > 0

    def notice(self) -> str:
        """One line saying how the graph lags the working tree; '' when it does not."""
        if not self.indexed:
            return "The code graph has not been built yet: run `graphmem ingest`."
        if not self.behind:
            return ""
        parts = []
        if self.commit_behind:
            parts.append(f"indexed at {_short(self.indexed_commit)}, HEAD is {_short(self.head)}")
        if self.files_changed:
            s = "" if self.files_changed == 1 else "s"
            parts.append(f"{self.files_changed} source file{s} changed since the last ingest")
        return f"The code graph is behind the working tree ({'; '.join(parts)}): {REFRESH_HINT}."

    def to_dict(self) -> dict[str, object]:
        return {
            "indexed": self.indexed,
            "indexed_commit": self.indexed_commit,
            "head": self.head,
            "files_changed": self.files_changed,
            "behind": self.behind,
            "notice": self.notice(),
        }


def freshness_of(status: IndexStatus) -> Freshness:
    """The freshness an IndexStatus (from `gm.index_status()`) describes."""
    return Freshness(
        indexed=status.indexed,
        indexed_commit=status.indexed_commit,
        head=status.head,
        files_changed=len(status.changed) + len(status.added) + len(status.removed),
    )


def freshness(gm: GraphMem) -> Freshness:
    """How the graph of `gm`'s repository compares with its working tree right now."""
    return freshness_of(gm.index_status())


def module_changed_since_ingest(repo_root: Path, module: Node) -> bool:
    """Whether a source file differs from its Module node as last ingested (one hash, no index
    read: the node carries the hash of the file's bytes)."""
    from graphmem.ingest.language import content_hash

    try:
        data = (repo_root / str(module.get("path"))).read_bytes()
    except OSError:
        return True
    return bool(content_hash(data) != module.get("content_hash"))


def _short(commit: str | None) -> str:
    return commit[:7] if commit else "nothing"
