"""Recent git history as Commit nodes with MODIFIES edges to the code each commit touched.

One `git log -U0` process reads every commit and its zero-context hunks; only the hunk headers
are kept, so memory stays small however large the diffs are.

A commit MODIFIES a module when it changed the file, and a class, function or method when one of
its hunks overlaps the definition's line range. Those ranges are the *current* ones (the code as
ingested now): a hunk of an older commit is first carried forward through the hunks of every
newer commit that changed the same file (and through renames), so that its lines land where that
code sits today. The carrying is exact on a linear history; changes that reached the file through
a merge (whose diff git does not show) leave it approximate.

Merge commits become Commit nodes without MODIFIES edges (their changes are the branch's
commits'). In a shallow clone the boundary commits are kept without MODIFIES as well, since git
shows them as adding every file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from graphmem.ingest.git import GitError, run_git, stream_git
from graphmem.model import CodeEntity, Edge, Label, Node, RelType

log = logging.getLogger(__name__)

#: How many commits an ingest reads by default.
DEFAULT_LIMIT = 200

_DEFINITION_KINDS = frozenset({Label.CLASS, Label.INTERFACE, Label.FUNCTION, Label.METHOD})
_RECORD = b"\x1e"
_HUNK_LINES = frozenset({b"+", b"-", b" "})
_FORMAT = "%x1e%H%x00%an%x00%ae%x00%aI%x00%P%x00%B%x00"
_FIELDS = 6
_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True, slots=True)
class Hunk:
    """A zero-context hunk: `old_count` lines at `old_start` became `new_count` at `new_start`.

    A count of 0 means a pure insertion (old side) or deletion (new side); git then gives the
    line *before* the change as the start.
    """

    old_start: int
    old_count: int
    new_start: int
    new_count: int


@dataclass
class FileChange:
    old_path: str | None  # None: the commit created the file (or copied it)
    new_path: str | None  # None: the commit deleted the file
    hunks: list[Hunk] = field(default_factory=list)


@dataclass
class CommitRecord:
    sha: str
    author: str
    email: str
    date: str
    parents: list[str]
    message: str
    changes: list[FileChange] = field(default_factory=list)


class Definition(Protocol):
    """What a MODIFIES edge needs of an entity: a CodeEntity, or a `Span` of one."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> Label: ...
    @property
    def start_line(self) -> int | None: ...
    @property
    def end_line(self) -> int | None: ...


class Span(NamedTuple):
    """An entity's id, kind and current lines: what history keeps of each of a run's nodes."""

    id: str
    kind: Label
    start_line: int | None
    end_line: int | None


def spans(nodes: Iterable[Node]) -> list[Span]:
    """The spans of code nodes (ingest nodes carry their kind's label besides CodeEntity)."""
    return [
        Span(
            node.id,
            next(label for label in node.labels if label != Label.CODE_ENTITY),
            node.properties.get("start_line"),
            node.properties.get("end_line"),
        )
        for node in nodes
    ]


def collect(
    root: Path,
    repo: str,
    n: int = DEFAULT_LIMIT,
    entities_by_path: Mapping[str, Sequence[Definition]] | None = None,
    warn: Callable[[str], None] | None = None,
) -> tuple[list[CodeEntity], list[Edge]]:
    """The last `n` commits as Commit entities, and their MODIFIES edges.

    `entities_by_path` maps each ingested file to its Module entity followed by its definitions
    (current line ranges); MODIFIES edges only ever point at those entities. Without git, outside
    a repository, or with no commits the result is empty and `warn` is told why.
    """
    sink = warn or log.warning
    if n <= 0:
        return [], []
    try:
        records = read_log(root, n, sink)
    except GitError as e:
        sink(f"git history skipped: {e}")
        return [], []
    _redact_commits(records, sink)
    return build_graph(repo, records, entities_by_path or {})


def _redact_commits(records: Sequence[CommitRecord], warn: Callable[[str], None]) -> None:
    """Commit messages and authors are text anyone could have written: secrets in them are
    replaced before they are indexed, as for a memory, and `warn` says what was replaced."""
    from collections import Counter

    from graphmem.memory.redaction import redact

    found: Counter[str] = Counter()
    commits: list[str] = []
    for record in records:
        before = sum(found.values())
        for name in ("message", "author", "email"):
            done = redact(getattr(record, name))
            setattr(record, name, done.text)
            found.update(done.counts)
        if sum(found.values()) > before:
            commits.append(record.sha[:12])
    if found:
        types = ", ".join(f"{n} {t}" for t, n in sorted(found.items()))
        warn(
            f"redacted from commit messages and authors before indexing: {types} "
            f"(commits {', '.join(commits)})"
        )


# -- reading git ----------------------------------------------------------------------------


def read_log(root: Path, n: int, warn: Callable[[str], None]) -> list[CommitRecord]:
    """Run one `git log` for the last `n` commits and parse it (newest first)."""
    try:
        probe = run_git(root, "rev-parse", "--is-inside-work-tree", "--show-prefix")
    except GitError:
        warn(f"git history skipped: {root} is not inside a git work tree")
        return []
    lines = probe.splitlines()
    prefix = lines[1].strip() if len(lines) > 1 else ""
    try:
        run_git(root, "rev-parse", "--verify", "-q", "HEAD")
    except GitError:
        warn("git history skipped: the repository has no commits yet")
        return []
    boundary = _shallow_boundary(root)
    if boundary:
        warn(
            "git history is shallow: older commits are missing and boundary commits get no MODIFIES"
        )

    command = [
        "log",
        f"-n{n}",
        f"--format={_FORMAT}",
        "-U0",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--diff-merges=off",
    ]
    if prefix:  # ingesting a subdirectory of a larger repository: paths relative to it
        command += ["--relative", "--", "."]
    try:
        records = list(parse_log(stream_git(root, *command)))
    except GitError as error:
        warn(str(error))
        return []
    for record in records:
        if record.sha in boundary:
            record.changes = []
    return records


def _shallow_boundary(root: Path) -> set[str]:
    try:
        if run_git(root, "rev-parse", "--is-shallow-repository").strip() != "true":
            return set()
        shallow = run_git(root, "rev-parse", "--git-path", "shallow").strip()
        return set((root / shallow).read_text().split())
    except (GitError, OSError):
        return set()


def parse_log(lines: Iterator[bytes] | Sequence[bytes]) -> Iterator[CommitRecord]:
    """Parse `git log` output in the module's format, one record per commit (as it streams)."""
    record: CommitRecord | None = None
    header: bytes | None = None
    change: FileChange | None = None
    in_header = False  # inside a file's extended header, before its first hunk
    for line in lines:
        if header is not None:
            header += line
            if header.count(b"\0") >= _FIELDS:
                record = _commit_header(header)
                header = None
            continue
        if not in_header and line[:1] in _HUNK_LINES:
            continue  # a hunk's added or removed lines: most of a log, and nothing to read
        if line.startswith(_RECORD):
            if record is not None:
                yield record
            record, change = None, None
            header = line[1:]
            if header.count(b"\0") >= _FIELDS:
                record = _commit_header(header)
                header = None
            continue
        if record is None:
            continue
        if line.startswith(b"diff --git "):
            old, new = _paths_from_diff_line(_text(line[len(b"diff --git ") :]))
            change = FileChange(old, new)
            record.changes.append(change)
            in_header = True
            continue
        if change is None:
            continue
        if line.startswith(b"@@"):
            in_header = False
            match = _HUNK.match(line)
            if match:
                a, b, c, d = match.groups()
                change.hunks.append(
                    Hunk(int(a), 1 if b is None else int(b), int(c), 1 if d is None else int(d))
                )
        elif in_header:
            _header_line(change, _text(line))
    if record is not None:
        yield record


def _commit_header(header: bytes) -> CommitRecord:
    sha, author, email, date, parents, message = header.split(b"\0", _FIELDS)[:_FIELDS]
    return CommitRecord(
        sha=_text(sha).strip(),
        author=_text(author),
        email=_text(email),
        date=_text(date),
        parents=_text(parents).split(),
        message=_text(message).strip(),
    )


def _header_line(change: FileChange, line: str) -> None:
    if line.startswith("new file mode"):
        change.old_path = None
    elif line.startswith("deleted file mode"):
        change.new_path = None
    elif line.startswith("rename from "):
        change.old_path = _unquote(line[len("rename from ") :])
    elif line.startswith("rename to "):
        change.new_path = _unquote(line[len("rename to ") :])
    elif line.startswith("copy from "):
        change.old_path = None  # the source is unchanged; the copy is a new file
    elif line.startswith("copy to "):
        change.new_path = _unquote(line[len("copy to ") :])
    elif line.startswith("--- "):
        change.old_path = _side_path(line[4:], "a/")
    elif line.startswith("+++ "):
        change.new_path = _side_path(line[4:], "b/")


def _side_path(token: str, prefix: str) -> str | None:
    token = _unquote(token)
    if token == "/dev/null":
        return None
    return token[len(prefix) :] if token.startswith(prefix) else token


def _paths_from_diff_line(rest: str) -> tuple[str | None, str | None]:
    """`a/X b/Y` from a `diff --git` line; exact when X == Y, else the header lines correct it."""
    if rest.startswith('"'):
        end = _closing_quote(rest)
        first = _unquote(rest[: end + 1])
        second = _unquote(rest[end + 2 :])
        return first.removeprefix("a/"), second.removeprefix("b/")
    size = (len(rest) - 5) // 2
    same = rest[2 : 2 + size]
    if rest == f"a/{same} b/{same}":
        return same, same
    old, _, new = rest.partition(" b/")
    return old.removeprefix("a/"), _unquote(new)


def _closing_quote(text: str) -> int:
    i = 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i
        i += 1
    return len(text) - 1


_ESCAPES = {"n": b"\n", "t": b"\t", '"': b'"', "\\": b"\\", "a": b"\a", "b": b"\b", "f": b"\f"}


def _unquote(token: str) -> str:
    """Undo git's C-style quoting of unusual paths (`"dir/\\303\\251.py"`)."""
    token = token.rstrip("\n")
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        return token
    body, out, i = token[1:-1], bytearray(), 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            octal = body[i + 1 : i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                out += bytes([int(octal, 8) & 0xFF])
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt.encode())
            i += 2
            continue
        out += ch.encode()
        i += 1
    return out.decode(errors="replace")


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").rstrip("\n")


# -- building the graph ---------------------------------------------------------------------


def build_graph(
    repo: str,
    records: Sequence[CommitRecord],
    entities_by_path: Mapping[str, Sequence[Definition]],
) -> tuple[list[CodeEntity], list[Edge]]:
    """Commit entities and MODIFIES edges from parsed records (newest first)."""
    commits: list[CodeEntity] = []
    edges: dict[tuple[str, str, str], Edge] = {}
    #: a path as named in older commits -> its path today (None: no longer the same file)
    current_name: dict[str, str | None] = {}
    #: today's path -> the hunks of every newer commit already seen, newest first
    newer: dict[str, list[list[Hunk]]] = {}

    for record in records:
        commit = CodeEntity.new(
            Label.COMMIT,
            repo,
            "",
            f"commit:{record.sha}",
            name=record.sha[:12],
            extra={
                "sha": record.sha,
                "message": record.message,
                "author": record.author,
                "author_email": record.email,
                "date": record.date,
                "parents": record.parents,
            },
        )
        commits.append(commit)
        for change in record.changes:
            if change.new_path is None:
                current = None
            else:
                current = current_name.get(change.new_path, change.new_path)
            if current is not None:
                later = newer.setdefault(current, [])
                ranges = [_carry(h, later) for h in change.hunks]
                _modifies(commit.id, entities_by_path.get(current, ()), change, ranges, edges)
                later.append(change.hunks)
            # Name the file as older commits know it.
            if change.old_path is None:
                if change.new_path is not None:
                    current_name[change.new_path] = None
            else:
                if change.new_path is not None and change.new_path != change.old_path:
                    current_name[change.new_path] = None  # a rename's new name is new before it
                current_name[change.old_path] = current
    return commits, list(edges.values())


def _carry(hunk: Hunk, newer_hunks: Sequence[Sequence[Hunk]]) -> tuple[int, int, bool]:
    """The hunk's new-side lines in today's numbering: (first, last, is_pure_deletion).

    A pure deletion is a point between lines `first` and `first + 1`.
    """
    if hunk.new_count == 0:
        first = last = hunk.new_start
    else:
        first, last = hunk.new_start, hunk.new_start + hunk.new_count - 1
    for hunks in reversed(newer_hunks):  # oldest of the newer commits first
        first = _map_line(first, hunks, low=True)
        last = _map_line(last, hunks, low=False)
    return first, max(first, last), hunk.new_count == 0


def _map_line(line: int, hunks: Sequence[Hunk], low: bool) -> int:
    """Where `line` (before these hunks) is after them; a rewritten line maps onto its rewrite."""
    shift = 0
    for h in hunks:
        if h.old_count == 0:  # insertion after old line `old_start`
            if h.old_start < line:
                shift += h.new_count
            continue
        old_last = h.old_start + h.old_count - 1
        if old_last < line:
            shift += h.new_count - h.old_count
        elif h.old_start <= line:  # the line itself was rewritten or removed
            if h.new_count == 0 or low:
                return h.new_start
            return h.new_start + h.new_count - 1
        else:
            break
    return line + shift


def _modifies(
    commit_id: str,
    entities: Sequence[Definition],
    change: FileChange,
    ranges: Sequence[tuple[int, int, bool]],
    edges: dict[tuple[str, str, str], Edge],
) -> None:
    if not entities:
        return
    module = entities[0]
    added = sum(h.new_count for h in change.hunks)
    removed = sum(h.old_count for h in change.hunks)
    edge = Edge(
        type=RelType.MODIFIES,
        source=commit_id,
        target=module.id,
        properties={"added": added, "removed": removed},
    )
    edges.setdefault(edge.key, edge)
    for entity in entities[1:]:
        if entity.kind not in _DEFINITION_KINDS:
            continue
        start, end = entity.start_line, entity.end_line
        if start is None or end is None:
            continue
        if any(_overlaps(start, end, r) for r in ranges):
            edge = Edge(type=RelType.MODIFIES, source=commit_id, target=entity.id)
            edges.setdefault(edge.key, edge)


def _overlaps(start: int, end: int, changed: tuple[int, int, bool]) -> bool:
    first, last, deletion = changed
    if deletion:  # lines removed between `first` and `first + 1`: strictly inside the definition
        return start <= first and first + 1 <= end
    return first <= end and start <= last
