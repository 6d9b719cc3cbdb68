"""ADRs and rules files in: each entry a file states becomes one memory, kept in step with it.

Run after the code ingest, so names resolve against the fresh graph. Per entry (see
`graphmem.knowledge.adr` and `graphmem.knowledge.rules`):

- **id**: the id in the file's ``graphmem`` front matter (a file graphmem exported), else one
  derived from repository, path and entry key (``d-`` + 8 hex digits of a hash), so every clone
  that ingests the same files gets the same ids;
- **new** → `remember` with that id (redaction, embedding and conflict reports as usual, less
  the pairs one supersession chain links once the sync's supersessions are made); an ADR's
  date and deciders are the memory's ``created_at`` / ``valid_from`` and ``author``;
- **edited** → `revise`: same id, new text, the old version kept in `history`, a ``revise``
  event (new tags or anchors alone: in place, no version repeating the text); a move to
  another line only updates ``source``;
- **gone** from its file → retracted (reason ``document: <path> no longer states it``); a file
  that comes back brings its memory back (only memories the sync itself retracted);
- **status** (ADRs): accepted → active; proposed → active and tagged ``proposed``; rejected or
  deprecated → retracted; "Supersedes" / "Superseded by" → `supersede` (SUPERSEDED_BY edges),
  oldest first. A reference to a missing ADR, a cycle of supersessions, two files claiming one
  id, malformed front matter, an oversized rules file: a warning naming the file and line, and
  everything else imported.

Each memory's change is one atomic write (remember, revise, supersede and retract each are);
a sync stopped half-way leaves whole memories, and the next one finishes the job.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple, cast

from graphmem.embed.base import Embedder
from graphmem.errors import GraphMemError
from graphmem.ingest.file_walk import walk_repository
from graphmem.knowledge.adr import (
    adr_directory,
    adr_scopes,
    find_adrs,
    parse_adr,
    resolve_reference,
)
from graphmem.knowledge.documents import Document, Entry, SyncReport
from graphmem.knowledge.revision import revise
from graphmem.knowledge.rules import MAX_RULES_BYTES, find_rules_files, imports, parse_rules
from graphmem.knowledge.scoping import EntryScope
from graphmem.memory.redaction import redact
from graphmem.memory.remember import remember
from graphmem.memory.retraction import retract
from graphmem.memory.supersession import supersede
from graphmem.model import Label, MemoryKind, MemoryStatus, Node, RelType
from graphmem.store import Direction, GraphStore, WriteBatch

__all__ = ["SyncReport", "document_memory_id", "read_documents", "sync_documents"]

#: Every retraction the sync makes starts with this, so it knows which ones it may undo.
REASON_PREFIX = "document: "
_MEMORY_ID = re.compile(r"^[dcfpk]-[0-9a-f]{8}$")


def document_memory_id(kind: MemoryKind, repo: str, path: str, key: str) -> str:
    digest = hashlib.sha256(f"{repo}\0{path}\0{key}".encode()).hexdigest()[:8]
    return f"{kind.id_prefix}-{digest}"


def read_documents(
    root: Path, files: Sequence[str], configured_adr_dirs: Sequence[str] = ()
) -> list[Document]:
    """Every ADR and rules file among `files` (repo-relative), parsed."""
    docs = []
    scopes = adr_scopes(root, files, configured_adr_dirs)
    listed = set(files)
    for rel in find_adrs(files, sorted(scopes)):
        text, problem = _read(root / rel)
        doc = parse_adr(rel, text) if problem is None else Document(path=rel, family="adr")
        docs.append(doc)
        if problem:
            doc.warnings.append(f"{rel}:1: {problem}")
        for entry in doc.entries:
            if entry.format != "graphmem":  # an exported file states its scope itself
                entry.directory = adr_directory(rel, scopes, listed)
    rules_files = find_rules_files(files)
    importing: list[tuple[str, str]] = []  # (CLAUDE.md or GEMINI.md, its text)
    for rel in rules_files:
        size = (root / rel).stat().st_size
        if size > MAX_RULES_BYTES:
            docs.append(parse_rules(rel, "", size))
            continue
        text, problem = _read(root / rel)
        docs.append(
            parse_rules(rel, text) if problem is None else Document(path=rel, family="rules")
        )
        if problem:
            docs[-1].warnings.append(f"{rel}:1: {problem}")
        else:
            importing.append((rel, text))
    docs += _imported(root, listed, set(rules_files) | {d.path for d in docs}, importing)
    return docs


def _imported(
    root: Path, listed: set[str], read: set[str], importing: list[tuple[str, str]]
) -> list[Document]:
    """The Markdown files CLAUDE.md and GEMINI.md import (``@docs/conventions.md``), read as
    rules of the file that imports them, up to five imports deep; files read anyway (AGENTS.md,
    ADRs) and READMEs (an overview, not rules) are left out."""
    docs = []
    todo = [(rel, text, rel, 0) for rel, text in importing]
    while todo:
        importer, text, origin, depth = todo.pop(0)
        for target in imports(importer, text, imported=depth > 0) if depth < 5 else []:
            name = Path(target).name.casefold()
            if target in read or target not in listed or not name.endswith(".md"):
                continue
            if name.startswith("readme") or (root / target).stat().st_size > MAX_RULES_BYTES:
                continue
            read.add(target)
            body, problem = _read(root / target)
            if problem is None:
                docs.append(parse_rules(target, body, imported_by=origin))
                todo.append((target, body, origin, depth + 1))
    return docs


def sync_documents(
    store: GraphStore,
    repo: str,
    embedder: Callable[[], Embedder],
    root: Path,
    *,
    files: Sequence[str] | None = None,
    configured_adr_dirs: Sequence[str] = (),
    commit: str | None = None,
    author: str | None = None,
) -> SyncReport:
    """Bring the file-backed memories of `repo` in step with its files (module docstring).

    `embedder` loads the model; it is called only if an entry is new or changed."""
    files = walk_repository(root).files if files is None else files
    docs = read_documents(root, files, configured_adr_dirs)
    report = SyncReport(
        adr_files=sum(d.family == "adr" for d in docs),
        rules_files=sum(d.family == "rules" for d in docs),
        warnings=[w for d in docs for w in d.warnings],
    )
    entries = _claim_ids(docs, repo, report)
    report.entries = len(entries)
    # Without embeddings: every ingest runs this, and at 10,000 memories decoding their
    # vectors was half of a one-file re-ingest.
    existing = {
        n.id: n
        for n in store.find_nodes(Label.MEMORY, {"repo": repo}, embeddings=False)
        if n.get("document_path") and n.get("status") != MemoryStatus.PURGED
    }
    scope = EntryScope(store, repo, files)
    stored = store.get_nodes(list(entries))
    pending = [
        redact(e.text.strip()).text
        for mid, e in entries.items()
        if mid not in stored or stored[mid].get("document_hash") != e.content_hash()
    ]

    @cache
    def prefetched() -> Embedder:  # the model loads only if something is written
        return _Prefetched(embedder(), pending)

    links = _supersession_links(store, entries, report)
    retired = {mid for mid, e in entries.items() if _retired(mid, e, links)}
    moved = WriteBatch()
    conflicts: list[_Conflict] = []
    by_file: dict[str, set[str]] = {}
    for memory_id, entry in entries.items():
        by_file.setdefault(entry.path, set()).add(memory_id)
    for memory_id, entry in entries.items():
        try:
            _sync_entry(
                store,
                repo,
                prefetched,
                scope,
                memory_id,
                entry,
                stored,
                moved,
                report,
                same_file=by_file[entry.path],
                conflicts=conflicts,
                restorable=memory_id not in retired,
                commit=commit,
                author=author,
            )
        except GraphMemError as e:
            report.warnings.append(f"{entry.where()}: not imported: {e}")
    if moved.set_properties:
        store.write(moved)
    _apply_statuses(store, repo, entries, links, retired, report, author)
    report.conflicts += _real_conflicts(store, conflicts)
    for memory_id, node in sorted(existing.items()):
        if memory_id not in entries and node.get("status") == MemoryStatus.ACTIVE:
            reason = f"{REASON_PREFIX}{node.get('document_path')} no longer states it"
            _retract(store, repo, memory_id, reason, author, report)
    return report


# -- one entry ---------------------------------------------------------------------------------


def _sync_entry(
    store: GraphStore,
    repo: str,
    embedder: Callable[[], Embedder],
    scope: EntryScope,
    memory_id: str,
    entry: Entry,
    stored: dict[str, Node],
    moved: WriteBatch,
    report: SyncReport,
    *,
    same_file: set[str],
    conflicts: list[_Conflict],
    restorable: bool,
    commit: str | None,
    author: str | None,
) -> None:
    source = entry.where() + (f"@{commit[:12]}" if commit else "")
    extra: dict[str, Any] = {
        "document_path": entry.path,
        "document_key": entry.key,
        "document_hash": entry.content_hash(),
        "document_format": entry.format,
        "document_status": entry.status,
        **_dated(entry),
    }
    node = stored.get(memory_id)
    if node is None:
        targets = scope.targets(entry, report.warnings)
        report.resolved_to_code += bool(targets)
        result = remember(
            store,
            repo,
            embedder(),
            entry.kind,
            entry.text,
            governs=[t.id for t in targets],
            rationale=entry.rationale,
            source=source,
            tags=entry.tags,
            author=author,
            memory_id=memory_id,
            extra=extra,
        )
        report.created += 1
        # Rules of one file were written together: close ones there are one topic, not a clash.
        conflicts += [
            _Conflict(entry.where(), memory_id, c.memory_id, c.score)
            for c in result.conflicts
            if c.memory_id not in same_file
        ]
        return
    if not node.has(Label.MEMORY) or node.get("repo") != repo:
        report.warnings.append(f"{entry.where()}: id {memory_id} is not a memory of {repo}")
        return
    restore = restorable and _may_restore(node)
    settled = {k: node.get(k) for k in extra} == extra
    if settled and not restore:  # its anchors are kept fresh by refresh_anchors
        if node.get("document_path") and node.get("source") != source:
            moved.set_properties[memory_id] = {"source": source}
        report.unchanged += 1
        report.resolved_to_code += any(k != "Repository" for k in node.get("anchor_kinds") or [])
        return
    targets = scope.targets(entry, report.warnings)
    report.resolved_to_code += bool(targets)
    if node.get("document_path"):
        extra["source"] = source  # a hand-written memory its exported file claims keeps its own
    revised = revise(
        store,
        cast(Embedder, _Lazy(embedder)),  # a change of status or date alone embeds nothing
        node,
        text=entry.text,
        rationale=entry.rationale,
        tags=entry.tags,
        targets=targets or [scope.repository()],
        extra=extra,
        author=author,
        reactivate=restore,
    )
    if restore:
        report.restored += 1
    elif revised.changed:
        report.updated += 1  # a new version, or new tags or anchors in place
    else:
        report.unchanged += 1


class _Conflict(NamedTuple):
    where: str
    memory_id: str
    other: str
    score: float


def _real_conflicts(store: GraphStore, found: list[_Conflict]) -> list[str]:
    """The conflicts `remember` reported, less the pairs that one supersession chain links
    (either way, at any depth): a decision and the one that replaced it are not a clash,
    however alike (the chains as they are after this sync's supersessions); and less the
    pairs with a memory this sync left inactive (a deprecated ADR clashes with nothing)."""
    nodes = store.get_nodes(list({i for c in found for i in (c.memory_id, c.other)}))
    active = {i for i, node in nodes.items() if node.get("status") == MemoryStatus.ACTIVE}
    found = [c for c in found if c.memory_id in active and c.other in active]
    chains: dict[str, set[str]] = {}

    def chain(memory_id: str) -> set[str]:
        if memory_id not in chains:
            seen = {memory_id}
            todo = [memory_id]
            while todo:
                edges = store.edges(todo, [RelType.SUPERSEDED_BY], Direction.BOTH)
                todo = []
                for edge in edges:
                    for end in (edge.source, edge.target):
                        if end not in seen:
                            seen.add(end)
                            todo.append(end)
            for member in seen:
                chains[member] = seen
        return chains[memory_id]

    return [
        f"{c.where}: {c.memory_id} may conflict with {c.other} (score {c.score:.2f})"
        for c in found
        if c.other not in chain(c.memory_id)
    ]


def _dated(entry: Entry) -> dict[str, Any]:
    """When an ADR says it was decided, and by whom, as the memory's own ``created_at`` /
    ``valid_from`` (what ``show`` prints as "since", ``history`` as its date) and ``author``
    ("by"). Nothing for rules, for files graphmem exported (the store has the originals), and
    for a date that is not one."""
    if entry.key != "adr" or entry.format == "graphmem":
        return {}
    dated: dict[str, Any] = {}
    when = _iso_date(entry.date or "")
    if when:
        dated.update({"created_at": when, "valid_from": when})
    if entry.deciders and entry.deciders.strip():
        dated["author"] = entry.deciders.strip()
    return dated


_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%Y/%m/%d")


def _iso_date(text: str) -> str | None:
    """``2016-02-12``, ``2016-2-12``, ``12 February 2016``, ``Feb 12, 2016``, ``2016/02/12``
    as a timestamp like `now_iso`'s (midnight UTC); None for anything else."""
    text = text.strip()
    day: date | None = None
    if m := re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", text):
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            day = None
    else:
        for fmt in _DATE_FORMATS:
            try:
                day = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC).isoformat(timespec="microseconds")


class _Lazy:
    """The embedder, loaded only if `revise` embeds something."""

    def __init__(self, embedder: Callable[[], Embedder]) -> None:
        self._embedder = embedder

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self._embedder().embed(texts)


class _Prefetched:
    """The embedder, with the texts a sync will store embedded up front in one batch: the model
    runs several times faster per text on a batch (of like lengths, so little padding) than on
    texts one at a time."""

    def __init__(self, embedder: Embedder, texts: Sequence[str]) -> None:
        self.name = embedder.name
        self.dimensions = embedder.dimensions
        self._embedder = embedder
        unique = sorted(set(texts), key=len)
        self._vectors = dict(zip(unique, embedder.embed(unique), strict=True)) if unique else {}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self._embedder.embed(missing), strict=True))
        return [self._vectors[t] for t in texts]


def _may_restore(node: Node) -> bool:
    """Retracted by the sync (its file or entry vanished, or said rejected): it may come back."""
    reason = str(node.get("retracted_reason") or "")
    return node.get("status") == MemoryStatus.RETRACTED and reason.startswith(REASON_PREFIX)


def _claim_ids(docs: list[Document], repo: str, report: SyncReport) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for doc in sorted(docs, key=lambda d: d.path):
        for entry in doc.entries:
            memory_id = entry.memory_id or document_memory_id(
                entry.kind, repo, entry.path, entry.key
            )
            if memory_id in entries:
                first = entries[memory_id]
                if first.path == entry.path:
                    continue  # the same rule twice in one file
                report.warnings.append(
                    f"{entry.where()}: claims id {memory_id}, already claimed by {first.where()};"
                    " left out"
                )
                continue
            entries[memory_id] = entry
    return entries


# -- statuses ----------------------------------------------------------------------------------


def _apply_statuses(
    store: GraphStore,
    repo: str,
    entries: dict[str, Entry],
    links: list[tuple[str, str]],
    retired: set[str],
    report: SyncReport,
    author: str | None,
) -> None:
    """Supersessions the files state (oldest first), then rejections and deprecations."""
    ids = sorted({i for link in links for i in link} | retired)
    status = {mid: node.get("status") for mid, node in store.get_nodes(ids).items()}
    for old, new in links:
        if status.get(old) != MemoryStatus.ACTIVE or new not in status:
            continue  # already superseded (by this or an earlier sync), retracted, or missing
        where = entries[new].where() if new in entries else new
        if status[new] != MemoryStatus.ACTIVE:
            report.warnings.append(f"{where}: supersedes {old}, but is not active itself")
            continue
        try:
            supersede(store, repo, [old], new, author)
            status[old] = MemoryStatus.SUPERSEDED
            report.superseded += 1
        except GraphMemError as e:
            report.warnings.append(f"{where}: {e}")
    for memory_id in sorted(retired):
        entry = entries[memory_id]
        if status.get(memory_id) == MemoryStatus.ACTIVE:
            if entry.status == "superseded":
                reason = f"{REASON_PREFIX}{entry.path} says superseded, by no ADR found here"
            else:
                reason = f"{REASON_PREFIX}{entry.path} says {entry.status}"
            _retract(store, repo, memory_id, reason, author, report)


def _retired(memory_id: str, entry: Entry, links: list[tuple[str, str]]) -> bool:
    """Whether the file says the entry no longer holds, with no successor to point to."""
    if entry.status in ("rejected", "deprecated"):
        return True
    return entry.status == "superseded" and all(old != memory_id for old, _ in links)


def _supersession_links(
    store: GraphStore, entries: dict[str, Entry], report: SyncReport
) -> list[tuple[str, str]]:
    """(old id, new id) pairs the files state, cycles left out, ordered oldest first."""
    by_path = {e.path: mid for mid, e in entries.items() if e.key == "adr"}
    adr_paths = sorted(by_path)
    links: dict[tuple[str, str], Entry] = {}

    def target(ref: str, entry: Entry) -> str | None:
        if _MEMORY_ID.match(ref):
            return ref if ref in entries or store.get_node(ref) is not None else None
        path = resolve_reference(ref, entry.path, adr_paths)
        return by_path.get(path) if path else None

    for mid, entry in entries.items():
        for ref, forward in [(r, True) for r in entry.supersedes] + [
            (r, False) for r in entry.superseded_by
        ]:
            other = target(ref, entry)
            if other is None:
                verb = "supersedes" if forward else "is superseded by"
                report.warnings.append(f"{entry.where()}: {verb} {ref!r}, which is no ADR here")
            elif other != mid:
                links.setdefault((other, mid) if forward else (mid, other), entry)
    cyclic = _cyclic(set(links))
    for old, new in sorted(cyclic):
        entry = links.pop((old, new))
        report.warnings.append(
            f"{entry.where()}: supersession {old} -> {new} is part of a cycle; left out"
        )
    rank = _ranks(set(links))
    return sorted(links, key=lambda link: (rank[link[1]], link))


def _cyclic(links: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The links that lie on a cycle (both ends reach each other)."""
    after: dict[str, set[str]] = {}
    for old, new in links:
        after.setdefault(old, set()).add(new)

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in after.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    return {(old, new) for old, new in links if old in reach(new)}


def _ranks(links: set[tuple[str, str]]) -> dict[str, int]:
    """How many supersessions precede each memory along its longest chain (acyclic input)."""
    rank: dict[str, int] = {}
    for old, new in links:
        rank.setdefault(old, 0)
        rank.setdefault(new, 0)
    for _ in range(len(rank)):
        changed = False
        for old, new in links:
            if rank[new] < rank[old] + 1:
                rank[new] = rank[old] + 1
                changed = True
        if not changed:
            break
    return rank


def _retract(
    store: GraphStore,
    repo: str,
    memory_id: str,
    reason: str,
    author: str | None,
    report: SyncReport,
) -> None:
    try:
        retract(store, repo, memory_id, reason, author)
        report.retracted += 1
    except GraphMemError as e:
        report.warnings.append(f"{memory_id}: not retracted: {e}")


def _read(path: Path) -> tuple[str, str | None]:
    try:
        return path.read_text(encoding="utf-8", errors="replace"), None
    except OSError as e:
        return "", f"unreadable ({e.strerror or e})"
