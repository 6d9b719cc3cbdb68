"""Memories out, in the files teams and agents already read: AGENTS.md, rules files, ADRs.

- ``agents-md``: a managed block (between `BLOCK_BEGIN` and `BLOCK_END`) in the root AGENTS.md
  (and CLAUDE.md, if there is one) for repository-wide memories. A memory on a folder or on
  code inside it goes into the nearest AGENTS.md at or above that folder that people wrote
  (the root one if there is no other), under a heading naming the folder: a new nested
  AGENTS.md would be the closest one for the agents that read only that (the agents.md
  convention), hiding the rules above it. ``nested=True`` (``--nested``) writes
  ``<dir>/AGENTS.md`` per folder all the same. Everything outside the block is left as it is;
  a block with nothing left to say is removed, and a file that held only the block with it.
- ``claude-rules`` / ``cursor-rules``: one ``.claude/rules/graphmem-<scope>.md`` (front matter
  ``paths:``) or ``.cursor/rules/graphmem-<scope>.mdc`` (``globs:``) per scope, so an agent
  loads a rule only when it touches that code; repository-wide ones always apply.
- ``adr``: one file per decision (active or superseded, so its history travels too) that did
  not come from a hand-written ADR, with ``graphmem: {id, kind, governs, supersedes}`` front
  matter, so ingesting it gives back the same memory (same id, no duplicate). In the folder's
  own format: Nygard (``# N. Title``, ``Date:``, ``## Status``, as adr-tools writes) where the
  folder's ADRs are written so or an ``.adr-dir`` declares it, else MADR 4; a supersession
  names the successor's ADR as the folder does (``superseded by ADR-0012`` in MADR, a link in
  a Nygard status). An ADR that exists already is the team's document: export never rewrites
  its prose (the memory follows the file, `graphmem ingest`), it only brings its status and
  ``graphmem`` key up to date, line by line, leaving every other line as it was.

What a person wrote is never lost. A file export would change that graphmem did not write
(a rules file of the same name without the ``graphmem`` key, an ADR claiming another id), a
block whose end marker is gone, a line inside graphmem's block or file that graphmem did not
write, an ADR whose status was edited since the memory last read it: that file is left as it
is, and `ExportResult.skipped` / `.warnings` say which file, which line, and what to do
(``force=True``, ``--force``, writes graphmem's version all the same). Files are replaced
whole (written beside, then renamed), never left half-written.

The rules exports serve what `context` serves (active memories, this branch, no one else's
preferences) and never re-export rules that came from rules files. Every export is
idempotent: a second run writes nothing. In AGENTS.md and rules files memory text is written
on one line, with comment markers defused, so it can never close the managed block or open a
new one.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml

from graphmem.ingest.file_walk import walk_repository
from graphmem.knowledge.adr import adr_dirs, find_adrs, parse_adr, resolve_reference
from graphmem.knowledge.documents import (
    BLOCK_BEGIN,
    BLOCK_END,
    GENERATED_KEY,
    PROPOSED_TAG,
    Entry,
)
from graphmem.knowledge.managed import BLOCK_LINE, BlockSpan, block_spans
from graphmem.knowledge.markdown import front_matter
from graphmem.memory.governance import ReadScope
from graphmem.memory.results import Anchor, anchors_of
from graphmem.model import Label, MemoryKind, MemoryStatus, Node, RelType
from graphmem.model.base import Record, field
from graphmem.store import Direction, GraphStore

__all__ = [
    "FILE_FORMATS",
    "ExportResult",
    "export_adrs",
    "export_agents_md",
    "export_documents",
    "export_rules",
]

FILE_FORMATS = ("agents-md", "claude-rules", "cursor-rules", "adr")
RulesFlavour = Literal["claude", "cursor"]
AdrStyle = Literal["madr", "nygard"]
_RULE_KINDS = (MemoryKind.CONSTRAINT, MemoryKind.DECISION, MemoryKind.FAILURE, MemoryKind.FACT)
_KIND_ORDER = {kind: i for i, kind in enumerate(_RULE_KINDS)}
_RULES_FORMATS = {
    "agents-md",
    "claude-md",
    "conventions",
    "copilot",
    "copilot-instructions",
    "cursor",
    "cursorrules",
    "claude-rules",
}
_INTRO = (
    "Recorded project memory, kept by graphmem (`graphmem export --format {fmt}`): each item "
    "is a memory a person or tool recorded, with its id; change it with `graphmem remember` "
    "or `graphmem retract`, then export again."
)
_FORCE = "or pass --force to"
#: Front-matter keys of the rules files graphmem writes.
_RULES_KEYS = {GENERATED_KEY, "description", "globs", "alwaysapply", "paths"}
#: The body lines of the rules files graphmem writes: title, introduction, memories, blanks.
_RULES_LINE = re.compile(
    r"^(# Recorded project memory for .*|Recorded project memory, kept by graphmem\b.*"
    r"|- \*\*(constraint|decision|failure|fact|preference)\*\*.*|)$"
)
_MEMORY_ID = re.compile(r"^[dcfpk]-[0-9a-f]{8}$")
_STATUS_HEADING = re.compile(r"^##\s+status\s*:?\s*$", re.I)
_HEADING = re.compile(r"^#{1,6}\s")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TOP_KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*:(?:\s|$)")
#: A line of a Nygard status section that links another ADR ("Supersedes [4. ...](0004-...)",
#: "Amended by [...]", as `adr new -s` / `adr link` write them): not the status itself.
_LINK_LINE = re.compile(r"^\s*[*-]?\s*[A-Za-z][\w -]{0,40}?:?\s*\[[^\]]*\]\([^)]*\)[\s.,;]*$")
_SUPERSEDED_BY = re.compile(r"^\s*[*-]?\s*super[sc]eded\s+by\b", re.I)


class ExportResult(Record):
    format: str
    memories: int = 0
    written: list[str] = field(default_factory=list, description="files created or changed")
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(
        default_factory=list,
        description="files left as they were: writing them would lose what a person wrote",
    )
    warnings: list[str] = field(
        default_factory=list, description="`path:line: what is wrong; what to do`, per skip"
    )

    def skip(self, rel: str, line: int, problem: str) -> None:
        self.skipped.append(rel)
        self.warnings.append(f"{rel}:{line}: {problem}")


def export_documents(
    store: GraphStore,
    repo: str,
    root: Path,
    branch: str | None,
    user: str | None,
    fmt: str,
    *,
    force: bool = False,
    nested: bool = False,
) -> ExportResult:
    """Write memories into the repository's files in format `fmt` (one of FILE_FORMATS)."""
    if fmt == "agents-md":
        return export_agents_md(store, repo, root, branch, user, force=force, nested=nested)
    if fmt in ("claude-rules", "cursor-rules"):
        flavour: RulesFlavour = "claude" if fmt == "claude-rules" else "cursor"
        return export_rules(store, repo, root, branch, user, flavour, force=force)
    if fmt == "adr":
        return export_adrs(store, repo, root, branch, user, force=force)
    raise ValueError(f"unknown export format {fmt!r}: use {', '.join(FILE_FORMATS)}")


# -- agents-md ---------------------------------------------------------------------------------


def export_agents_md(
    store: GraphStore,
    repo: str,
    root: Path,
    branch: str | None,
    user: str | None,
    *,
    force: bool = False,
    nested: bool = False,
) -> ExportResult:
    """The managed block in every AGENTS.md that has something to hold (module docstring)."""
    result = ExportResult(format="agents-md")
    files = walk_repository(root).files
    present = [f for f in files if PurePosixPath(f).name in ("AGENTS.md", "CLAUDE.md")]
    hosts = {
        _parent(rel)
        for rel in present
        if PurePosixPath(rel).name == "AGENTS.md" and _hand_written(_read(root / rel))
    }
    # file's folder -> the folder its memories are on -> (memory, its anchors there)
    groups: dict[str, dict[str, list[tuple[Node, list[Anchor]]]]] = {}
    for node in _exportable(store, repo, branch, user):
        result.memories += 1
        by_dir: dict[str, list[Anchor]] = {}
        for anchor in anchors_of(node):
            by_dir.setdefault(_folder_of(anchor), []).append(anchor)
        for folder, anchors in (by_dir or {"": []}).items():
            host = folder if nested else _nearest(folder, hosts)
            groups.setdefault(host, {}).setdefault(folder, []).append((node, anchors))
    targets = {(f"{d}/AGENTS.md" if d else "AGENTS.md"): d for d in groups}
    if "AGENTS.md" in targets and (root / "CLAUDE.md").is_file():
        targets["CLAUDE.md"] = ""
    for rel in sorted(set(targets) | set(present)):
        where = targets.get(rel)
        block = _block(groups[where], where) if where is not None else None
        _write_block(root, rel, block, result, force)
    return result


def _nearest(folder: str, hosts: set[str]) -> str:
    """The folder of the nearest hand-written AGENTS.md at or above `folder` ("" = the root)."""
    while folder and folder not in hosts:
        folder = _parent(folder)
    return folder


def _hand_written(text: str) -> bool:
    """Whether a file says anything outside graphmem's block (an unclosed block: assume so)."""
    lines = text.splitlines()
    spans = block_spans(lines)
    if any(not s.closed for s in spans.values()):
        return True
    inside = {n for s in spans.values() for n in range(s.begin, s.stop)}
    return any(line.strip() for n, line in enumerate(lines, 1) if n not in inside)


def _block(groups: dict[str, list[tuple[Node, list[Anchor]]]], host: str) -> str:
    """The block for the AGENTS.md in `host`: its own folder's memories first, then one
    sub-heading per folder below it."""
    lines = [BLOCK_BEGIN, "## Recorded project memory", "", _INTRO.format(fmt="agents-md")]
    for folder in sorted(groups, key=lambda f: (f != host, f)):
        lines.append("")
        if folder != host:
            lines += [f"### In `{_relative(folder, host)}/`", ""]
        for node, anchors in sorted(groups[folder], key=_order):
            scope = ", ".join(f"`{_relative(a.label, host)}`" for a in anchors if _specific(a))
            lines.append(f"- {_line(node)}" + (f" (governs {scope})" if scope else ""))
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def _write_block(
    root: Path, rel: str, block: str | None, result: ExportResult, force: bool
) -> None:
    """Put `block` in place of the old one (or after the file's text); None removes it. A file
    whose block is unclosed, doubled or edited inside is left alone unless `force`."""
    path = root / rel
    old = _read(path) if path.is_file() else None
    lines = (old or "").splitlines(keepends=True)
    spans = sorted(block_spans(lines).values(), key=lambda s: s.begin)
    if not spans and block is None:
        return  # nothing of graphmem's in it: not graphmem's to touch
    if not force and (problem := _block_problem(lines, spans)):
        result.skip(rel, *problem)
        return
    newline = "\r\n" if "\r\n" in (old or "") else "\n"
    if spans:
        first = spans[0]
        inside = {n for s in spans for n in range(s.begin, s.stop)}
        before = "".join(lines[: first.begin - 1])
        after = "".join(
            line for n, line in enumerate(lines, 1) if n >= first.stop and n not in inside
        )
    else:
        text = old or ""
        before, after = (text.rstrip("\r\n") + newline * 2 if text.strip() else ""), ""
    if block is not None:
        if before and not before.endswith("\n"):
            before += newline
        new = before + block.replace("\n", newline) + after
    elif before.strip():
        new = before.rstrip("\r\n") + newline + after
    else:
        new = after.lstrip("\r\n")
    if new == old:
        result.unchanged.append(rel)
    elif not new.strip():
        path.unlink()
        result.removed.append(rel)
    else:
        _save(path, new)
        result.written.append(rel)


def _block_problem(lines: list[str], spans: list[BlockSpan]) -> tuple[int, str] | None:
    """(line, what is wrong and what to do) if rewriting the block would lose someone's text."""
    for span in spans:
        if not span.closed:
            return span.begin, (
                f"graphmem's block is never closed (no `{BLOCK_END}`); not rewritten, so nothing"
                f" below it is lost: put `{BLOCK_END}` on the line after line {span.stop - 1}"
                f" and export again, {_FORCE} end the block there"
            )
    if len(spans) > 1:
        return spans[1].begin, (
            "a second graphmem block; not rewritten: delete one of the two blocks and export"
            f" again, {_FORCE} keep only the first"
        )
    for span in spans:
        for n in range(span.begin + 1, span.stop - 1):
            if not BLOCK_LINE.match(lines[n - 1].strip()):
                return n, (
                    "a line inside graphmem's block that graphmem did not write; not rewritten,"
                    " so it is not lost: move it out of the block (above"
                    f" `<!-- graphmem:begin` or below `{BLOCK_END}`) and export again,"
                    f" {_FORCE} drop it"
                )
    return None


# -- claude-rules / cursor-rules ---------------------------------------------------------------


def export_rules(
    store: GraphStore,
    repo: str,
    root: Path,
    branch: str | None,
    user: str | None,
    flavour: RulesFlavour,
    *,
    force: bool = False,
) -> ExportResult:
    """One rules file per scope; graphmem's earlier files that no longer apply are removed."""
    result = ExportResult(format=f"{flavour}-rules")
    groups: dict[tuple[str, ...], list[Node]] = {}
    for node in _exportable(store, repo, branch, user):
        result.memories += 1
        globs = tuple(sorted({_glob(a) for a in anchors_of(node) if _specific(a)}))
        groups.setdefault(globs, []).append(node)
    folder = ".claude/rules" if flavour == "claude" else ".cursor/rules"
    suffix = ".md" if flavour == "claude" else ".mdc"
    wanted = {}
    for globs, nodes in groups.items():
        wanted[f"{folder}/graphmem-{_slug(globs)}{suffix}"] = _rules_file(flavour, globs, nodes)
    existing = [p for p in _listed(root, folder) if _generated(root / p)]
    for rel in sorted(set(wanted) | set(existing)):
        path = root / rel
        old = _read(path) if path.is_file() else None
        changed = old is not None and old != wanted.get(rel) and not force
        if changed and old is not None and (problem := _rules_problem(old)):
            result.skip(rel, *problem)
            continue
        _write_file(root, rel, wanted.get(rel), result)
    return result


def _rules_problem(text: str) -> tuple[int, str] | None:
    """(line, what to do) if `text` holds something graphmem did not write (rules file)."""
    lines = text.splitlines()
    meta = front_matter(lines)
    if GENERATED_KEY not in meta.data:
        return 1, (
            f"not written by graphmem (no `{GENERATED_KEY}` key in its front matter), so not"
            " overwritten: rename it (`graphmem ingest` still reads its rules) and export"
            f" again, {_FORCE} replace it"
        )
    if meta.body_line > 1:
        for n in range(2, meta.body_line - 1):
            key = _TOP_KEY.match(lines[n - 1])
            if key and key.group(1).lower() not in _RULES_KEYS:
                return n, (
                    f"front-matter key `{key.group(1)}` that graphmem did not write; not"
                    " rewritten, so it is not lost: move what you added into a rules file of"
                    f" your own, {_FORCE} drop it"
                )
    for n in range(meta.body_line, len(lines) + 1):
        line = lines[n - 1].strip()
        if not _RULES_LINE.match(line):
            return n, (
                "a line graphmem did not write (and does not read back: the file has a"
                f" `{GENERATED_KEY}` key); not rewritten, so it is not lost: move it into a"
                f" rules file of your own, {_FORCE} drop it"
            )
    return None


def _rules_file(flavour: RulesFlavour, globs: tuple[str, ...], nodes: list[Node]) -> str:
    meta: dict[str, object] = {GENERATED_KEY: {"generated": True}}
    where = ", ".join(f"`{g}`" for g in globs) or "the whole repository"
    if flavour == "claude":
        if globs:
            meta["paths"] = list(globs)
    else:
        meta["description"] = f"Recorded project memory for {where}"
        meta["globs"] = ",".join(globs)
        meta["alwaysApply"] = not globs
    head = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip()
    fmt = "claude-rules" if flavour == "claude" else "cursor-rules"
    lines = ["---", head, "---", "", f"# Recorded project memory for {where}", ""]
    lines += [_INTRO.format(fmt=fmt), ""]
    lines += [f"- {_line(n)}" for n in sorted(nodes, key=lambda n: _order((n, [])))]
    return "\n".join(lines) + "\n"


# -- adr ---------------------------------------------------------------------------------------


@dataclass
class _AdrFolder:
    """What an ADR export needs to know about the repository's ADRs."""

    root: Path
    folder: str  # where new ADRs go
    style: AdrStyle
    texts: dict[str, str]  # every ADR file there is, by path
    located: dict[str, str]  # memory id -> the ADR file that states it (or will)
    titles: dict[str, str]  # path -> the title of an ADR about to be written

    def path_of(self, memory_id: str) -> str | None:
        return self.located.get(memory_id)

    def title_of(self, rel: str) -> str:
        if rel in self.titles:
            return self.titles[rel]
        text = self.texts.get(rel, "")
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
        return PurePosixPath(rel).stem

    def ids_by_path(self) -> dict[str, str]:
        return {path: memory_id for memory_id, path in self.located.items()}


def export_adrs(
    store: GraphStore,
    repo: str,
    root: Path,
    branch: str | None,
    user: str | None,
    *,
    force: bool = False,
) -> ExportResult:
    """One ADR per decision not from a hand-written ADR, kept in step (module docstring)."""
    result = ExportResult(format="adr")
    files = walk_repository(root).files
    folders = adr_dirs(root, files)
    known = find_adrs(files, folders)
    texts = {rel: _read(root / rel) for rel in known}
    folder = _adr_folder(folders, known)
    by_id: dict[str, str] = {}
    for rel, text in texts.items():
        generated = _generated_key(text)
        if generated.get("id"):
            by_id.setdefault(str(generated["id"]), rel)
    scope = ReadScope(store, repo, branch, user, include_history=True)
    names = [PurePosixPath(r).name for r in known if _parent(r) == folder]
    leads = [m.group(1) for n in names if (m := re.match(r"(\d{1,4})-", n))]
    next_number = max((int(d) for d in leads), default=0) + 1
    width = max((len(d) for d in leads), default=4)
    dated = bool(names) and all(re.match(r"\d{8}-", n) for n in names)
    nodes = store.find_nodes(Label.DECISION, {"repo": repo}, embeddings=False)
    adrs = _AdrFolder(root, folder, _adr_style(root, files, folder, texts), texts, {}, {})
    adrs.located = {n.id: str(n.get("document_path")) for n in nodes if n.get("document_path")}
    adrs.located.update(by_id)
    taken = set(files)
    planned: list[tuple[Node, str, int | None]] = []
    for node in sorted(nodes, key=lambda n: (str(n.get("created_at")), n.id)):
        fmt = node.get("document_format")
        if not scope.serves(node) or node.get("revision_of") or (fmt and fmt != "graphmem"):
            continue
        rel = by_id.get(node.id) or (str(node.get("document_path") or "") if fmt else "")
        if node.get("status") == MemoryStatus.RETRACTED and not rel:
            continue  # withdrawn before it was ever written out: nothing to correct
        number = None
        if not rel:
            slug = _slug([str(node.get("text"))], 50)
            if dated:  # log4brains names files by date: YYYYMMDD-slug.md
                stem = f"{folder}/{str(node.get('created_at'))[:10].replace('-', '')}-{slug}"
                rel, k = f"{stem}.md", 2
                while rel in taken or (root / rel).exists():
                    rel, k = f"{stem}-{k}.md", k + 1
            else:
                number, next_number = next_number, next_number + 1
                rel = f"{folder}/{number:0{width}d}-{slug}.md"
            taken.add(rel)
            adrs.titles[rel] = _numbered(number, _title(node), adrs.style)
        adrs.located[node.id] = rel
        planned.append((node, rel, number))
    for node, rel, number in planned:
        result.memories += 1
        path = root / rel
        old = texts[rel] if rel in texts else (_read(path) if path.is_file() else None)
        status = _AdrStatus.of(store, node)
        if old is None:
            _write_file(root, rel, _adr_file(store, node, rel, number, status, adrs), result)
        else:
            _update_adr(store, node, rel, old, status, adrs, result, force)
    return result


@dataclass
class _AdrStatus:
    """A memory's lifecycle as an ADR states it."""

    word: str  # proposed | accepted | superseded | deprecated
    heads: list[str]  # what supersedes it

    @classmethod
    def of(cls, store: GraphStore, node: Node) -> _AdrStatus:
        status = str(node.get("status"))
        if status == MemoryStatus.SUPERSEDED:
            later = store.edges([node.id], [RelType.SUPERSEDED_BY], Direction.OUT)
            heads = sorted(e.target for e in later if not e.properties.get("reverted_at"))
            return cls("superseded", heads) if heads else cls("deprecated", [])
        if status == MemoryStatus.ACTIVE:
            return cls("proposed" if PROPOSED_TAG in (node.get("tags") or []) else "accepted", [])
        return cls("deprecated", [])

    def stated_by(self, entry: Entry, heads: set[str | None]) -> bool:
        """Whether a file's status says this (a rejected or a superseded ADR without a
        successor here is a retracted memory, written "deprecated")."""
        if self.word == "deprecated":
            return entry.status in ("rejected", "deprecated", "superseded")
        if self.word == "superseded":
            return entry.status == "superseded" and heads == set(self.heads)
        return entry.status == self.word

    def madr(self, rel: str, adrs: _AdrFolder) -> str:
        """MADR 4's status value: ``superseded by ADR-0123`` (a link, or the memory id, when
        the successor is no numbered ADR of the same folder)."""
        if self.word != "superseded":
            return self.word
        refs = []
        for head in self.heads:
            target = adrs.path_of(head)
            number = re.match(r"(\d{1,5})-", PurePosixPath(target).name) if target else None
            if target and number and _parent(target) == _parent(rel):
                refs.append(f"ADR-{number.group(1)}")
            elif target:
                refs.append(f"[{adrs.title_of(target)}]({_link(rel, target)})")
            else:
                refs.append(head)
        return "superseded by " + ", ".join(refs)

    def nygard(self, rel: str, adrs: _AdrFolder) -> list[str]:
        """The lines of a Nygard status section, as adr-tools writes them."""
        if self.word != "superseded":
            return [self.word.capitalize()]
        lines = []
        for head in self.heads:
            target = adrs.path_of(head)
            ref = f"[{adrs.title_of(target)}]({_link(rel, target)})" if target else head
            lines.append(f"Superseded by {ref}")
        return lines


def _adr_file(
    store: GraphStore,
    node: Node,
    rel: str,
    number: int | None,
    status: _AdrStatus,
    adrs: _AdrFolder,
) -> str:
    """A new ADR for `node` in the folder's style."""
    tags = [str(t) for t in node.get("tags") or []]
    date = str(node.get("created_at") or "")[:10]
    text = str(node.get("text") or "").strip()
    rationale = str(node.get("rationale") or "").strip()
    meta: dict[str, object] = {}
    if adrs.style == "madr":
        meta["status"] = status.madr(rel, adrs)
        meta["date"] = date
        if node.get("author"):
            meta["decision-makers"] = str(node.get("author"))
    if tags:
        meta["tags"] = tags
    generated = _generated_for(store, node)
    meta[GENERATED_KEY] = generated
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip(), "---", ""]
    if adrs.style == "madr":
        lines += [f"# {_title(node)}", ""]
        if rationale:
            lines += ["## Context and Problem Statement", "", rationale, ""]
        lines += ["## Decision Outcome", "", text, ""]
        return "\n".join(lines)
    if number is None and (lead := re.match(r"(\d{1,4})-", PurePosixPath(rel).name)):
        number = int(lead.group(1))  # a file written again where it was
    lines += [f"# {_numbered(number, _title(node), 'nygard')}", "", f"Date: {date}", ""]
    lines += ["## Status", "", *status.nygard(rel, adrs), ""]
    for earlier in generated["supersedes"]:
        if target := adrs.path_of(earlier):
            lines += [f"Supersedes [{adrs.title_of(target)}]({_link(rel, target)})", ""]
    lines += ["## Context", ""] + ([rationale, ""] if rationale else [])
    lines += ["## Decision", "", text, "", "## Consequences", ""]
    return "\n".join(lines)


def _update_adr(
    store: GraphStore,
    node: Node,
    rel: str,
    old: str,
    status: _AdrStatus,
    adrs: _AdrFolder,
    result: ExportResult,
    force: bool,
) -> None:
    """Bring an existing ADR's status and ``graphmem`` key in step with its memory, changing
    those lines only; never its prose, which the memory follows (`graphmem ingest`)."""
    generated = _generated_key(old)
    if generated.get("id") != node.id:
        claim = f"`{GENERATED_KEY}.id: {generated['id']}`" if generated.get("id") else "no id"
        problem = (
            f"holds {claim}, not {node.id}: not graphmem's file for this memory, so not"
            f" overwritten: move it away and export again, {_FORCE} replace it"
        )
        if not force:
            result.skip(rel, 1, problem)
            return
        _write_file(adrs.root, rel, _adr_file(store, node, rel, None, status, adrs), result)
        return
    [entry] = parse_adr(rel, old).entries or [None]  # type: ignore[list-item]
    if entry is None:
        result.skip(rel, 1, f"states no decision any more; {_FORCE} write it again")
        return
    new = old
    ids = adrs.ids_by_path()
    paths = sorted(set(adrs.texts) | set(adrs.located.values()))
    heads = {_resolved(ref, rel, ids, paths) for ref in entry.superseded_by}
    if not status.stated_by(entry, heads):
        if not force and not _file_status_unchanged(node, rel, entry):
            result.skip(rel, _status_line(old), (
                f"says {entry.status!r}, memory {node.id} is {status.word!r}, and the file's"
                " status changed since the memory last read it; not rewritten: run `graphmem"
                " ingest` to take the file's status into the memory and export again,"
                f" {_FORCE} write the memory's status"
            ))  # fmt: skip
            return
        updated = _with_status(new, status, rel, adrs)
        if updated is None:
            result.skip(rel, 1, _UNEDITABLE)
            return
        new = updated
    wanted = {**generated, **_generated_for(store, node)}
    if wanted != generated:
        read_hash = node.get("document_hash")
        edited = node.get("document_path") == rel and read_hash != entry.content_hash()
        if edited and read_hash and not force:
            result.skip(rel, 1, (
                f"its `{GENERATED_KEY}` key (what it governs, what it supersedes) differs from"
                f" memory {node.id}, and the file changed since the memory last read it; not"
                " rewritten: run `graphmem ingest` to take the file into the memory and export"
                f" again, {_FORCE} write the memory's"
            ))  # fmt: skip
            return
        updated = _with_front_matter(new, {GENERATED_KEY: wanted}, force)
        if updated is None:
            result.skip(rel, 1, _UNEDITABLE)
            return
        new = updated
    if new == old:
        result.unchanged.append(rel)
    else:
        _save(adrs.root / rel, new)
        result.written.append(rel)


_UNEDITABLE = (
    "its front matter cannot be edited line by line (graphmem would rewrite all of it); not"
    f" rewritten: set the status by hand, {_FORCE} rewrite the front matter"
)


def _file_status_unchanged(node: Node, rel: str, entry: Entry) -> bool:
    """Whether the status a file states is still the one the memory last read (so a change of
    the memory's, a supersession or a retraction since, is the newer one). A memory never
    read back from its file: the file says what graphmem wrote while it was active."""
    if node.get("document_path") == rel and node.get("document_status"):
        return bool(entry.status == node.get("document_status"))
    active = "proposed" if PROPOSED_TAG in (node.get("tags") or []) else "accepted"
    return entry.status == active and node.get("status") != MemoryStatus.ACTIVE


def _status_line(text: str) -> int:
    """The line that states an ADR's status: its front-matter key, or its ``## Status``."""
    lines = text.splitlines()
    body = front_matter(lines).body_line
    for n, line in enumerate(lines[: body - 1], 1):
        if re.match(r"^status\s*:", line, re.I):
            return n
    for n, line in enumerate(lines[body - 1 :], body):
        if _STATUS_HEADING.match(line):
            return n
    return 1


def _resolved(ref: str, rel: str, ids: dict[str, str], paths: list[str]) -> str | None:
    if _MEMORY_ID.match(ref):
        return ref
    path = resolve_reference(ref, rel, paths)
    return ids.get(path) if path else None


def _with_status(text: str, status: _AdrStatus, rel: str, adrs: _AdrFolder) -> str | None:
    """`text` stating `status`: in its front matter if it has a ``status`` key there or no
    ``## Status`` section, else in that section (other links there kept)."""
    lines = text.splitlines(keepends=True)
    meta = front_matter([line.rstrip("\r\n") for line in lines])
    section = _status_section(lines, meta.body_line)
    if "status" in meta.data or section is None:
        return _with_front_matter(text, {"status": status.madr(rel, adrs)}, False)
    start, stop = section
    newline = "\r\n" if "\r\n" in text else "\n"
    kept = [
        line.strip()
        for line in lines[start:stop]
        if _LINK_LINE.match(line) and not _SUPERSEDED_BY.match(line)
    ]
    body = ["", *status.nygard(rel, adrs), ""]
    for line in kept:
        body += [line, ""]
    return "".join(lines[:start]) + "".join(b + newline for b in body) + "".join(lines[stop:])


def _status_section(lines: list[str], first: int) -> tuple[int, int] | None:
    """[start, stop) of the body of the ``## Status`` section, as 0-based line indexes."""
    fenced = False
    start = None
    for i in range(first - 1, len(lines)):
        line = lines[i].rstrip("\r\n")
        if _FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        if start is not None and _HEADING.match(line):
            return start, i
        if start is None and _STATUS_HEADING.match(line):
            start = i + 1
    return (start, len(lines)) if start is not None else None


def _with_front_matter(text: str, updates: dict[str, object], force: bool) -> str | None:
    """`text` with its front-matter keys in `updates` set, every other line as it was; None
    if that cannot be done line by line (``force``: rewrite the whole front matter then)."""
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if not lines or lines[0].strip() != "---":
        return None
    close = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if close is None:
        return None
    before = front_matter([line.rstrip("\r\n") for line in lines])
    expected = {**before.data, **{k.lower(): v for k, v in updates.items()}}

    def dump(data: dict[str, object]) -> str:
        out = str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        return out.replace("\n", newline)

    chunks: list[tuple[str | None, list[str]]] = []
    for line in lines[1:close]:
        top = _TOP_KEY.match(line)
        if top:
            chunks.append((top.group(1).lower(), [line]))
        elif chunks and chunks[-1][0] is not None and line[:1] in (" ", "\t", "-"):
            chunks[-1][1].append(line)
        else:
            chunks.append((None, [line]))
    wanted = {k.lower(): v for k, v in updates.items()}
    out: list[str] = []
    done: set[str] = set()
    for key, chunk in chunks:
        if key in wanted:
            if key not in done:
                out.append(dump({key: wanted[key]}))
            done.add(key)
        else:
            out.extend(chunk)
    head = [dump({k: v}) for k, v in wanted.items() if k not in done and k == "status"]
    tail = [dump({k: v}) for k, v in wanted.items() if k not in done and k != "status"]
    new = lines[0] + "".join(head + out + tail) + "".join(lines[close:])
    after = front_matter(new.splitlines())
    if after.error is None and after.data == expected:
        return new
    if not force:
        return None
    return "---" + newline + dump(expected) + "".join(lines[close:])


def _generated_for(store: GraphStore, node: Node) -> dict[str, list[str] | str]:
    """The ``graphmem`` front-matter key of `node`'s ADR (earlier versions of its own text,
    ``<id>.rN``, are its history, not decisions it supersedes)."""
    earlier = store.edges([node.id], [RelType.SUPERSEDED_BY], Direction.IN)
    return {
        "id": node.id,
        "kind": str(node.get("kind")),
        "governs": [_target(a) for a in anchors_of(node) if _specific(a)],
        "supersedes": sorted(
            e.source for e in earlier if not e.properties.get("reverted_at") and "." not in e.source
        ),
    }


def _generated_key(text: str) -> dict[str, object]:
    meta = front_matter(text.splitlines())
    generated = meta.data.get(GENERATED_KEY)
    return generated if isinstance(generated, dict) else {}


def _title(node: Node) -> str:
    text = str(node.get("text") or "").strip()
    title = _one_line(text.splitlines()[0] if text else node.id)
    return title if len(title) <= 80 else title[:79].rstrip() + "…"


def _numbered(number: int | None, title: str, style: AdrStyle) -> str:
    """A Nygard title carries its number, as adr-tools writes it: ``# 12. Title``."""
    return f"{number}. {title}" if style == "nygard" and number is not None else title


def _adr_folder(folders: list[str], known: list[str]) -> str:
    if known:
        return str(PurePosixPath(known[0]).parent)
    return folders[0] if folders else "docs/decisions"


def _adr_style(root: Path, files: list[str], folder: str, texts: dict[str, str]) -> AdrStyle:
    """Nygard if most hand-written ADRs of `folder` have a ``## Status`` section and no
    front-matter status (adr-tools' format), or there are none and ``.adr-dir`` names it."""
    theirs = [t for r, t in texts.items() if _parent(r) == folder and not _generated_key(t)]
    if theirs:
        nygard = sum(
            1
            for t in theirs
            if any(_STATUS_HEADING.match(line) for line in t.splitlines())
            and "status" not in front_matter(t.splitlines()).data
        )
        return "nygard" if nygard * 2 > len(theirs) else "madr"
    if ".adr-dir" in files:
        declared = _read(root / ".adr-dir").strip().strip("/")
        if posixpath.normpath(declared or ".") == posixpath.normpath(folder):
            return "nygard"
    return "madr"


def _link(rel: str, target: str) -> str:
    """A relative link from the ADR at `rel` to the file at `target`."""
    return posixpath.relpath(target, _parent(rel) or ".")


# -- shared ------------------------------------------------------------------------------------


def _exportable(store: GraphStore, repo: str, branch: str | None, user: str | None) -> list[Node]:
    """Served memories worth writing for agents: not preferences, not rules read from files."""
    scope = ReadScope(store, repo, branch, user)
    nodes = store.find_nodes(
        Label.MEMORY, {"repo": repo, "status": MemoryStatus.ACTIVE.value}, embeddings=False
    )
    return [
        n
        for n in nodes
        if scope.serves(n)
        and n.get("kind") != MemoryKind.PREFERENCE
        and n.get("document_format") not in _RULES_FORMATS
    ]


def _line(node: Node) -> str:
    kind = str(node.get("kind"))
    proposed = " (proposed)" if PROPOSED_TAG in (node.get("tags") or []) else ""
    return f"**{kind}**{proposed} `{node.id}`: {_one_line(str(node.get('text') or ''))}"


def _one_line(text: str) -> str:
    """Memory text on one line, unable to open or close an HTML comment (the block markers)."""
    flat = re.sub(r"\s+", " ", text).strip()
    return flat.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def _order(item: tuple[Node, list[Anchor]]) -> tuple[int, str, str]:
    node = item[0]
    kind = MemoryKind(str(node.get("kind")))
    return (_KIND_ORDER.get(kind, 9), str(node.get("created_at")), node.id)


def _specific(anchor: Anchor) -> bool:
    return anchor.kind not in ("Repository", "") and anchor.kind != "Commit"


def _folder_of(anchor: Anchor) -> str:
    if not _specific(anchor):
        return ""
    if anchor.kind == "Directory":
        return anchor.path
    return _parent(anchor.path)


def _parent(path: str) -> str:
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


def _relative(label: str, folder: str) -> str:
    """A label as seen from the AGENTS.md in `folder`."""
    if folder and label.startswith(folder + "/") and label != folder + "/":
        return label[len(folder) + 1 :]
    return label


def _glob(anchor: Anchor) -> str:
    return f"{anchor.path}/**" if anchor.kind == "Directory" else anchor.path


def _target(anchor: Anchor) -> str:
    """The TARGET that resolves back to the anchor (graphmem.memory.targets)."""
    if anchor.kind == "Directory":
        return f"{anchor.path}/"
    if anchor.kind == "Module" or not anchor.qualified_name:
        return anchor.path
    if anchor.kind == "Service":
        return anchor.qualified_name
    return f"{anchor.path}::{anchor.qualified_name}" if anchor.path else anchor.qualified_name


def _slug(parts: Iterable[str], length: int = 60) -> str:
    text = "-".join(parts) or "repository"
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold().replace("**", "")).strip("-")
    return slug[:length].strip("-") or "repository"


def _listed(root: Path, folder: str) -> list[str]:
    base = root / folder
    if not base.is_dir():
        return []
    return sorted(f"{folder}/{p.name}" for p in base.iterdir() if p.is_file())


def _generated(path: Path) -> bool:
    meta = front_matter(_read(path).splitlines())
    return GENERATED_KEY in meta.data


def _read(path: Path) -> str:
    """A file's text exactly as it is (line endings kept)."""
    with path.open(encoding="utf-8", errors="replace", newline="") as fp:
        return fp.read()


def _save(path: Path, text: str) -> None:
    """Replace `path` whole: written beside it, then renamed over it, so a failure half-way
    leaves the old file, never half of the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.graphmem-partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as fp:
            fp.write(text)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _write_file(root: Path, rel: str, text: str | None, result: ExportResult) -> None:
    path = root / rel
    old = _read(path) if path.is_file() else None
    if text is None:
        if old is not None:
            path.unlink()
            result.removed.append(rel)
        return
    if old == text:
        result.unchanged.append(rel)
        return
    _save(path, text)
    result.written.append(rel)
