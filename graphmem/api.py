"""GraphMem: the Python API. The CLI and the MCP server are thin adapters over this class.

Each method delegates to the domain packages (ingest, memory, queries); this class only wires the
settings, the store and the repository together.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from graphmem.errors import UsageError
from graphmem.settings import Settings, find_repo_root
from graphmem.store import GraphStore, open_store

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import IO, Any

    from graphmem.embed.base import Embedder
    from graphmem.ingest.pipeline import Progress
    from graphmem.ingest.report import IndexStatus, IngestReport
    from graphmem.knowledge.documents import SyncReport
    from graphmem.knowledge.writers import ExportResult
    from graphmem.memory.audit import Receipt
    from graphmem.memory.exchange import ImportResult
    from graphmem.memory.governance import ReadScope
    from graphmem.memory.remember import RememberRequest
    from graphmem.memory.results import (
        ChangeResult,
        GoverningMemory,
        HistoryEntry,
        MemoryView,
        RefreshReport,
        RememberResult,
        StaleReport,
    )
    from graphmem.model import Event, Node
    from graphmem.queries.named import NamedQuery
    from graphmem.queries.results import (
        ContextResult,
        ImpactResult,
        PromptPack,
        SearchOptions,
        SearchResult,
    )
    from graphmem.review.report import ReviewReport
    from graphmem.store.base import GraphReads


class GraphMem:
    """Memory for one repository, on one store (which may hold many repositories)."""

    def __init__(
        self,
        settings: Settings | None = None,
        repo_root: str | Path | None = None,
        store: GraphStore | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.repo_root = find_repo_root(Path(repo_root) if repo_root else Path.cwd())
        self._store = store
        self._embedder = embedder

    @property
    def repo(self) -> str:
        """The repository's name in the graph: the name of its root folder."""
        return self.repo_root.name

    @property
    def store(self) -> GraphStore:
        if self._store is None:
            self._store = open_store(self.settings.store_url(self.repo_root), self.settings)
        return self._store

    @cached_property
    def embedder(self) -> Embedder:
        """Loaded on first use only: commands that need no embedding never import torch."""
        if self._embedder is not None:
            return self._embedder
        from graphmem.embed import default_embedder

        return default_embedder(self.settings.embedding_model)

    # -- ingest (graphmem.ingest) ------------------------------------------------------------

    def ingest(
        self,
        path: str | Path | None = None,
        history: int | None = None,
        progress: Progress | None = None,
        full: bool = False,
        max_file_bytes: int | None = None,
    ) -> IngestReport:
        """Build or refresh the code graph of the repository (only what changed is redone).

        `path` defaults to this GraphMem's repository; `history` records the last N commits
        (default 100); `full` re-parses every file. Memories are re-anchored afterwards.
        """
        from graphmem.ingest import DEFAULT_HISTORY
        from graphmem.ingest.file_walk import DEFAULT_MAX_BYTES
        from graphmem.ingest.pipeline import IngestOptions, ingest_repository

        root, repo = self._ingest_root(path)
        options = IngestOptions(
            history=DEFAULT_HISTORY if history is None else history,
            full=full,
            max_file_bytes=max_file_bytes or DEFAULT_MAX_BYTES,
            progress=progress,
        )
        report = ingest_repository(self.store, root, repo, options)
        if root == self.repo_root:
            self.refresh_anchors(renamed=report.renamed)
            report.documents = self.sync_documents(commit=report.indexed_commit)
            report.warnings += report.documents.warnings
        return report

    def sync_documents(self, commit: str | None = None) -> SyncReport:
        """Read the repository's ADRs and agent rules files into memories, following edits and
        deletions (graphmem.knowledge.sync); `ingest` calls it after the code graph is fresh."""
        from graphmem.knowledge.sync import sync_documents

        return sync_documents(
            self.store,
            self.repo,
            lambda: self.embedder,
            self.repo_root,
            configured_adr_dirs=self.settings.adr_dirs,
            commit=commit,
            author=self.settings.author,
        )

    def index_status(self, path: str | Path | None = None) -> IndexStatus:
        """The indexed commit against HEAD, and the files changed, added or removed since."""
        from graphmem.ingest.status import index_status

        root, repo = self._ingest_root(path)
        return index_status(self.store, root, repo)

    def _ingest_root(self, path: str | Path | None) -> tuple[Path, str]:
        """The folder to ingest and its repository name: this repository, or the folder `path`
        (a repository of its own, named after its folder)."""
        from graphmem.errors import NotFoundError, UsageError

        if path is None:
            return self.repo_root, self.repo
        root = Path(path).expanduser()
        if not root.exists():
            raise NotFoundError(f"{root}: no such directory")
        if not root.is_dir():
            raise UsageError(f"{root}: not a directory (ingest takes a repository folder)")
        root = root.resolve()
        return root, self.repo if root == self.repo_root else root.name

    # -- memory (graphmem.memory) ------------------------------------------------------------

    @property
    def branch(self) -> str | None:
        """The branch memories are recorded on and served for: GRAPHMEM_BRANCH or git's HEAD."""
        from graphmem.ingest.git import checked_out_branch

        return self.settings.branch or checked_out_branch(self.repo_root)

    def resolve_target(self, target: str) -> Node:
        """The code entity a TARGET names (path, directory, qualified name, path::Symbol, ...)."""
        from graphmem.memory.targets import resolve_target

        return resolve_target(self.store, self.repo, target)

    def resolve_for_reading(self, target: str, suggest: bool = True) -> tuple[Node, bool]:
        """What to read the memories of for `target`, and whether its contents count: a file
        of the work tree with no entity of its own (SQL, YAML) stands for its folder alone.
        `suggest=False` spares the close-match search when nothing matches."""
        from graphmem.memory.targets import resolve_for_reading

        return resolve_for_reading(self.store, self.repo, target, self.repo_root, suggest)

    def remember(
        self,
        kind: str,
        text: str,
        governs: Sequence[str] = (),
        *,
        rationale: str | None = None,
        source: str | None = None,
        tags: Sequence[str] = (),
        branch: str | None = None,
        user: str | None = None,
        supersedes: Sequence[str] = (),
        symptom: str | None = None,
        cause: str | None = None,
        fix: str | None = None,
        test: str | None = None,
        commit: str | None = None,
    ) -> RememberResult:
        """Record a memory governing `governs` (the repository if empty); see graphmem.memory.
        Branch-less unless `branch` is given; a preference belongs to `user` (default: you)."""
        from graphmem.memory.remember import remember

        return remember(
            self.store,
            self.repo,
            self.embedder,
            kind,
            text,
            governs=governs,
            rationale=rationale,
            source=source,
            tags=tags,
            branch=branch,
            user=user or self.settings.user,
            supersedes=supersedes,
            author=self.settings.author,
            failure={
                "symptom": symptom,
                "cause": cause,
                "fix": fix,
                "test": test,
                "commit": commit,
            },
        )

    def remember_many(
        self,
        requests: Sequence[RememberRequest],
        on_done: Callable[[int], None] | None = None,
    ) -> list[RememberResult]:
        """Record many memories at once (`remember --batch`): all checked before any is written,
        embedded in one batch, each then recorded as `remember` records one. A preference
        without a user is yours."""
        from dataclasses import replace

        from graphmem.memory.remember import remember_many

        own = [r if r.user else replace(r, user=self.settings.user) for r in requests]
        return remember_many(
            self.store, self.repo, self.embedder, own, author=self.settings.author, on_done=on_done
        )

    def show(self, memory_id: str) -> MemoryView:
        """One memory with its staleness and supersession links."""
        from graphmem.memory.view import show

        return show(self.store, self.repo, memory_id)

    def history(self, memory_id: str) -> list[HistoryEntry]:
        """The supersession chain through `memory_id`, oldest first."""
        from graphmem.memory.supersession import history

        return history(self.store, self.repo, memory_id)

    def supersede(self, old_ids: Sequence[str], new_id: str) -> ChangeResult:
        """Make the existing memory `new_id` replace `old_ids`."""
        from graphmem.memory.supersession import supersede

        return supersede(self.store, self.repo, old_ids, new_id, self.settings.author)

    def retract(self, memory_id: str, reason: str | None = None) -> tuple[ChangeResult, list[str]]:
        """Stop serving `memory_id`; returns the change and secret types redacted from `reason`."""
        from graphmem.memory.retraction import retract

        return retract(self.store, self.repo, memory_id, reason, self.settings.author)

    def revert(self, memory_id: str) -> ChangeResult:
        """Undo the supersession that replaced `memory_id` (its successor is retracted)."""
        from graphmem.memory.supersession import revert

        return revert(self.store, self.repo, memory_id, self.settings.author)

    def purge(self, memory_id: str) -> ChangeResult:
        """Remove a memory's text and embedding for good (a tombstone event stays)."""
        from graphmem.memory.retraction import purge

        return purge(self.store, self.repo, memory_id, self.settings.author)

    def governing(self, target: str, include_history: bool = False) -> list[GoverningMemory]:
        """Memories that apply to `target` on the current branch for the current user, and how."""
        from graphmem.memory.governance import governing
        from graphmem.memory.targets import resolve_for_reading

        with self.store.snapshot() as view:
            node, down = resolve_for_reading(view, self.repo, target, self.repo_root)
            return governing(self.read_scope(include_history, view=view), [node.id], down=down)

    def governing_many(
        self, entity_ids: Sequence[str], *, down: bool = False, include_history: bool = False
    ) -> list[GoverningMemory]:
        """Memories that apply to any of `entity_ids` (with `down`, to their contents too), in
        one batch; each application names the entity asked about as its `subject`."""
        from graphmem.memory.governance import governing

        with self.store.snapshot() as view:
            return governing(self.read_scope(include_history, view=view), entity_ids, down=down)

    def read_scope(
        self, include_history: bool = False, view: GraphReads | None = None
    ) -> ReadScope:
        """Who reads: this repository, branch and user; what every query serves is decided here.
        `view`: a snapshot of the store, so that one answer reads one state."""
        from graphmem.memory.governance import ReadScope

        return ReadScope(
            view or self.store,
            self.repo,
            self.branch,
            self.settings.user,
            include_history=include_history,
        )

    def refresh_anchors(self, renamed: Mapping[str, str] | None = None) -> RefreshReport:
        """Restore and re-anchor memories after an ingest (call it at the end of every ingest,
        with the ingest report's `renamed`)."""
        from graphmem.memory.staleness import refresh_anchors

        return refresh_anchors(self.store, self.repo, self.settings.author, renamed)

    def stale(self) -> StaleReport:
        """Refresh anchors, then list orphaned and possibly stale active memories."""
        from graphmem.memory.staleness import stale

        return stale(self.store, self.repo, self.settings.author)

    def acknowledge(self, memory_id: str) -> ChangeResult:
        """Re-confirm a possibly stale memory against the code as it is now."""
        from graphmem.memory.staleness import acknowledge

        return acknowledge(self.store, self.repo, memory_id, self.settings.author)

    def events(self, memory_id: str | None = None, limit: int | None = 50) -> list[Event]:
        """The audit trail, newest first."""
        from graphmem.memory.audit import list_events

        _check_limit(limit)
        return list_events(self.store, self.repo, memory_id, limit)

    def receipts(self, memory_id: str | None = None, limit: int | None = 50) -> list[Receipt]:
        """Retrieval receipts, newest first."""
        from graphmem.memory.audit import list_receipts

        _check_limit(limit)
        return list_receipts(self.store, self.repo, memory_id, limit)

    def record_receipt(
        self, operation: str, query: str, memory_ids: Sequence[str], *, graph_text: bool = False
    ) -> Receipt:
        """Record which memories a retrieval returned (`graph_text`: see audit.record_receipt)."""
        from graphmem.memory.audit import record_receipt

        return record_receipt(
            self.store,
            self.repo,
            operation,
            query,
            memory_ids,
            self.settings.author,
            graph_text=graph_text,
        )

    def export_markdown(self) -> str:
        """A Markdown digest of the active memories, grouped by the code they govern."""
        from graphmem.memory.digest import markdown_digest

        return markdown_digest(self.store, self.repo, self.branch, self.settings.user)

    def export_documents(
        self, fmt: str, *, force: bool = False, nested: bool = False
    ) -> ExportResult:
        """Write memories into the repository's own files: `agents-md` (a managed block in
        AGENTS.md files; `nested`: one per folder), `claude-rules` / `cursor-rules` (one rules
        file per scope) or `adr` (one file per decision, in the folder's format); idempotent,
        and a file people wrote is never overwritten unless `force` (graphmem.knowledge.writers)."""
        from graphmem.knowledge import writers

        if fmt not in writers.FILE_FORMATS:
            raise UsageError(
                f"unknown export format {fmt!r}: use {', '.join(writers.FILE_FORMATS)}"
            )
        return writers.export_documents(
            self.store,
            self.repo,
            self.repo_root,
            self.branch,
            self.settings.user,
            fmt,
            force=force,
            nested=nested,
        )

    def export_jsonl(self, fp: IO[str]) -> int:
        """The whole store as JSON lines (DESIGN §5); returns the number of records."""
        from graphmem.store.transfer import write_jsonl

        return write_jsonl(self.store, fp)

    def import_jsonl(self, fp: IO[str]) -> ImportResult:
        """Import a JSONL export, redacted, recording an `import` event."""
        from graphmem.memory.exchange import import_jsonl

        return import_jsonl(self.store, self.repo, fp, self.settings.author, self.embedder)

    # -- queries (graphmem.queries) ----------------------------------------------------------

    def impact(self, target: str, depth: int = 3) -> ImpactResult:
        """Everything that depends on `target` within `depth` hops, and what governs it."""
        from graphmem.memory.targets import resolve_target
        from graphmem.queries.impact import impact

        if depth < 1:
            raise UsageError(f"depth must be at least 1, not {depth}")
        with self.store.snapshot() as view:
            scope = self.read_scope(view=view)
            return impact(scope, resolve_target(view, self.repo, target), depth)

    def cypher(
        self, query: str, params: Mapping[str, Any] | None = None, write: bool = False
    ) -> list[dict[str, Any]]:
        """Run Cypher on the store: read-only unless `write` (which needs a Neo4j store)."""
        from graphmem.queries.cypher import run_cypher

        return run_cypher(self.store, query, params, write)

    def named_query(
        self, name: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run one of the named queries (`named_queries()` lists them)."""
        from graphmem.queries.named import run_named_query

        return run_named_query(self.store, name, params, repo=self.repo)

    def named_queries(self) -> list[NamedQuery]:
        from graphmem.queries.named import named_queries

        return sorted(named_queries().values(), key=lambda q: q.name)

    def search(self, query: str, options: SearchOptions | None = None) -> SearchResult:
        """Hybrid search (full text, vectors, graph proximity) over memories and commits."""
        from graphmem.memory.governance import ReadScope
        from graphmem.queries.results import SearchOptions
        from graphmem.queries.search import search

        _check_search(query, options)
        options = options or SearchOptions()
        options = options.model_copy(
            update={
                "branch": options.branch or self.branch,
                "user": options.user or self.settings.user,
            }
        )
        with self.store.snapshot() as view:
            scope = ReadScope(view, self.repo, options.branch, options.user)
            result = search(scope, query, options, embedder=lambda: self.embedder)
        memory_ids = [h.id for h in result.hits if h.kind != "commit"]
        result.receipt_id = self.record_receipt("search", result.query, memory_ids).id
        return result

    def context(self, target: str, history: bool = False, all_rules: bool = False) -> ContextResult:
        """What to know before changing `target`: governing and nearby memories, commits, code.
        Rules files' repository-wide rules beyond ten a file are counted, unless `all_rules`."""
        from graphmem.memory.targets import resolve_for_reading
        from graphmem.queries.context import context

        with self.store.snapshot() as view:
            node, inside = resolve_for_reading(view, self.repo, target, self.repo_root)
            file = None if inside else target.strip().removeprefix("./")
            result = context(self.read_scope(history, view=view), node, file, all_rules)
        served = [m.id for m in result.memories] + [m.id for m in result.nearby]
        named = target.strip().rstrip("/") in {
            node.id,
            node.get("path"),
            node.get("qualified_name"),
        }
        receipt = self.record_receipt("context", target, served, graph_text=named)
        result.receipt_id = receipt.id
        return result

    def prompt(self, task: str, files: Sequence[str] = (), budget: int = 4000) -> PromptPack:
        """A Markdown context pack for `task` within `budget` tokens, every item cited."""
        from graphmem.queries.prompt import build_prompt

        if not task.strip():
            raise UsageError("a prompt needs a task: say what you are about to do")
        if budget < 1:
            raise UsageError(f"the token budget must be positive, not {budget}")
        with self.store.snapshot() as view:
            scope = self.read_scope(view=view)
            pack = build_prompt(scope, task, files, budget, embedder=lambda: self.embedder)
        pack.receipt_id = self.record_receipt("prompt", task, pack.memory_ids).id
        return pack

    def review(
        self,
        base: str | None = None,
        head: str | None = None,
        *,
        staged: bool = False,
        working_tree: bool = False,
        depth: int = 3,
    ) -> ReviewReport:
        """What the change from `base` (default: the merge base with the default branch) to
        `head` (a commit, the index with `staged`, else the working tree) touches, what depends
        on it, which tests reach it and which memories it puts at stake; records a receipt."""
        from graphmem.review.diff import resolve_range
        from graphmem.review.pipeline import review

        if depth < 1:
            raise UsageError(f"depth must be at least 1, not {depth}")
        rng = resolve_range(self.repo_root, base, head, staged=staged, working_tree=working_tree)
        report = review(self, rng, depth)
        query = f"{rng.base_sha[:12]}..{rng.head_sha[:12] if rng.head_sha else rng.mode.value}"
        receipt = self.record_receipt(
            "review", query, [m.id for m in report.at_stake], graph_text=True
        )
        report.receipt_id = receipt.id
        return report

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> GraphMem:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_search(query: str, options: SearchOptions | None) -> None:
    """Refuse what would silently match nothing: no words, a bad limit, kind or date."""
    from datetime import datetime

    from graphmem.model import MemoryKind, MemoryStatus

    if not query.strip():
        raise UsageError("search needs some words to look for")
    if options is None:
        return
    _check_limit(options.limit)
    kinds = {k.value for k in MemoryKind} | {"commit"}
    for kind in options.kinds:
        if kind.lower() not in kinds:
            raise UsageError(f"unknown kind {kind!r}: use one of {', '.join(sorted(kinds))}")
    statuses = {s.value for s in MemoryStatus}
    for status in options.statuses:
        if status.lower() not in statuses:
            raise UsageError(f"unknown status {status!r}: use one of {', '.join(sorted(statuses))}")
    for name, value in (("since", options.since), ("until", options.until)):
        if value:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise UsageError(
                    f"--{name} {value!r} is not an ISO date or date-time (2026-11-21)"
                ) from None


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise UsageError(f"the limit must be at least 1, not {limit}")
