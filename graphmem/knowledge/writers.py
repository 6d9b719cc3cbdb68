"""Memories out, in the files teams and agents already read: AGENTS.md, rules files, ADRs.

- ``agents-md``: a managed block (between `BLOCK_BEGIN` and `BLOCK_END`) in the root AGENTS.md
  (and CLAUDE.md, if there is one) for repository-wide memories, and in ``<dir>/AGENTS.md``
  for memories on a folder or on code inside it. Everything outside the block is left as it is;
  a block with nothing left to say is removed, and a file that held only the block with it.
- ``claude-rules`` / ``cursor-rules``: one ``.claude/rules/graphmem-<scope>.md`` (front matter
  ``paths:``) or ``.cursor/rules/graphmem-<scope>.mdc`` (``globs:``) per scope, so an agent
  loads a rule only when it touches that code; repository-wide ones always apply.
- ``adr``: one MADR 4 file per decision (active or superseded, so its history travels too)
  that did not come from a hand-written ADR, with ``graphmem: {id, kind, governs,
  supersedes}`` front matter, so ingesting it gives back the same memory (same id, no
  duplicate).

The rules exports serve what `context` serves (active memories, this branch, no one else's
preferences) and never re-export rules that came from rules files. Every export is
idempotent: a second run writes nothing. In AGENTS.md and rules files memory text is written
on one line, with comment markers defused, so it can never close the managed block or open a
new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Literal

import yaml

from graphmem.ingest.file_walk import walk_repository
from graphmem.knowledge.adr import adr_dirs, find_adrs
from graphmem.knowledge.documents import BLOCK_BEGIN, BLOCK_END, GENERATED_KEY, PROPOSED_TAG
from graphmem.knowledge.markdown import front_matter
from graphmem.memory.governance import ReadScope
from graphmem.memory.results import Anchor, anchors_of
from graphmem.model import Label, MemoryKind, MemoryStatus, Node, RelType
from graphmem.model.base import Record, field
from graphmem.store import Direction, GraphStore

__all__ = ["ExportResult", "export_adrs", "export_agents_md", "export_rules"]

RulesFlavour = Literal["claude", "cursor"]
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


class ExportResult(Record):
    format: str
    memories: int = 0
    written: list[str] = field(default_factory=list, description="files created or changed")
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


# -- agents-md ---------------------------------------------------------------------------------


def export_agents_md(
    store: GraphStore, repo: str, root: Path, branch: str | None, user: str | None
) -> ExportResult:
    """The managed block in every AGENTS.md that has something to hold (module docstring)."""
    result = ExportResult(format="agents-md")
    groups: dict[str, list[tuple[Node, list[Anchor]]]] = {}
    for node in _exportable(store, repo, branch, user):
        result.memories += 1
        by_dir: dict[str, list[Anchor]] = {}
        for anchor in anchors_of(node):
            by_dir.setdefault(_folder_of(anchor), []).append(anchor)
        for folder, anchors in (by_dir or {"": []}).items():
            groups.setdefault(folder, []).append((node, anchors))
    targets = {(f"{d}/AGENTS.md" if d else "AGENTS.md"): d for d in groups}
    if "AGENTS.md" in targets and (root / "CLAUDE.md").is_file():
        targets["CLAUDE.md"] = ""
    files = walk_repository(root).files
    present = [f for f in files if PurePosixPath(f).name in ("AGENTS.md", "CLAUDE.md")]
    for rel in sorted(set(targets) | set(present)):
        where = targets.get(rel)
        block = _block(groups[where], where) if where is not None else None
        _write_block(root, rel, block, result)
    return result


def _block(items: list[tuple[Node, list[Anchor]]], folder: str) -> str:
    lines = [BLOCK_BEGIN, "## Recorded project memory", "", _INTRO.format(fmt="agents-md"), ""]
    for node, anchors in sorted(items, key=_order):
        scope = ", ".join(f"`{_relative(a.label, folder)}`" for a in anchors if _specific(a))
        lines.append(f"- {_line(node)}" + (f" (governs {scope})" if scope else ""))
    lines.append(BLOCK_END)
    return "\n".join(lines) + "\n"


def _write_block(root: Path, rel: str, block: str | None, result: ExportResult) -> None:
    """Put `block` in place of the old one (or after the file's text); None removes it."""
    path = root / rel
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if block is None and BLOCK_BEGIN not in (old or ""):
        return  # nothing of graphmem's in it: not graphmem's to touch
    text = old or ""
    if BLOCK_BEGIN in text:
        start = text.index(BLOCK_BEGIN)
        marker = text.find(BLOCK_END, start)
        end = len(text) if marker < 0 else marker + len(BLOCK_END)
        end += text[end : end + 1] == "\n"
        before, after = text[:start], text[end:]
    else:
        before, after = (text.rstrip("\n") + "\n\n" if text.strip() else ""), ""
    if block is not None:
        new = before + block + after
    elif before.strip():
        new = before.rstrip("\n") + "\n" + after
    else:
        new = after.lstrip("\n")
    if new == old:
        result.unchanged.append(rel)
    elif not new.strip():
        path.unlink()
        result.removed.append(rel)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(new, encoding="utf-8")
        result.written.append(rel)


# -- claude-rules / cursor-rules ---------------------------------------------------------------


def export_rules(
    store: GraphStore,
    repo: str,
    root: Path,
    branch: str | None,
    user: str | None,
    flavour: RulesFlavour,
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
        _write_file(root, rel, wanted.get(rel), result)
    return result


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


def export_adrs(
    store: GraphStore, repo: str, root: Path, branch: str | None, user: str | None
) -> ExportResult:
    """One MADR file per decision not from a hand-written ADR (module docstring)."""
    result = ExportResult(format="adr")
    files = walk_repository(root).files
    folders = adr_dirs(root, files)
    known = find_adrs(files, folders)
    folder = _adr_folder(folders, known)
    by_id = {}
    for rel in known:
        meta = front_matter((root / rel).read_text(encoding="utf-8", errors="replace").splitlines())
        generated = meta.data.get(GENERATED_KEY)
        if isinstance(generated, dict) and generated.get("id"):
            by_id[str(generated["id"])] = rel
    scope = ReadScope(store, repo, branch, user, include_history=True)
    names = [PurePosixPath(r).name for r in known if str(PurePosixPath(r).parent) == folder]
    numbers = [int(m.group(1)) for n in names if (m := re.match(r"(\d{1,4})-", n))]
    next_number = max(numbers, default=0) + 1
    dated = bool(names) and all(re.match(r"\d{8}-", n) for n in names)
    nodes = store.find_nodes(Label.DECISION, {"repo": repo}, embeddings=False)
    for node in sorted(nodes, key=lambda n: (str(n.get("created_at")), n.id)):
        fmt = node.get("document_format")
        if not scope.serves(node) or node.get("revision_of") or (fmt and fmt != "graphmem"):
            continue
        rel = by_id.get(node.id) or (str(node.get("document_path") or "") if fmt else "")
        if node.get("status") == MemoryStatus.RETRACTED and not rel:
            continue  # withdrawn before it was ever written out: nothing to correct
        if not rel:
            slug = _slug([str(node.get("text"))], 50)
            if dated:  # log4brains names files by date: YYYYMMDD-slug.md
                rel = f"{folder}/{str(node.get('created_at'))[:10].replace('-', '')}-{slug}.md"
            else:
                rel = f"{folder}/{next_number:04d}-{slug}.md"
                next_number += 1
        result.memories += 1
        _write_file(root, rel, _adr_file(store, node), result)
    return result


def _adr_file(store: GraphStore, node: Node) -> str:
    status = str(node.get("status"))
    tags = [str(t) for t in node.get("tags") or []]
    if status == MemoryStatus.SUPERSEDED:
        later = store.edges([node.id], [RelType.SUPERSEDED_BY], Direction.OUT)
        heads = sorted(e.target for e in later if not e.properties.get("reverted_at"))
        stated = f"superseded by {', '.join(heads)}" if heads else "deprecated"
    elif status == MemoryStatus.ACTIVE:
        stated = "proposed" if PROPOSED_TAG in tags else "accepted"
    else:
        stated = "deprecated"
    earlier = store.edges([node.id], [RelType.SUPERSEDED_BY], Direction.IN)
    generated: dict[str, object] = {"id": node.id, "kind": str(node.get("kind"))}
    generated["governs"] = [_target(a) for a in anchors_of(node) if _specific(a)]
    generated["supersedes"] = sorted(
        e.source for e in earlier if not e.properties.get("reverted_at") and "." not in e.source
    )
    meta: dict[str, object] = {"status": stated, "date": str(node.get("created_at") or "")[:10]}
    if node.get("author"):
        meta["decision-makers"] = str(node.get("author"))
    if tags:
        meta["tags"] = tags
    meta[GENERATED_KEY] = generated
    text = str(node.get("text") or "").strip()
    title = _one_line(text.splitlines()[0] if text else node.id)
    title = title if len(title) <= 80 else title[:79].rstrip() + "…"
    lines = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True).strip(), "---", ""]
    lines += [f"# {title}", ""]
    if node.get("rationale"):
        lines += ["## Context and Problem Statement", "", str(node.get("rationale")).strip(), ""]
    lines += ["## Decision Outcome", "", text, ""]
    return "\n".join(lines)


def _adr_folder(folders: list[str], known: list[str]) -> str:
    if known:
        return str(PurePosixPath(known[0]).parent)
    return folders[0] if folders else "docs/decisions"


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
    parent = str(PurePosixPath(anchor.path).parent)
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
    meta = front_matter(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return GENERATED_KEY in meta.data


def _write_file(root: Path, rel: str, text: str | None, result: ExportResult) -> None:
    path = root / rel
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if text is None:
        if old is not None:
            path.unlink()
            result.removed.append(rel)
        return
    if old == text:
        result.unchanged.append(rel)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    result.written.append(rel)
