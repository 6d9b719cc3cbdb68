"""What an ingest did, and how the index compares with the work tree: plain records."""

from __future__ import annotations

from graphmem.knowledge.documents import SyncReport
from graphmem.model.base import Record, field

#: How many skipped files a report lists by name (all are counted in `skipped_by_reason`).
MAX_LISTED_SKIPS = 500


class SkippedFile(Record):
    path: str
    #: vendored | symlink | binary | generated | minified | too_large | unreadable
    reason: str


class IngestReport(Record):
    """The outcome of one `graphmem ingest` run."""

    repo: str
    root: str
    store: str
    files_parsed: int = 0
    files_added: int = 0
    files_changed: int = 0
    files_removed: int = 0
    files_unchanged: int = 0
    files_resolved: int = field(0, description="files whose edges were (re)resolved")
    bytes_parsed: int = 0
    entities_written: int = 0
    edges_written: int = 0
    entities_deleted: int = 0
    edges_deleted: int = 0
    commits: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    indexed_commit: str | None = None
    seconds: float = 0.0
    #: wall seconds per phase of the pipeline (diff, parse, resolve, plan, write)
    timings: dict[str, float] = field(default_factory=dict)
    #: ADRs and rules files read into memories after the code (see graphmem.knowledge.sync)
    documents: SyncReport | None = None
    #: old entity id -> new one, for definitions renamed in place (memories follow them)
    renamed: dict[str, str] = field(default_factory=dict)

    def add_skipped(self, skipped: SkippedFile) -> None:
        self.skipped_by_reason[skipped.reason] = self.skipped_by_reason.get(skipped.reason, 0) + 1
        if len(self.skipped) < MAX_LISTED_SKIPS:
            self.skipped.append(skipped)


class IndexStatus(Record):
    """How the stored graph of a repository compares with its work tree right now."""

    repo: str
    indexed: bool
    indexed_commit: str | None = None
    indexed_at: str | None = None
    head: str | None = None
    files_indexed: int = 0
    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        return (
            self.indexed
            and not (self.changed or self.added or self.removed)
            and (self.head is None or self.head == self.indexed_commit)
        )
