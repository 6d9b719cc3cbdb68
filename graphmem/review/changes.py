"""Which code entities a diff changes: both sides parsed with the ingester's language modules.

For each changed source file the old side (from the base revision) and the new side are parsed
exactly as ingest parses them, and their definitions compared by qualified name:

- in the new side only: *added*; in the old side only: *deleted*;
- on both sides with a different content hash *and* a changed line of its own (outside the
  definitions it contains): *modified*. A class whose only change is inside one method is not
  listed: the method is. A module is listed for its own lines (imports, top-level code);
- a deleted and an added definition of the same kind, under the same parent, whose bodies are
  nearly the same: *renamed* (``old_qualified_name`` says from what); in a renamed file,
  definitions keep their names relative to the module and are *renamed* with it.

Manifests and compose files are reported as service changes. Binary, vendored, generated and
oversized files are listed as skipped with the reason, never parsed.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from graphmem.ingest.build_manifests import BUILD_FILE_NAMES
from graphmem.ingest.file_walk import classify_source, vendored_folder
from graphmem.ingest.language import (
    Definition,
    ParsedFile,
    RepoLayout,
    content_hash,
    language_for,
)
from graphmem.ingest.pipeline import parse_one
from graphmem.ingest.services import COMPOSE_FILE_NAMES, MANIFEST_FILE_NAMES
from graphmem.model import entity_id
from graphmem.review.diff import FileChange
from graphmem.review.report import ChangedEntity, ChangeStatus, SkippedFile

#: How alike two bodies must be (difflib ratio, names blanked) to call the pair a rename.
RENAME_SIMILARITY = 0.75

Reader = Callable[[str], bytes | None]


@dataclass(frozen=True)
class Side:
    """One side of the diff: how to read a file, the layout that names its modules, and parses
    ingest already made (reused when the content hash matches: the side that was ingested is
    never parsed again)."""

    read: Reader
    layout: RepoLayout
    cached: Mapping[str, ParsedFile] = field(default_factory=dict)


@dataclass
class _Parsed:
    parsed: ParsedFile
    source: bytes


def is_service_file(path: str) -> bool:
    """A file that declares services: a compose file, a package manifest, or a build file
    the ingest reads services from (pom.xml, build.gradle, Cargo.toml, CMakeLists.txt)."""
    name = posixpath.basename(path)
    return name in COMPOSE_FILE_NAMES or name in MANIFEST_FILE_NAMES or name in BUILD_FILE_NAMES


def skip_reason(path: str) -> str | None:
    """Why a changed file is not analysed by path alone (vendored code, unknown language)."""
    if vendored_folder(path) is not None:
        return "vendored"
    if language_for(path) is None:
        return "not source"
    return None


def changed_entities(
    repo: str, change: FileChange, old: Side, new: Side
) -> tuple[list[ChangedEntity], SkippedFile | None]:
    """The entities one changed source file adds, modifies, deletes or renames."""
    old_path = change.old_path or change.path
    before = _parse(old_path, old) if change.status != "added" else None
    after = _parse(change.path, new) if change.status != "deleted" else None
    for side in (after, before):
        if isinstance(side, SkippedFile):
            return [], side
    assert not isinstance(before, SkippedFile) and not isinstance(after, SkippedFile)
    return _compare(repo, change, before, after), None


def _parse(path: str, side: Side) -> _Parsed | SkippedFile | None:
    support = language_for(path)
    data = side.read(path)
    if support is None or data is None:
        return None
    reason = classify_source(path, data)
    if reason is not None:
        return SkippedFile(path=path, reason=reason)
    module = support.module_name(path, side.layout)
    cached = side.cached.get(path)
    if cached is not None and cached.module == module and cached.content_hash == content_hash(data):
        return _Parsed(cached, data)
    return _Parsed(parse_one(support, path, data, module), data)


def _compare(
    repo: str, change: FileChange, before: _Parsed | None, after: _Parsed | None
) -> list[ChangedEntity]:
    change = _meaningful(change, before, after)
    old_defs = {d.qualified_name: d for d in before.parsed.definitions} if before else {}
    new_defs = {d.qualified_name: d for d in after.parsed.definitions} if after else {}
    old_module = before.parsed.module if before else ""
    new_module = after.parsed.module if after else ""
    out: list[ChangedEntity] = []
    module = _module_change(repo, change, before, after)
    if module is not None:
        out.append(module)

    moved = bool(before and after and old_module != new_module)
    renamed_from: dict[str, Definition] = {}
    if moved:  # a renamed file: the same relative name is the same definition
        by_relative = {_relative(q, old_module): d for q, d in old_defs.items()}
        for qname in list(new_defs):
            old = by_relative.pop(_relative(qname, new_module), None)
            if old is not None:
                renamed_from[qname] = old
                del old_defs[old.qualified_name]
    deleted = [d for q, d in old_defs.items() if q not in new_defs]
    added = [d for q, d in new_defs.items() if q not in old_defs and q not in renamed_from]
    for new_def, old_def in _pair_renames(deleted, added, before, after):
        renamed_from[new_def.qualified_name] = old_def
        deleted.remove(old_def)
        added.remove(new_def)

    for qname, definition in new_defs.items():
        if qname in renamed_from:
            old_def = renamed_from[qname]
            out.append(
                _entity(repo, "renamed", change.path, definition, after).model_copy(
                    update={
                        "old_qualified_name": old_def.qualified_name,
                        "old_path": change.old_path or change.path,
                        "old_id": entity_id(
                            repo, change.old_path or change.path, old_def.qualified_name
                        ),
                        "body_changed": _body_changed(old_def, before, definition, after),
                    }
                )
            )
        elif qname in old_defs:
            old_def = old_defs[qname]
            if old_def.content_hash != definition.content_hash and (
                _own_lines_touched(old_def, before, change.old_lines)
                or _own_lines_touched(definition, after, change.new_lines)
            ):
                out.append(_entity(repo, "modified", change.path, definition, after))
    out.extend(_entity(repo, "added", change.path, d, after) for d in added)
    out.extend(_entity(repo, "deleted", change.old_path or change.path, d, before) for d in deleted)
    return out


def _meaningful(change: FileChange, before: _Parsed | None, after: _Parsed | None) -> FileChange:
    """`change` with blank changed lines dropped: the blank lines around a deleted function
    are not a change of the module's own code."""
    return replace(
        change,
        old_lines=_non_blank(change.old_lines, before),
        new_lines=_non_blank(change.new_lines, after),
    )


def _non_blank(ranges: Sequence[tuple[int, int]], side: _Parsed | None) -> list[tuple[int, int]]:
    if side is None:
        return []
    lines = side.source.split(b"\n")
    return [
        (n, n)
        for start, end in ranges
        for n in range(start, end + 1)
        if n <= len(lines) and lines[n - 1].strip()
    ]


def _module_change(
    repo: str, change: FileChange, before: _Parsed | None, after: _Parsed | None
) -> ChangedEntity | None:
    side = after or before
    if side is None:
        return None
    parsed = side.parsed
    status: ChangeStatus = "modified"
    if change.status in ("added", "deleted"):
        status = "added" if change.status == "added" else "deleted"
    elif change.status == "renamed" and change.old_path and change.old_path != change.path:
        status = "renamed"
    own = (before is not None and _module_lines_touched(before, change.old_lines)) or (
        after is not None and _module_lines_touched(after, change.new_lines)
    )
    if status == "modified" and not own:
        return None
    path = change.path if after is not None else (change.old_path or change.path)
    entity = ChangedEntity(
        id=entity_id(repo, path, parsed.module),
        status=status,
        kind="Module",
        qualified_name=parsed.module,
        path=path,
        start_line=1,
        end_line=max(parsed.line_count, 1),
        language=parsed.language,
        own_lines=own,
    )
    if status == "renamed" and before is not None:
        old_path = change.old_path or change.path
        entity = entity.model_copy(
            update={
                "old_path": old_path,
                "old_qualified_name": before.parsed.module,
                "old_id": entity_id(repo, old_path, before.parsed.module),
                "body_changed": before.parsed.content_hash != parsed.content_hash,
            }
        )
    return entity


def _entity(
    repo: str, status: ChangeStatus, path: str, definition: Definition, side: _Parsed | None
) -> ChangedEntity:
    return ChangedEntity(
        id=entity_id(repo, path, definition.qualified_name),
        status=status,
        kind=definition.kind,
        qualified_name=definition.qualified_name,
        path=path,
        start_line=definition.start_line,
        end_line=definition.end_line,
        language=side.parsed.language if side else "",
    )


def _relative(qualified_name: str, module: str) -> str:
    return qualified_name[len(module) :] if qualified_name.startswith(module) else qualified_name


def _children(definition: Definition, parsed: ParsedFile) -> list[Definition]:
    return [d for d in parsed.definitions if d.parent == definition.qualified_name]


def _own_lines_touched(
    definition: Definition, side: _Parsed | None, changed: Sequence[tuple[int, int]]
) -> bool:
    """Whether a changed line falls in `definition` but outside every definition inside it."""
    if side is None:
        return False
    inner = [(c.start_line, c.end_line) for c in _children(definition, side.parsed)]
    return _touches((definition.start_line, definition.end_line), inner, changed)


def _module_lines_touched(side: _Parsed, changed: Sequence[tuple[int, int]]) -> bool:
    top = [
        (d.start_line, d.end_line)
        for d in side.parsed.definitions
        if d.parent == side.parsed.module
    ]
    return _touches((1, max(side.parsed.line_count, 1)), top, changed)


def _touches(
    span: tuple[int, int], holes: Sequence[tuple[int, int]], changed: Sequence[tuple[int, int]]
) -> bool:
    for start, end in changed:
        lo, hi = max(start, span[0]), min(end, span[1])
        for line in range(lo, hi + 1):
            if not any(a <= line <= b for a, b in holes):
                return True
    return False


def _pair_renames(
    deleted: Sequence[Definition],
    added: Sequence[Definition],
    before: _Parsed | None,
    after: _Parsed | None,
) -> list[tuple[Definition, Definition]]:
    """(new, old) pairs of one kind and parent whose bodies match, best match first."""
    if not deleted or not added or before is None or after is None:
        return []
    scored: list[tuple[float, str, str, Definition, Definition]] = []
    for old in deleted:
        old_body = _body(old, before)
        for new in added:
            if new.kind != old.kind or _parent_name(new) != _parent_name(old):
                continue
            ratio = difflib.SequenceMatcher(None, old_body, _body(new, after)).ratio()
            if ratio >= RENAME_SIMILARITY:
                scored.append((-ratio, new.qualified_name, old.qualified_name, new, old))
    pairs: list[tuple[Definition, Definition]] = []
    used_old: set[str] = set()
    used_new: set[str] = set()
    for _, new_name, old_name, new, old in sorted(scored, key=lambda s: s[:3]):
        if new_name not in used_new and old_name not in used_old:
            used_new.add(new_name)
            used_old.add(old_name)
            pairs.append((new, old))
    return pairs


def _parent_name(definition: Definition) -> str:
    return definition.parent.rsplit(".", 1)[-1]


def _body_changed(
    old: Definition, before: _Parsed | None, new: Definition, after: _Parsed | None
) -> bool:
    """Whether more than the name changed: as the ingest tells a rename it follows
    (`Definition.shape`), else by the bodies."""
    if old.shape and new.shape:
        return old.shape != new.shape
    if before is None or after is None:
        return old.content_hash != new.content_hash
    return _body(old, before) != _body(new, after)


def _body(definition: Definition, side: _Parsed) -> str:
    """The definition's body (its signature line left out when it has more) with its own name
    blanked, so a rename alone compares equal and two short functions do not."""
    lines = side.source.decode("utf-8", "replace").splitlines()
    span = lines[definition.start_line - 1 : definition.end_line]
    text = "\n".join(span[1:] if len(span) > 1 else span)
    return re.sub(rf"\b{re.escape(definition.name)}\b", "_", text)
