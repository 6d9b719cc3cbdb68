"""What an ingest did, and how the index compares with the work tree: plain pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, Field

from graphmem.knowledge.documents import SyncReport

#: How many skipped files a report lists by name (all are counted in `skipped_by_reason`).
MAX_LISTED_SKIPS = 500


class SkippedFile(BaseModel):
    path: str
    #: vendored | symlink | binary | generated | minified | too_large | unreadable
    reason: str


class IngestReport(BaseModel):
    """The outcome of one `graphmem ingest` run."""

    repo: str
    root: str
    store: str
    files_parsed: int = 0
    files_added: int = 0
    files_changed: int = 0
    files_removed: int = 0
    files_unchanged: int = 0
    files_resolved: int = Field(0, description="files whose edges were (re)resolved")
    bytes_parsed: int = 0
    entities_written: int = 0
    edges_written: int = 0
    entities_deleted: int = 0
    edges_deleted: int = 0
    commits: int = 0
    skipped: list[SkippedFile] = Field(default_factory=list)
    skipped_by_reason: dict[str, int] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    indexed_commit: str | None = None
    seconds: float = 0.0
    #: wall seconds per phase of the pipeline (diff, parse, resolve, plan, write)
    timings: dict[str, float] = Field(default_factory=dict)
    #: ADRs and rules files read into memories after the code (see graphmem.knowledge.sync)
    documents: SyncReport | None = None

    def add_skipped(self, skipped: SkippedFile) -> None:
        self.skipped_by_reason[skipped.reason] = self.skipped_by_reason.get(skipped.reason, 0) + 1
        if len(self.skipped) < MAX_LISTED_SKIPS:
            self.skipped.append(skipped)


class IndexStatus(BaseModel):
    """How the stored graph of a repository compares with its work tree right now."""

    repo: str
    indexed: bool
    indexed_commit: str | None = None
    indexed_at: str | None = None
    head: str | None = None
    files_indexed: int = 0
    changed: list[str] = Field(default_factory=list)
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)

    @property
    def up_to_date(self) -> bool:
        return (
            self.indexed
            and not (self.changed or self.added or self.removed)
            and (self.head is None or self.head == self.indexed_commit)
        )
