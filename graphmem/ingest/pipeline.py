"""One ingest run: walk, parse what changed, resolve what it affects, write the difference.

State kept in the store, per repository (all under the FileState label):

- an *index* node: for every parsed file its content hash, size, mtime, language, module name
  and resolution dependencies (what its edges were resolved against);
- a *parse* node per file: its cached ParsedFile, so unchanged files are never parsed again and
  resolution of an affected file can read its neighbours without touching their sources.

A re-ingest compares the walk against the index (size and mtime first, then the content hash),
parses changed and added files, and re-resolves those plus every file whose recorded
dependencies name a changed, added or removed file or module. Entity ids are derived from
(repo, path, qualified name), so unchanged code keeps its ids and the edges pointing at it.

Atomicity: a run whose changes fit in `SINGLE_BATCH_LIMIT` operations is one write, so it lands
entirely or not at all. A bigger run writes several batches and marks the index *dirty* in its
first; a killed run leaves the mark, and the next run re-resolves every file (parsing only what
differs from the last index that landed), which brings the graph back to exactly the tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphmem.ingest import DEFAULT_HISTORY
from graphmem.ingest.file_walk import DEFAULT_MAX_BYTES, classify_source, walk_repository
from graphmem.ingest.language import (
    PARSE_FORMAT,
    LanguageSupport,
    ParsedFile,
    RepoIndex,
    RepoLayout,
    ResolvedEdge,
    content_hash,
    language_for,
    languages,
)
from graphmem.ingest.report import IngestReport, SkippedFile
from graphmem.model import CodeEntity, Edge, Label, Node, RelType, entity_id, now_iso
from graphmem.store.base import Direction, GraphStore, WriteBatch

#: A run with at most this many write operations lands as one atomic batch.
SINGLE_BATCH_LIMIT = 60_000
#: Batch size of a bigger run.
CHUNK = 20_000
#: Parse in worker processes when this many bytes need parsing (and there is more than one core).
PARALLEL_BYTES = 3_000_000
#: A file modified this recently may change again within the mtime's resolution: hash it next time.
RACY_SECONDS = 2.0

RESOLVED_TYPES = (RelType.IMPORTS, RelType.CALLS, RelType.INHERITS)
Progress = Callable[[str, int, int], None]


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


@dataclass
class IngestOptions:
    history: int = DEFAULT_HISTORY
    full: bool = False
    max_file_bytes: int = DEFAULT_MAX_BYTES
    progress: Progress | None = None
    workers: int | None = None


def index_node_id(repo: str) -> str:
    return "fs-" + entity_id(repo, "", "\0index")[2:]


def parse_node_id(repo: str, path: str) -> str:
    return "fp-" + entity_id(repo, path, "\0parse")[2:]


def load_index(store: GraphStore, repo: str) -> tuple[dict[str, FileRecord], Node | None]:
    node = store.get_node(index_node_id(repo))
    if node is None or node.get("format") != PARSE_FORMAT:
        return {}, node
    rows = json.loads(node.get("files") or "{}")
    return {path: FileRecord.from_row(row) for path, row in rows.items()}, node


def git_head(root: Path) -> str | None:
    """The commit checked out at `root`, or None outside git (or before the first commit)."""
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--verify", "-q", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


class Ingester:
    """Ingests the repository at `root` into `store` under the name `repo`."""

    def __init__(self, store: GraphStore, root: Path, repo: str, options: IngestOptions) -> None:
        self.store = store
        self.root = root
        self.repo = repo
        self.options = options
        self.report = IngestReport(repo=repo, root=str(root), store=store.name, files_resolved=0)
        self.languages = languages()
        self._history_due = False
        self._history_depth = 0

    # -- the run --------------------------------------------------------------------------

    def run(self) -> IngestReport:
        started = time.perf_counter()
        self._progress("walk", 0, 0)
        clock = time.perf_counter()
        walk = walk_repository(self.root)
        for path, reason in walk.skipped:
            if language_for(path) is not None:
                self.report.add_skipped(SkippedFile(path=path, reason=reason))
        layout = RepoLayout(self.root, frozenset(walk.files))
        previous, index_node = load_index(self.store, self.repo)
        dirty = bool(index_node is not None and index_node.get("dirty"))
        full = self.options.full or index_node is None or not previous
        # History is read again only when there may be new commits, or more were asked for:
        # re-ingesting an uncommitted edit does not pay for `git log`.
        self._history_depth = int(index_node.get("history_depth") or 0) if index_node else 0
        self._history_due = self.options.history > 0 and (
            full
            or index_node is None
            or index_node.get("indexed_commit") != git_head(self.root)
            or self._history_depth < self.options.history
        )

        sources = [path for path in walk.files if language_for(path) is not None]
        modules: dict[str, str] = {}
        languages_by_path: dict[str, LanguageSupport] = {}
        for path in sources:
            support = language_for(path)
            assert support is not None
            languages_by_path[path] = support
            modules[path] = support.module_name(path, layout)

        # What changed since the last index that landed.
        to_parse: dict[str, bytes] = {}
        records: dict[str, FileRecord] = {}
        ingest_time = time.time()
        for path in sources:
            full_path = self.root / path
            try:
                stat = full_path.stat()
            except OSError:
                self.report.add_skipped(SkippedFile(path=path, reason="unreadable"))
                continue
            if stat.st_size > self.options.max_file_bytes:
                self.report.add_skipped(SkippedFile(path=path, reason="too_large"))
                continue
            old = previous.get(path)
            support = languages_by_path[path]
            same_stat = (
                old is not None
                and old.size == stat.st_size
                and old.mtime_ns == stat.st_mtime_ns
                and old.mtime_ns != 0
            )
            if not full and same_stat and old is not None and old.module == modules[path]:
                records[path] = old
                self.report.files_unchanged += 1
                continue
            try:
                data = full_path.read_bytes()
            except OSError as error:
                self.report.add_skipped(SkippedFile(path=path, reason="unreadable"))
                self.report.warnings.append(f"{path}: {error.strerror or error}")
                continue
            skip = classify_source(path, data, self.options.max_file_bytes)
            if skip is not None:
                self.report.add_skipped(SkippedFile(path=path, reason=skip))
                continue
            digest = content_hash(data)
            racy = ingest_time - stat.st_mtime_ns / 1e9 < RACY_SECONDS
            mtime = 0 if racy else stat.st_mtime_ns
            if (
                not full
                and old is not None
                and old.hash == digest
                and old.module == modules[path]
                and old.language == support.name
            ):
                records[path] = FileRecord(
                    digest, stat.st_size, mtime, support.name, modules[path], old.deps
                )
                self.report.files_unchanged += 1
                continue
            to_parse[path] = data
            records[path] = FileRecord(digest, stat.st_size, mtime, support.name, modules[path])

        removed = sorted(set(previous) - set(records))
        clock = self._lap("walk", clock)
        parsed_new = self._parse_all(to_parse, languages_by_path, modules)
        clock = self._lap("parse", clock)
        self.report.files_parsed = len(parsed_new)
        self.report.files_removed = len(removed)
        self.report.files_added = sum(1 for p in parsed_new if p not in previous)
        self.report.files_changed = len(parsed_new) - self.report.files_added
        for parsed in parsed_new.values():
            self.report.warnings.extend(parsed.warnings)

        # Old parses of files that changed or vanished: what their entities were.
        stale_paths = [p for p in list(parsed_new) + removed if p in previous]
        old_parses = self._load_parses(stale_paths) if not full else {}

        # Which files need their edges re-resolved.
        if full or dirty:
            affected = set(records)
        else:
            touched: set[str] = set()
            for path in list(parsed_new) + removed:
                touched.add("p:" + path)
                if path in records:
                    touched.add("m:" + records[path].module)
                if path in previous:
                    touched.add("m:" + previous[path].module)
            affected = set(parsed_new)
            for path, record in records.items():
                if path not in affected and not touched.isdisjoint(record.deps):
                    affected.add(path)
        self.report.files_resolved = len(affected)

        cache: dict[str, ParsedFile] = dict(parsed_new)
        missing = sorted(p for p in affected if p not in cache)
        cache.update(self._load_parses(missing))

        def loader(path: str) -> ParsedFile | None:
            if path not in cache:
                if path not in records:
                    return None
                cache.update(self._load_parses([path]))
            return cache.get(path)

        paths_by_module: dict[str, list[str]] = {}
        for path, record in records.items():
            paths_by_module.setdefault(record.module, []).append(path)
        for paths in paths_by_module.values():
            paths.sort()

        resolved: dict[str, list[ResolvedEdge]] = {}
        by_language: dict[str, list[str]] = {}
        for path in sorted(affected):
            by_language.setdefault(records[path].language, []).append(path)
        done = 0
        for language_name, paths in by_language.items():
            support = self.languages[language_name]
            index = RepoIndex(paths_by_module, loader)
            resolver = support.resolver(index)
            for path in paths:
                found = loader(path)
                if found is None:
                    # The cache vanished (an interrupted run): parse the file again.
                    resolved[path] = []
                    continue
                with index.tracking() as deps:
                    resolved[path] = resolver.resolve(found)
                records[path].deps = sorted(deps - {"p:" + path})
                done += 1
                if done % 200 == 0:
                    self._progress("resolve", done, len(affected))

        clock = self._lap("resolve", clock)
        batch_plan = self._plan(
            layout=layout,
            records=records,
            previous=previous,
            parsed_new=parsed_new,
            old_parses=old_parses,
            removed=removed,
            resolved=resolved,
            cache=cache,
            walk_files=walk.files,
            full=full,
        )
        clock = self._lap("plan", clock)
        self._write(batch_plan, records, previous, parsed_new)
        self._lap("write", clock)
        self.report.seconds = round(time.perf_counter() - started, 3)
        self._progress("done", 1, 1)
        return self.report

    # -- parsing --------------------------------------------------------------------------

    def _parse_all(
        self,
        to_parse: Mapping[str, bytes],
        languages_by_path: Mapping[str, LanguageSupport],
        modules: Mapping[str, str],
    ) -> dict[str, ParsedFile]:
        total = len(to_parse)
        size = sum(len(data) for data in to_parse.values())
        self.report.bytes_parsed = size
        workers = self.options.workers or min(os.cpu_count() or 1, 4)
        results: dict[str, ParsedFile] = {}
        if workers > 1 and size >= PARALLEL_BYTES:
            jobs = [
                (path, languages_by_path[path].name, data, modules[path])
                for path, data in sorted(to_parse.items())
            ]
            chunks = [jobs[i::workers] for i in range(workers)]
            with ProcessPoolExecutor(workers) as pool:
                for chunk_result in pool.map(_parse_chunk, chunks):
                    for parsed in chunk_result:
                        results[parsed.path] = parsed
                    self._progress("parse", len(results), total)
            return results
        for count, (path, data) in enumerate(sorted(to_parse.items()), 1):
            results[path] = parse_one(languages_by_path[path], path, data, modules[path])
            if count % 50 == 0:
                self._progress("parse", count, total)
        self._progress("parse", total, total)
        return results

    def _load_parses(self, paths: Sequence[str]) -> dict[str, ParsedFile]:
        if not paths:
            return {}
        ids = {parse_node_id(self.repo, path): path for path in paths}
        found: dict[str, ParsedFile] = {}
        for node_id, node in self.store.get_nodes(list(ids)).items():
            text = node.get("parse")
            if isinstance(text, str) and node.get("format") == PARSE_FORMAT:
                found[ids[node_id]] = ParsedFile.from_json(text)
        return found

    # -- the graph ------------------------------------------------------------------------

    def _plan(
        self,
        *,
        layout: RepoLayout,
        records: Mapping[str, FileRecord],
        previous: Mapping[str, FileRecord],
        parsed_new: Mapping[str, ParsedFile],
        old_parses: Mapping[str, ParsedFile],
        removed: Sequence[str],
        resolved: Mapping[str, list[ResolvedEdge]],
        cache: dict[str, ParsedFile],
        walk_files: Sequence[str],
        full: bool,
    ) -> _Plan:
        repo = self.repo
        plan = _Plan()

        # Entities of changed and added files (unchanged files keep theirs as they are).
        for path, parsed in parsed_new.items():
            entities, edges = file_entities(repo, parsed)
            plan.nodes.extend(e.to_node() for e in entities)
            plan.edges.extend(edges)
            new_ids = {e.id for e in entities}
            old = old_parses.get(path)
            if old is not None:
                old_ids = set(file_entity_ids(repo, old))
                plan.delete_nodes.extend(sorted(old_ids - new_ids))
        for path in removed:
            old = old_parses.get(path)
            if old is not None:
                plan.delete_nodes.extend(file_entity_ids(repo, old))
            else:
                record = previous[path]
                plan.delete_nodes.append(entity_id(repo, path, record.module))
            plan.delete_nodes.append(parse_node_id(repo, path))
        if full:
            # Anything of this repository's code that the tree no longer has (a --full run over
            # an older graph, or a graph built before the index existed).
            keep = {n.id for n in plan.nodes}
            keep.update(i for p in cache.values() for i in file_entity_ids(repo, p))
            for label in (Label.MODULE, Label.CLASS, Label.FUNCTION, Label.METHOD):
                for node in self.store.find_nodes(label, {"repo": repo}):
                    if node.id not in keep:
                        plan.delete_nodes.append(node.id)

        # Services first: their CONTAINS edges may need directories that hold no source file.
        service_entities, service_edges = self._services(walk_files)
        directories = _directories(records)
        directory_ids = {directory_entity_id(repo, d): d for d in _all_directories(walk_files)}
        for edge in service_edges:
            if edge.type == RelType.CONTAINS and edge.target in directory_ids:
                directories.add(directory_ids[edge.target])

        # The repository and its directories: upsert all, delete the vanished.
        repository = repository_entity(repo, git_head(self.root), walk_files)
        plan.nodes.append(repository.to_node())
        plan.repository = repository
        existing_dirs = {n.id for n in self.store.find_nodes(Label.DIRECTORY, {"repo": repo})}
        listing = _listing(walk_files)
        wanted_dirs: set[str] = set()
        for directory in sorted(directories):
            entity = directory_entity(repo, directory, listing.get(directory, []))
            wanted_dirs.add(entity.id)
            plan.nodes.append(entity.to_node())
            parent = directory.rsplit("/", 1)[0] if "/" in directory else ""
            plan.edges.append(
                Edge(
                    type=RelType.CONTAINS,
                    source=directory_entity_id(repo, parent),
                    target=entity.id,
                )
            )
        plan.delete_nodes.extend(sorted(existing_dirs - wanted_dirs))
        for path, parsed in parsed_new.items():
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            plan.edges.append(
                Edge(
                    type=RelType.CONTAINS,
                    source=directory_entity_id(repo, parent),
                    target=entity_id(repo, path, parsed.module),
                )
            )

        existing_services = {n.id for n in self.store.find_nodes(Label.SERVICE, {"repo": repo})}
        new_services = {e.id for e in service_entities}
        plan.delete_nodes.extend(sorted(existing_services - new_services))
        plan.nodes.extend(e.to_node() for e in service_entities)
        if existing_services & new_services:
            service_keys = {e.key for e in service_edges}
            for edge in self.store.edges(sorted(existing_services & new_services)):
                if edge.key not in service_keys:
                    plan.delete_edges.append((edge.type, edge.source, edge.target))
        plan.edges.extend(service_edges)

        # Resolved edges of every affected file replace that file's previous ones; edges that
        # are already stored as they are now are not written again.
        resolved_edges: list[Edge] = []
        owners: list[str] = []
        for path, found_edges in resolved.items():
            resolved_edges.extend(e.to_edge(repo) for e in found_edges)
            if full:
                continue
            if path in parsed_new:
                old_parse = old_parses.get(path)
                if old_parse is not None:
                    owners.extend(file_entity_ids(repo, old_parse))
            elif path in cache:
                owners.extend(file_entity_ids(repo, cache[path]))
        new_edges = {e.key: e for e in resolved_edges}
        if owners:
            deleted = plan.delete_set()
            for edge in self.store.edges(owners, RESOLVED_TYPES, Direction.OUT):
                same = new_edges.get(edge.key)
                if same is not None and same.properties == edge.properties:
                    del new_edges[edge.key]  # already stored as it is
                elif same is None and edge.target not in deleted and edge.source not in deleted:
                    plan.delete_edges.append((edge.type, edge.source, edge.target))
        if full:
            module_ids = [n.id for n in plan.nodes if n.has(Label.CODE_ENTITY)]
            for edge in self.store.edges(module_ids, RESOLVED_TYPES, Direction.OUT):
                if edge.key not in new_edges:
                    plan.delete_edges.append((edge.type, edge.source, edge.target))
        plan.edges.extend(new_edges.values())

        if self._history_due:
            self._history_depth = self.options.history
            commits, modifies = self._history(records, cache, parsed_new)
            plan.nodes.extend(c.to_node() for c in commits)
            plan.edges.extend(modifies)
            self.report.commits = len(commits)

        live_edges = [
            e
            for e in plan.edges
            if e.source not in plan.delete_set() and e.target not in plan.delete_set()
        ]
        plan.edges = live_edges
        return plan

    def _services(self, files: Sequence[str]) -> tuple[list[CodeEntity], list[Edge]]:
        try:
            from graphmem.ingest import services
        except ImportError:
            return [], []
        return services.discover(
            self.root, self.repo, list(files), self.report.warnings.append, directory_entity_id
        )

    def _history(
        self,
        records: Mapping[str, FileRecord],
        cache: dict[str, ParsedFile],
        parsed_new: Mapping[str, ParsedFile],
    ) -> tuple[list[CodeEntity], list[Edge]]:
        try:
            from graphmem.ingest import history
        except ImportError:
            return [], []
        missing = [p for p in records if p not in cache]
        cache.update(self._load_parses(missing))
        by_path = {
            path: file_entities(self.repo, parsed)[0]
            for path, parsed in cache.items()
            if path in records
        }
        return history.collect(
            self.root, self.repo, self.options.history, by_path, self.report.warnings.append
        )

    # -- writing --------------------------------------------------------------------------

    def _write(
        self,
        plan: _Plan,
        records: Mapping[str, FileRecord],
        previous: Mapping[str, FileRecord],
        parsed_new: Mapping[str, ParsedFile],
    ) -> None:
        repo = self.repo
        state_nodes = [
            Node(
                id=parse_node_id(repo, path),
                labels=(Label.FILE_STATE,),
                properties={
                    "repo": repo,
                    "path": path,
                    "kind": "parse",
                    "format": PARSE_FORMAT,
                    "content_hash": parsed.content_hash,
                    "parse": parsed.to_json(),
                },
            )
            for path, parsed in parsed_new.items()
        ]
        head = plan.repository.extra.get("indexed_commit") if plan.repository else None
        self.report.indexed_commit = head
        index = Node(
            id=index_node_id(repo),
            labels=(Label.FILE_STATE,),
            properties={
                "repo": repo,
                "path": "",
                "kind": "index",
                "format": PARSE_FORMAT,
                "dirty": False,
                "indexed_commit": head,
                "indexed_at": now_iso(),
                "history_depth": self._history_depth,
                "files": json.dumps(
                    {p: r.to_row() for p, r in sorted(records.items())}, separators=(",", ":")
                ),
            },
        )
        deletes = list(dict.fromkeys(plan.delete_nodes))
        delete_edges = list(dict.fromkeys(plan.delete_edges))
        edges = list({e.key: e for e in plan.edges}.values())
        nodes = list({n.id: n for n in plan.nodes}.values())
        total = len(deletes) + len(delete_edges) + len(edges) + len(nodes) + len(state_nodes) + 1
        self.report.entities_written = sum(1 for n in nodes if n.has(Label.CODE_ENTITY))
        self.report.edges_written = len(edges)
        self.report.entities_deleted = len(deletes)
        self.report.edges_deleted = len(delete_edges)
        self._progress("write", 0, total)
        if total <= SINGLE_BATCH_LIMIT:
            self.store.write(
                WriteBatch(
                    upsert_nodes=nodes + state_nodes + [index],
                    upsert_edges=edges,
                    delete_nodes=deletes,
                    delete_edges=delete_edges,
                )
            )
            self._progress("write", total, total)
            return
        # Several batches: mark the index dirty first, so an interrupted run is redone whole.
        # The marked index still lists the previous records: until the last batch lands, the
        # stored parses are the previous ones, and the next run must compare against those.
        old_rows = json.dumps(
            {p: r.to_row() for p, r in sorted(previous.items())}, separators=(",", ":")
        )
        dirty = index.model_copy(
            update={"properties": {**index.properties, "dirty": True, "files": old_rows}}
        )
        self.store.write(
            WriteBatch(upsert_nodes=[dirty], delete_nodes=deletes, delete_edges=delete_edges)
        )
        written = len(deletes) + len(delete_edges)
        for start in range(0, len(nodes), CHUNK):
            self.store.write(WriteBatch(upsert_nodes=nodes[start : start + CHUNK]))
            written += len(nodes[start : start + CHUNK])
            self._progress("write", written, total)
        for start in range(0, len(edges), CHUNK):
            self.store.write(WriteBatch(upsert_edges=edges[start : start + CHUNK]))
            written += len(edges[start : start + CHUNK])
            self._progress("write", written, total)
        step = max(1, CHUNK // 10)  # parse caches are large nodes
        for start in range(0, len(state_nodes), step):
            self.store.write(WriteBatch(upsert_nodes=state_nodes[start : start + step]))
        self.store.write(WriteBatch(upsert_nodes=[index]))
        self._progress("write", total, total)

    def _lap(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.report.timings[phase] = round(now - since, 3)
        return now

    def _progress(self, phase: str, done: int, total: int) -> None:
        if self.options.progress is not None:
            self.options.progress(phase, done, total)


@dataclass
class _Plan:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    delete_nodes: list[str] = field(default_factory=list)
    delete_edges: list[tuple[RelType, str, str]] = field(default_factory=list)
    repository: CodeEntity | None = None
    _deleted: set[str] | None = None

    def delete_set(self) -> set[str]:
        if self._deleted is None or len(self._deleted) != len(self.delete_nodes):
            self._deleted = set(self.delete_nodes)
        return self._deleted


# -- parsing helpers (also run in worker processes) -----------------------------------------


def parse_one(support: LanguageSupport, path: str, data: bytes, module: str) -> ParsedFile:
    """Parse one file; a crash of the parser becomes a warning and an empty module."""
    warning: str | None = None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        warning = f"{path}: not valid UTF-8; undecodable bytes were replaced"
    try:
        parsed = support.parse(path, data, module)
    except Exception as error:  # a parser bug must not stop the whole ingest
        parsed = ParsedFile(
            path=path,
            language=support.name,
            module=module,
            content_hash=content_hash(data),
            line_count=data.count(b"\n") + 1,
            warnings=[f"{path}: could not be parsed ({type(error).__name__}: {error})"],
        )
    if warning:
        parsed.warnings.insert(0, warning)
    return parsed


def _parse_chunk(jobs: Sequence[tuple[str, str, bytes, str]]) -> list[ParsedFile]:
    supports = languages()
    return [parse_one(supports[lang], path, data, module) for path, lang, data, module in jobs]


# -- entities -------------------------------------------------------------------------------


def file_entity_ids(repo: str, parsed: ParsedFile) -> list[str]:
    """Ids of the entities `file_entities` gives, without building them."""
    ids = [entity_id(repo, parsed.path, parsed.module)]
    ids.extend(entity_id(repo, parsed.path, d.qualified_name) for d in parsed.definitions)
    return ids


def file_entities(repo: str, parsed: ParsedFile) -> tuple[list[CodeEntity], list[Edge]]:
    """The Module entity of a parsed file, its definitions, and the CONTAINS edges among them."""
    module = CodeEntity.new(
        Label.MODULE,
        repo,
        parsed.path,
        parsed.module,
        name=parsed.module.rsplit(".", 1)[-1] or parsed.path.rsplit("/", 1)[-1],
        start_line=1,
        end_line=max(parsed.line_count, 1),
        language=parsed.language,
        content_hash=parsed.content_hash,
    )
    entities = [module]
    edges = []
    ids = {parsed.module: module.id}
    for definition in parsed.definitions:
        entity = CodeEntity.new(
            Label(definition.kind),
            repo,
            parsed.path,
            definition.qualified_name,
            name=definition.name,
            start_line=definition.start_line,
            end_line=definition.end_line,
            language=parsed.language,
            content_hash=definition.content_hash,
        )
        entities.append(entity)
        ids[definition.qualified_name] = entity.id
        parent = ids.get(definition.parent)
        if parent is not None:
            edges.append(Edge(type=RelType.CONTAINS, source=parent, target=entity.id))
    return entities, edges


def directory_entity_id(repo: str, directory: str) -> str:
    """The Directory's id; the repository root ('') is the Repository entity."""
    return entity_id(repo, directory, directory)


def directory_entity(repo: str, directory: str, entries: Sequence[str]) -> CodeEntity:
    return CodeEntity.new(
        Label.DIRECTORY,
        repo,
        directory,
        directory,
        name=directory.rsplit("/", 1)[-1],
        content_hash=content_hash("\n".join(sorted(entries)).encode()),
    )


def repository_entity(repo: str, head: str | None, files: Sequence[str]) -> CodeEntity:
    top = sorted({f.split("/", 1)[0] for f in files})
    return CodeEntity.new(
        Label.REPOSITORY,
        repo,
        "",
        "",
        name=repo,
        content_hash=content_hash("\n".join(top).encode()),
        extra={"indexed_commit": head, "indexed_at": now_iso()},
    )


def _directories(paths: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        while "/" in path:
            path = path.rsplit("/", 1)[0]
            if path in found:
                break
            found.add(path)
    return found


def _all_directories(paths: Iterable[str]) -> set[str]:
    return _directories(paths)


def _listing(paths: Iterable[str]) -> dict[str, list[str]]:
    """Each directory's direct entries (names), for its content hash."""
    listing: dict[str, set[str]] = {}
    for path in paths:
        parts = path.split("/")
        for depth in range(len(parts)):
            parent = "/".join(parts[:depth])
            listing.setdefault(parent, set()).add(parts[depth])
    return {k: sorted(v) for k, v in listing.items()}
