"""One ingest run, in five typed phases; `ingest_repository` runs them in order:

    diff     walk the tree and compare it with the stored index (graphmem.ingest.file_index):
             which files to parse, which are unchanged, which vanished
    parse    tree-sitter over the changed and added files (worker processes when there is a lot)
    resolve  IMPORTS / CALLS / INHERITS of every file a change affects, recording what each
             file's edges were resolved against (its dependencies)
    plan     the difference to write: entities, directories, services, resolved edges, history,
             and what to delete
    write    that difference and the new index, in one atomic batch when it fits

Each phase is a function from the dataclasses before it to its own; the IngestReport is
assembled at the end from what they returned.

A re-ingest compares the walk against the index (size and mtime first, then the content hash),
parses changed and added files, and re-resolves those plus every file whose recorded
dependencies name a changed, added or removed file or module. Entity ids are derived from
(repo, path, qualified name), so unchanged code keeps its ids and the edges pointing at it.

Atomicity: a run whose changes fit in `SINGLE_BATCH_LIMIT` operations is one write, so it lands
entirely or not at all. A bigger run writes several batches and marks the index *dirty* in its
first (listing the files it parses without a hash); a killed run leaves the mark, and the next
run parses those files again and re-resolves every file, which brings the graph back to exactly
the tree. Memory: the bigger run writes the parse caches first and releases each parse as it is
stored, and parse workers take the files a few hundred kilobytes at a time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from graphmem.ingest import DEFAULT_HISTORY, services
from graphmem.ingest.entities import (
    EntityIds,
    directories,
    directory_entity,
    directory_entity_id,
    file_nodes,
    listing,
    parent_directory,
    repository_entity,
    stored_edge,
)
from graphmem.ingest.file_index import (
    FileRecord,
    index_nodes,
    load_index,
    load_parses,
    parse_node,
    parse_node_id,
)
from graphmem.ingest.file_walk import DEFAULT_MAX_BYTES, classify_source, walk_repository
from graphmem.ingest.git import head_commit
from graphmem.ingest.language import (
    Definition,
    LanguageSupport,
    ParsedFile,
    RepoIndex,
    RepoLayout,
    content_hash,
    language_for,
    language_named,
)
from graphmem.ingest.report import IngestReport, SkippedFile
from graphmem.model import Edge, Label, Node, RelType
from graphmem.store.base import Direction, GraphStore, WriteBatch

#: A run with at most this many write operations lands as one atomic batch.
SINGLE_BATCH_LIMIT = 60_000
#: Batch size of a bigger run.
CHUNK = 20_000
#: Parse in worker processes when this many bytes need parsing (and there is more than one core).
PARALLEL_BYTES = 3_000_000
#: Source bytes a parse worker gets at a time. Whole shares (one message each way per worker)
#: held every worker's half of the repository, parsed, twice over: 350 MB per worker on sympy.
PARSE_CHUNK_BYTES = 500_000
#: Parse caches written per batch of a multi-batch run, in bytes of cached JSON.
STATE_BATCH_BYTES = 4_000_000
#: A file modified this recently may change again within the mtime's resolution: hash it next time.
RACY_SECONDS = 2.0

RESOLVED_TYPES = (RelType.IMPORTS, RelType.CALLS, RelType.INHERITS)
#: Labels of the entities a file's parse gives (the others come from the walk, manifests, git).
FILE_LABELS = (
    Label.MODULE,
    Label.CLASS,
    Label.INTERFACE,
    Label.FUNCTION,
    Label.METHOD,
    Label.VARIABLE,
)
Progress = Callable[[str, int, int], None]
#: (path, language, source, module) of one file to parse
_ParseJob = tuple[str, str, bytes, str]


@dataclass
class IngestOptions:
    history: int = DEFAULT_HISTORY
    full: bool = False
    max_file_bytes: int = DEFAULT_MAX_BYTES
    progress: Progress | None = None
    workers: int | None = None

    def report_progress(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)


# -- what the phases return -----------------------------------------------------------------


@dataclass(slots=True)
class TreeDiff:
    """The work tree against the stored index."""

    layout: RepoLayout
    #: every source file that will be indexed, as it is now (deps as last resolved)
    records: dict[str, FileRecord]
    #: the index as the last run that landed left it
    previous: dict[str, FileRecord]
    #: changed and added files with their bytes
    to_parse: dict[str, bytes]
    removed: list[str]
    #: nothing usable is stored (or --full): everything is parsed and resolved
    full: bool
    #: the last multi-batch run was interrupted: every file is re-resolved
    dirty: bool
    head: str | None
    #: Commit nodes are read again: there may be new commits, or more were asked for
    history_due: bool
    history_depth: int
    unchanged: int
    skipped: list[SkippedFile]
    warnings: list[str]


@dataclass(slots=True)
class ParsedChanges:
    #: the parses by path (a multi-batch write releases each once its cache is stored)
    files: dict[str, ParsedFile]
    #: the paths parsed, in order
    paths: tuple[str, ...]
    bytes_parsed: int
    #: what the parsers reported (syntax errors, undecodable bytes), file by file
    warnings: list[str]

    @classmethod
    def of(cls, files: dict[str, ParsedFile], bytes_parsed: int) -> ParsedChanges:
        warnings = [warning for parsed in files.values() for warning in parsed.warnings]
        return cls(files, tuple(files), bytes_parsed, warnings)


@dataclass(slots=True)
class Resolution:
    #: the resolved edges of every affected file, as stored (they replace its previous ones)
    edges: dict[str, list[Edge]]
    #: the diff's records, with the dependencies found now for the affected files
    records: dict[str, FileRecord]
    #: the previous parses of changed and removed files: what their entities were
    old_parses: dict[str, ParsedFile]
    #: every parse read while resolving (the new ones included)
    parses: dict[str, ParsedFile]
    #: entity ids computed so far, for the phases after
    ids: EntityIds


@dataclass(slots=True)
class GraphPlan:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    delete_nodes: list[str] = field(default_factory=list)
    delete_edges: list[tuple[RelType, str, str]] = field(default_factory=list)
    commits: int = 0
    history_depth: int = 0
    warnings: list[str] = field(default_factory=list)
    #: each parsed file's entity nodes, module first (history reads their lines)
    file_entities: dict[str, list[Node]] = field(default_factory=dict)
    #: old entity id -> new one, for the definitions renamed (renamed_definitions)
    renamed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Written:
    entities: int
    edges: int
    entities_deleted: int
    edges_deleted: int


# -- the run --------------------------------------------------------------------------------


def ingest_repository(
    store: GraphStore, root: Path, repo: str, options: IngestOptions
) -> IngestReport:
    """Ingest the repository at `root` into `store` under the name `repo`."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    clock = started

    def lap(phase: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[phase] = round(now - clock, 3)
        clock = now

    options.report_progress("diff", 0, 0)
    tree = diff_tree(store, root, repo, options)
    lap("diff")
    parsed = parse_changes(tree, options)
    lap("parse")
    resolution = resolve_edges(store, repo, tree, parsed, options)
    lap("resolve")
    graph = plan_graph(store, root, repo, tree, parsed, resolution, options)
    lap("plan")
    records, files_resolved = resolution.records, len(resolution.edges)
    del resolution  # what it read is no longer needed: the write can release the parses
    written = write_graph(store, repo, tree, records, parsed, graph, options)
    lap("write")
    options.report_progress("done", 1, 1)
    report = IngestReport(
        repo=repo,
        root=str(root),
        store=store.name,
        files_parsed=len(parsed.paths),
        files_added=sum(1 for path in parsed.paths if path not in tree.previous),
        files_changed=sum(1 for path in parsed.paths if path in tree.previous),
        files_removed=len(tree.removed),
        files_unchanged=tree.unchanged,
        files_resolved=files_resolved,
        bytes_parsed=parsed.bytes_parsed,
        entities_written=written.entities,
        edges_written=written.edges,
        entities_deleted=written.entities_deleted,
        edges_deleted=written.edges_deleted,
        commits=graph.commits,
        warnings=[*tree.warnings, *parsed.warnings, *graph.warnings],
        indexed_commit=tree.head,
        seconds=round(time.perf_counter() - started, 3),
        timings=timings,
        renamed=graph.renamed,
    )
    for skipped in tree.skipped:
        report.add_skipped(skipped)
    return report


def renamed_definitions(
    ids: EntityIds, new: Mapping[str, ParsedFile], old: Mapping[str, ParsedFile]
) -> dict[str, str]:
    """Old entity id -> new one, for each definition of a changed file that is gone while one
    of the same kind and parent appeared with the same text but its name (`Definition.shape`):
    a rename, which refresh_anchors follows. Ambiguous pairs are left out."""
    renamed: dict[str, str] = {}
    for path, after in new.items():
        before = old.get(path)
        if before is None:
            continue
        names = {d.qualified_name for d in after.definitions}
        gone = [d for d in before.definitions if d.qualified_name not in names and d.shape]
        if not gone:
            continue
        had = {d.qualified_name for d in before.definitions}
        came: dict[tuple[str, str, str], list[Definition]] = {}
        for d in after.definitions:
            if d.qualified_name not in had and d.shape:
                came.setdefault((d.kind, d.parent, d.shape), []).append(d)
        went: dict[tuple[str, str, str], list[Definition]] = {}
        for d in gone:
            went.setdefault((d.kind, d.parent, d.shape), []).append(d)
        for key, olds in went.items():
            news = came.get(key, [])
            if len(olds) == 1 and len(news) == 1:
                renamed[ids(path, olds[0].qualified_name)] = ids(path, news[0].qualified_name)
    return renamed


# -- diff -----------------------------------------------------------------------------------


def diff_tree(store: GraphStore, root: Path, repo: str, options: IngestOptions) -> TreeDiff:
    """Which source files changed since the last index that landed (stat first, then hash)."""
    walk = walk_repository(root)
    skipped = [
        SkippedFile(path=path, reason=reason)
        for path, reason in walk.skipped
        if language_for(path) is not None
    ]
    warnings: list[str] = []
    layout = RepoLayout(root, frozenset(walk.files))
    stored = load_index(store, repo)
    previous = stored.records
    full = options.full or stored.node is None or not previous
    head = head_commit(root)
    # History is read again only when there may be new commits, or more were asked for:
    # re-ingesting an uncommitted edit does not pay for `git log`.
    history_due = options.history > 0 and (
        full
        or stored.dirty
        or stored.indexed_commit != head
        or stored.history_depth < options.history
    )

    records: dict[str, FileRecord] = {}
    to_parse: dict[str, bytes] = {}
    unchanged = 0
    now = time.time()
    base = str(root)
    for path in walk.files:
        support = language_for(path)
        if support is None:
            continue
        module = support.module_name(path, layout)
        full_path = os.path.join(base, path)
        stat = walk.stats[path]
        if stat.st_size > options.max_file_bytes:
            skipped.append(SkippedFile(path=path, reason="too_large"))
            continue
        old = previous.get(path)
        if (
            not full
            and old is not None
            and old.mtime_ns != 0
            and old.size == stat.st_size
            and old.mtime_ns == stat.st_mtime_ns
            and old.module == module
        ):
            records[path] = old
            unchanged += 1
            continue
        try:
            with open(full_path, "rb") as source:
                data = source.read()
        except OSError as error:
            skipped.append(SkippedFile(path=path, reason="unreadable"))
            warnings.append(f"{path}: {error.strerror or error}")
            continue
        skip = classify_source(path, data, options.max_file_bytes)
        if skip is not None:
            skipped.append(SkippedFile(path=path, reason=skip))
            continue
        digest = content_hash(data)
        racy = now - stat.st_mtime_ns / 1e9 < RACY_SECONDS
        record = FileRecord(
            digest, stat.st_size, 0 if racy else stat.st_mtime_ns, support.name, module
        )
        if (
            not full
            and old is not None
            and old.hash == digest
            and old.module == module
            and old.language == support.name
        ):
            record.deps = old.deps
            records[path] = record
            unchanged += 1
            continue
        to_parse[path] = data
        records[path] = record

    return TreeDiff(
        layout=layout,
        records=records,
        previous=previous,
        to_parse=to_parse,
        removed=sorted(set(previous) - set(records)),
        full=full,
        dirty=stored.dirty,
        head=head,
        history_due=history_due,
        history_depth=stored.history_depth,
        unchanged=unchanged,
        skipped=skipped,
        warnings=warnings,
    )


# -- parse ----------------------------------------------------------------------------------


def parse_changes(tree: TreeDiff, options: IngestOptions) -> ParsedChanges:
    """Parse the changed and added files, in worker processes when there are many bytes.

    The diff's source bytes are consumed: each file's are released once it is parsed.
    """
    jobs = [
        (path, tree.records[path].language, data, tree.records[path].module)
        for path, data in sorted(tree.to_parse.items())
    ]
    tree.to_parse.clear()
    total = len(jobs)
    size = sum(len(data) for _, _, data, _ in jobs)
    workers = options.workers or parse_workers()
    results: dict[str, ParsedFile] = {}
    if workers > 1 and size >= PARALLEL_BYTES:
        # Imported here: a re-ingest of a few files never starts workers, nor pays for
        # multiprocessing's import.
        from concurrent.futures import ProcessPoolExecutor

        chunks = _chunks(jobs)
        jobs.clear()
        with ProcessPoolExecutor(workers) as pool:
            for chunk_result in pool.map(_parse_chunk, chunks):
                for text in chunk_result:
                    parsed = ParsedFile.from_json(text)
                    results[parsed.path] = parsed
                options.report_progress("parse", len(results), total)
        return ParsedChanges.of(results, size)
    jobs.reverse()
    while jobs:
        path, language, data, module = jobs.pop()
        results[path] = parse_one(_support(language), path, data, module)
        if len(results) % 50 == 0:
            options.report_progress("parse", len(results), total)
    options.report_progress("parse", total, total)
    return ParsedChanges.of(results, size)


def parse_workers() -> int:
    """Worker processes for the cores that are idle now (at most 4), or 1 to parse here.

    Workers cost CPU of their own (parsed files are pickled back: 1.4 CPU-seconds for 8.5 MB),
    which only an idle core repays: at a load of 3 on 2 cores, two workers took 2.9 s where
    parsing in this process took 1.6 s.
    """
    idle = (os.cpu_count() or 1) - os.getloadavg()[0]
    return max(1, min(4, int(idle) + 1))


def _chunks(jobs: Sequence[_ParseJob]) -> list[list[_ParseJob]]:
    """Consecutive runs of about `PARSE_CHUNK_BYTES`: a worker holds one small run at a time,
    not its whole share of the repository, and sends its parses back as it goes."""
    chunks: list[list[_ParseJob]] = [[]]
    size = 0
    for job in jobs:
        if size >= PARSE_CHUNK_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(job)
        size += len(job[2])
    return chunks


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


def _parse_chunk(jobs: Sequence[_ParseJob]) -> list[str]:
    """One run of files, parsed in a worker process and sent back as parse-cache JSON: its
    text pickles for nothing and decodes faster than the parses themselves unpickle, where
    pickling those (hundreds of thousands of small records) cost a quarter of the worker's
    time. The parent keeps only the decoded parses: holding the texts too until the write
    took sympy's peak from 385 to 496 MB."""
    return [
        parse_one(_support(lang), path, data, module).to_json() for path, lang, data, module in jobs
    ]


def _support(language: str) -> LanguageSupport:
    """A language the diff recorded (only the languages a run meets are imported)."""
    support = language_named(language)
    if support is None:
        raise LookupError(f"no support for the language {language!r}")
    return support


# -- resolve --------------------------------------------------------------------------------


def resolve_edges(
    store: GraphStore,
    repo: str,
    tree: TreeDiff,
    parsed: ParsedChanges,
    options: IngestOptions,
) -> Resolution:
    """Resolve every file a change affects, reading its neighbours' cached parses lazily."""
    records = dict(tree.records)
    changed = [*parsed.files, *tree.removed]
    # Old parses of files that changed or vanished: what their entities were.
    old_parses = (
        {} if tree.full else load_parses(store, repo, [p for p in changed if p in tree.previous])
    )
    affected = _affected(tree, parsed, changed, old_parses)
    cache: dict[str, ParsedFile] = dict(parsed.files)
    cache.update(load_parses(store, repo, sorted(p for p in affected if p not in cache)))

    def loader(path: str) -> ParsedFile | None:
        if path not in cache:
            if path not in records:
                return None
            cache.update(load_parses(store, repo, [path]))
        return cache.get(path)

    paths_by_module: dict[str, list[str]] = {}
    for path, record in records.items():
        paths_by_module.setdefault(record.module, []).append(path)
    for paths in paths_by_module.values():
        paths.sort()

    by_language: dict[str, list[str]] = {}
    for path in sorted(affected):
        by_language.setdefault(records[path].language, []).append(path)
    ids = EntityIds(repo)
    resolved: dict[str, list[Edge]] = {}
    done = 0
    for language_name, paths in by_language.items():
        index = RepoIndex(paths_by_module, loader)
        resolver = _support(language_name).resolver(index)
        for path in paths:
            found = loader(path)
            if found is None:
                # The cache vanished (an interrupted run): parse the file again.
                resolved[path] = []
                continue
            with index.tracking() as deps:
                resolved[path] = [ids.edge(edge) for edge in resolver.resolve(found)]
            records[path] = replace(records[path], deps=deps)
            done += 1
            if done % 200 == 0:
                options.report_progress("resolve", done, len(affected))
    return Resolution(resolved, records, old_parses, cache, ids)


def _affected(
    tree: TreeDiff,
    parsed: ParsedChanges,
    changed: Sequence[str],
    old_parses: Mapping[str, ParsedFile],
) -> set[str]:
    """The changed files, and every file whose recorded dependencies name one whose interface
    (`ParsedFile.interface`) changed: an edit inside a function of rocksdb's util/coding.cc
    re-resolved the 1,372 files that read its definitions (25 s), none of whose edges moved."""
    if tree.full or tree.dirty:
        return set(tree.records)
    touched: set[str] = set()
    for path in changed:
        old, new = old_parses.get(path), parsed.files.get(path)
        if old is not None and new is not None and old.interface() == new.interface():
            continue
        touched.add("p:" + path)
        if path in tree.records:
            touched.add("m:" + tree.records[path].module)
        if path in tree.previous:
            touched.add("m:" + tree.previous[path].module)
    affected = set(parsed.files)
    seen: dict[int, bool] = {}
    for path, record in tree.records.items():
        if path not in affected and record.deps.touches(touched, seen):
            affected.add(path)
    return affected


# -- plan -----------------------------------------------------------------------------------


def plan_graph(
    store: GraphStore,
    root: Path,
    repo: str,
    tree: TreeDiff,
    parsed: ParsedChanges,
    resolution: Resolution,
    options: IngestOptions,
) -> GraphPlan:
    """What to write and delete so that the stored graph is the tree's."""
    plan = GraphPlan(history_depth=tree.history_depth)
    ids = resolution.ids
    plan.renamed = renamed_definitions(ids, parsed.files, resolution.old_parses)
    _plan_file_entities(plan, store, ids, tree, parsed, resolution)
    _plan_structure(plan, store, root, ids, tree, parsed)
    _plan_resolved_edges(plan, store, ids, tree, parsed, resolution)
    if tree.history_due:
        _plan_history(plan, store, root, ids, resolution, options.history)
    elif plan.renamed:
        _carry_history(plan, store)
    deleted = set(plan.delete_nodes)
    plan.edges = [e for e in plan.edges if e.source not in deleted and e.target not in deleted]
    return plan


def _plan_file_entities(
    plan: GraphPlan,
    store: GraphStore,
    ids: EntityIds,
    tree: TreeDiff,
    parsed: ParsedChanges,
    resolution: Resolution,
) -> None:
    """Entities of changed and added files replace their old ones; removed files' go."""
    for path, parsed_file in parsed.files.items():
        nodes, edges = file_nodes(ids, parsed_file)
        plan.file_entities[path] = nodes
        plan.nodes.extend(nodes)
        plan.edges.extend(edges)
        old = resolution.old_parses.get(path)
        if old is not None:
            new_ids = {n.id for n in nodes}
            plan.delete_nodes.extend(sorted(set(ids.of_file(old)) - new_ids))
    for path in tree.removed:
        old = resolution.old_parses.get(path)
        if old is not None:
            plan.delete_nodes.extend(ids.of_file(old))
        else:
            plan.delete_nodes.append(ids(path, tree.previous[path].module))
        plan.delete_nodes.append(parse_node_id(ids.repo, path))
    if tree.full:
        # Anything of this repository's code that the tree no longer has (a --full run over
        # an older graph, or a graph built before the index existed).
        keep = {n.id for n in plan.nodes}
        keep.update(i for p in resolution.parses.values() for i in ids.of_file(p))
        for label in FILE_LABELS:
            for node in store.find_nodes(label, {"repo": ids.repo}):
                if node.id not in keep:
                    plan.delete_nodes.append(node.id)


def _plan_structure(
    plan: GraphPlan,
    store: GraphStore,
    root: Path,
    ids: EntityIds,
    tree: TreeDiff,
    parsed: ParsedChanges,
) -> None:
    """The repository, its directories and its services: upsert all, delete the vanished."""
    repo = ids.repo
    files = sorted(tree.layout.files)
    service_entities, service_edges = services.discover(
        root, repo, files, plan.warnings.append, directory_entity_id
    )
    # Every folder that holds a file, code or not: a memory may govern db/migrations/ (SQL),
    # .github/workflows/ or docs/, and a nested AGENTS.md scopes its rules to its own folder.
    wanted = directories(files)

    # What is stored as it is now is not written again (a re-ingest of an unchanged tree
    # writes nothing); a run after an interrupted one writes it all.
    trusted = not (tree.full or tree.dirty)
    repository = repository_entity(repo, tree.head, files).to_node()
    stored = {n.id: n for n in store.find_nodes(Label.DIRECTORY, {"repo": repo})}
    if not (trusted and _unchanged(store.get_node(repository.id), repository)):
        plan.nodes.append(repository)
    entries = listing(files)
    wanted_ids: set[str] = set()
    for directory in sorted(wanted):
        node = directory_entity(repo, directory, entries.get(directory, [])).to_node()
        wanted_ids.add(node.id)
        if trusted and _unchanged(stored.get(node.id), node):
            continue  # and so is its CONTAINS edge, written with it
        plan.nodes.append(node)
        source = directory_entity_id(repo, parent_directory(directory))
        plan.edges.append(stored_edge(RelType.CONTAINS, source, node.id))
    plan.delete_nodes.extend(sorted(stored.keys() - wanted_ids))
    for path, parsed_file in parsed.files.items():
        source = directory_entity_id(repo, parent_directory(path))
        plan.edges.append(stored_edge(RelType.CONTAINS, source, ids(path, parsed_file.module)))

    stored_services = {n.id: n for n in store.find_nodes(Label.SERVICE, {"repo": repo})}
    existing_services = set(stored_services)
    new_services = {e.id for e in service_entities}
    plan.delete_nodes.extend(sorted(existing_services - new_services))
    for service in service_entities:
        node = service.to_node()
        if not (trusted and _unchanged(stored_services.get(node.id), node)):
            plan.nodes.append(node)
    kept: dict[tuple[str, str, str], Edge] = {}
    if existing_services & new_services:
        service_keys = {e.key for e in service_edges}
        for edge in store.edges(sorted(existing_services & new_services)):
            if edge.key not in service_keys:
                plan.delete_edges.append((edge.type, edge.source, edge.target))
            else:
                kept[edge.key] = edge
    for edge in service_edges:
        same = kept.get(edge.key)
        if not (trusted and same is not None and same.properties == edge.properties):
            plan.edges.append(edge)


def _unchanged(stored: Node | None, node: Node) -> bool:
    """Whether `node` is stored as it is (a store keeps no property whose value is None)."""
    if stored is None or set(stored.labels) != set(node.labels):
        return False
    return stored.properties == {k: v for k, v in node.properties.items() if v is not None}


def _plan_resolved_edges(
    plan: GraphPlan,
    store: GraphStore,
    ids: EntityIds,
    tree: TreeDiff,
    parsed: ParsedChanges,
    resolution: Resolution,
) -> None:
    """Resolved edges of every affected file replace that file's previous ones; an edge
    already stored as it is now is not written again."""
    new_edges: dict[tuple[str, str, str], Edge] = {}
    owners: list[str] = []
    for path, found in resolution.edges.items():
        for edge in found:
            new_edges[edge.key] = edge
        if tree.full:
            continue
        if path in parsed.files:
            old_parse = resolution.old_parses.get(path)
            if old_parse is not None:
                owners.extend(ids.of_file(old_parse))
        elif path in resolution.parses:
            owners.extend(ids.of_file(resolution.parses[path]))
    if owners:
        deleted = set(plan.delete_nodes)
        for edge in store.edges(owners, RESOLVED_TYPES, Direction.OUT):
            same = new_edges.get(edge.key)
            if same is not None and same.properties == edge.properties:
                del new_edges[edge.key]  # already stored as it is
            elif same is None and edge.target not in deleted and edge.source not in deleted:
                plan.delete_edges.append((edge.type, edge.source, edge.target))
    if tree.full:
        module_ids = [n.id for n in plan.nodes if n.has(Label.CODE_ENTITY)]
        for edge in store.edges(module_ids, RESOLVED_TYPES, Direction.OUT):
            if edge.key not in new_edges:
                plan.delete_edges.append((edge.type, edge.source, edge.target))
    plan.edges.extend(new_edges.values())


def _plan_history(
    plan: GraphPlan,
    store: GraphStore,
    root: Path,
    ids: EntityIds,
    resolution: Resolution,
    depth: int,
) -> None:
    """The last `depth` commits, with MODIFIES edges to the code as it is now."""
    from graphmem.ingest import history  # only when there may be new commits to read

    repo = ids.repo
    made = plan.file_entities
    unparsed = [p for p in resolution.records if p not in made]
    parses = {p: resolution.parses[p] for p in unparsed if p in resolution.parses}
    parses.update(load_parses(store, repo, [p for p in unparsed if p not in parses]))
    by_path = {
        path: history.spans(made[path] if path in made else file_nodes(ids, parses[path])[0])
        for path in resolution.records
        if path in made or path in parses
    }
    commits, modifies = history.collect(root, repo, depth, by_path, plan.warnings.append)
    plan.nodes.extend(c.to_node() for c in commits)
    plan.edges.extend(modifies)
    plan.commits = len(commits)
    plan.history_depth = depth


def _carry_history(plan: GraphPlan, store: GraphStore) -> None:
    """A renamed definition keeps the commits that modified it when history is not read again
    (an uncommitted rename): its MODIFIES edges went with the old id, which a fresh ingest
    gives the new one, as its lines are the same."""
    for edge in store.edges(list(plan.renamed), [RelType.MODIFIES], Direction.IN):
        plan.edges.append(replace(edge, target=plan.renamed[edge.target]))


# -- write ----------------------------------------------------------------------------------


def write_graph(
    store: GraphStore,
    repo: str,
    tree: TreeDiff,
    records: Mapping[str, FileRecord],
    parsed: ParsedChanges,
    plan: GraphPlan,
    options: IngestOptions,
) -> Written:
    """Write the plan, the new parses and the new index `records`: atomically when it fits
    one batch, else in batches that release each parse once its cache is stored."""
    index = index_nodes(repo, records, tree.head, plan.history_depth)
    deletes = list(dict.fromkeys(plan.delete_nodes))
    delete_edges = list(dict.fromkeys(plan.delete_edges))
    edges = list({e.key: e for e in plan.edges}.values())
    nodes = list({n.id: n for n in plan.nodes}.values())
    written = Written(
        entities=sum(1 for n in nodes if n.has(Label.CODE_ENTITY)),
        edges=len(edges),
        entities_deleted=len(deletes),
        edges_deleted=len(delete_edges),
    )
    total = len(deletes) + len(delete_edges) + len(edges) + len(nodes) + len(parsed.paths) + 1
    options.report_progress("write", 0, total)
    if total <= SINGLE_BATCH_LIMIT:
        state_nodes = [parse_node(repo, parsed_file) for parsed_file in parsed.files.values()]
        store.write(
            WriteBatch(
                upsert_nodes=nodes + state_nodes + index,
                upsert_edges=edges,
                delete_nodes=deletes,
                delete_edges=delete_edges,
            )
        )
        options.report_progress("write", total, total)
        return written
    # Several batches: mark the index dirty first, so an interrupted run is redone whole. The
    # marked index lists the previous records, each file parsed now without its hash: whichever
    # of its parses is stored when the run stops, the next run parses that file again.
    unverified = {
        path: replace(record, hash="", mtime_ns=0) if path in parsed.files else record
        for path, record in tree.previous.items()
    }
    dirty = index_nodes(repo, unverified, tree.head, plan.history_depth, dirty=True)
    store.write(WriteBatch(upsert_nodes=dirty, delete_nodes=deletes, delete_edges=delete_edges))
    done = len(deletes) + len(delete_edges)
    # Parse caches next, a few megabytes at a time: each parse is released once it is stored,
    # so the graph's batches are written without the parses in memory.
    batch: list[Node] = []
    size = 0
    for path in list(parsed.files):
        batch.append(parse_node(repo, parsed.files.pop(path)))
        size += len(batch[-1].properties["parse"])
        if size >= STATE_BATCH_BYTES or len(batch) >= CHUNK:
            store.write(WriteBatch(upsert_nodes=batch))
            done += len(batch)
            batch, size = [], 0
    if batch:
        store.write(WriteBatch(upsert_nodes=batch))
        done += len(batch)
    for start in range(0, len(nodes), CHUNK):
        store.write(WriteBatch(upsert_nodes=nodes[start : start + CHUNK]))
        done += len(nodes[start : start + CHUNK])
        options.report_progress("write", done, total)
    for start in range(0, len(edges), CHUNK):
        store.write(WriteBatch(upsert_edges=edges[start : start + CHUNK]))
        done += len(edges[start : start + CHUNK])
        options.report_progress("write", done, total)
    store.write(WriteBatch(upsert_nodes=index))
    options.report_progress("write", total, total)
    return written
