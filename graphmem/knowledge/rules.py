"""Rules files written for coding agents: where they are, and the rules each one states.

| file | scope |
|---|---|
| ``AGENTS.md``, ``CLAUDE.md``, ``CONVENTIONS.md`` (any folder) | the folder it sits in |
| ``.claude/CLAUDE.md``, ``.github/copilot-instructions.md``, ``.cursorrules`` | the repository |
| ``.claude/rules/*.md`` | front matter ``paths:`` (else the repository) |
| ``.cursor/rules/*.mdc`` | front matter ``globs:`` (else the repository) |
| ``.github/instructions/*.instructions.md`` | front matter ``applyTo:`` (else the repository) |

Each top-level bullet is one rule; a section (## or deeper) with no bullets is one rule if it is
short; the text under the title is an introduction, not a rule. A rule
that says must / never / always / do not ... is a constraint, anything else a fact. What graphmem
wrote itself (its managed block, files with a ``graphmem`` front-matter key) is not read back,
and neither is a rules file inside test fixtures (``tests/fixtures/.../AGENTS.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from graphmem.knowledge.documents import (
    GENERATED_KEY,
    Document,
    Entry,
    in_sample_folder,
    normalised,
    text_key,
)
from graphmem.knowledge.markdown import bullets, front_matter, paragraphs, plain, sections
from graphmem.model import MemoryKind

__all__ = ["MAX_RULES_BYTES", "find_rules_files", "parse_rules"]

#: A rules file larger than this is not read (it is no longer a list of rules).
MAX_RULES_BYTES = 1_000_000
#: Most rules read from one file; more are reported and left out.
MAX_RULES_PER_FILE = 500
#: A section without bullets becomes one rule only if it is this short.
MAX_SECTION_RULE = 500

_DIRECTORY_FILES = {
    "AGENTS.md": "agents-md",
    "CLAUDE.md": "claude-md",
    "CONVENTIONS.md": "conventions",
}
_CONSTRAINT = re.compile(
    r"\b(must|never|always|do not|don't|shall|should|required|forbidden|avoid|mandatory|only)\b",
    re.I,
)
_ANCHOR_LINK = re.compile(r"^\[[^\]]*\]\(#[^)]*\)$")


def rules_format(path: str) -> str | None:
    """Which kind of rules file `path` is, or None."""
    p = PurePosixPath(path)
    text = path.replace("\\", "/")
    if p.name in _DIRECTORY_FILES:
        return _DIRECTORY_FILES[p.name]
    if text in (".github/copilot-instructions.md",):
        return "copilot"
    if text.startswith(".github/instructions/") and p.name.endswith(".instructions.md"):
        return "copilot-instructions"
    if p.suffix == ".mdc" and p.parent.name == "rules" and p.parent.parent.name == ".cursor":
        return "cursor"
    if p.name == ".cursorrules":
        return "cursorrules"
    if p.suffix == ".md" and p.parent.name == "rules" and p.parent.parent.name == ".claude":
        return "claude-rules"
    return None


def find_rules_files(files: Iterable[str]) -> list[str]:
    """The rules files among `files`, those inside test fixtures aside (see SAMPLE_DIRS)."""
    return sorted(f for f in files if rules_format(f) is not None and not in_sample_folder(f))


def parse_rules(path: str, text: str, size: int | None = None) -> Document:
    """Every rule of one rules file, scoped by the file's own convention."""
    doc = Document(path=path, family="rules")
    size = len(text.encode()) if size is None else size
    if size > MAX_RULES_BYTES:
        doc.warnings.append(
            f"{path}:1: {size} bytes is over the {MAX_RULES_BYTES}-byte limit for a rules file;"
            " not read"
        )
        return doc
    fmt = rules_format(path) or "rules"
    lines = text.splitlines()
    meta = front_matter(lines)
    if meta.error:
        doc.warnings.append(f"{path}:{meta.error}; read without it")
    if GENERATED_KEY in meta.data:
        return doc  # graphmem wrote it: its memories are already in the store
    globs = _globs(meta.data, fmt)
    directory = _directory(path, fmt)
    seen: set[str] = set()
    for section in sections(lines[meta.body_line - 1 :], meta.body_line):
        heading = plain(section.title)
        listed = bullets(section)
        items = [b for b in listed if not _ANCHOR_LINK.match(b.text.strip())]
        found = [(b.line, plain(b.text)) for b in items]
        if not listed:
            body = " ".join(paragraphs(section.text()))
            if body and len(body) <= MAX_SECTION_RULE and section.level > 1:
                found = [(section.line, plain(f"{heading}: {body}" if heading else body))]
        for line, rule in found:
            if len(rule.split()) < 4 and heading:
                rule = f"{heading}: {rule}"
            key = text_key(rule)
            if not rule or key in seen:
                continue
            if len(doc.entries) >= MAX_RULES_PER_FILE:
                doc.warnings.append(
                    f"{path}:{line}: more than {MAX_RULES_PER_FILE} rules; the rest not read"
                )
                return doc
            seen.add(key)
            doc.entries.append(
                Entry(
                    path=path,
                    key=key,
                    line=line,
                    format=fmt,
                    kind=MemoryKind.CONSTRAINT if _CONSTRAINT.search(rule) else MemoryKind.FACT,
                    text=normalised(rule),
                    tags=["rules", fmt],
                    globs=globs,
                    directory=directory,
                )
            )
    return doc


def _directory(path: str, fmt: str) -> str:
    """The folder a file governs by where it sits (only the per-folder kinds)."""
    parent = str(PurePosixPath(path).parent)
    if fmt not in _DIRECTORY_FILES.values() or parent in (".", ".claude"):
        return ""
    return parent


def _globs(meta: dict[str, object], fmt: str) -> list[str]:
    key = {"cursor": "globs", "copilot-instructions": "applyto", "claude-rules": "paths"}.get(fmt)
    value = meta.get(key) if key else None
    if fmt == "cursor" and meta.get("alwaysapply") is True:
        return []
    items = value if isinstance(value, list) else str(value or "").split(",")
    globs = [str(g).strip().strip("\"'") for g in items if str(g).strip()]
    return [] if globs in (["**"], ["**/*"], ["*"]) else globs
