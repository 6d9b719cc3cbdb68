"""Architecture Decision Records: where they live, and what each one decides.

Read formats, all Markdown:

- **Nygard / adr-tools**: ``# 1. Title``, ``Date:``, ``## Status`` (``Accepted``, ``Superseded by
  [3. ...](0003-....md)``, ``Supersedes [...]``, and adr-tools' own spelling ``Superceded by``
  / ``Supercedes``; other ``adr link`` lines such as ``Amends [...]`` are no status),
  ``## Context``, ``## Decision``, ``## Consequences``;
- **MADR 2 / log4brains**: ``* Status: accepted`` / ``- Date:`` / ``* Deciders:`` bullets under
  the title, ``## Context and Problem Statement``, ``## Decision Outcome``, a ``## Links``
  section with ``Supersedes [...]``;
- **MADR 3 / 4**: YAML front matter (``status``, ``date``, ``deciders`` or ``decision-makers``);
- **graphmem's own export**: MADR 4 front matter plus ``graphmem: {id, kind, governs,
  supersedes}``, so a file graphmem wrote comes back as the same memory.

Where: ``docs/adr``, ``doc/adr``, ``docs/decisions``, ``docs/architecture/decisions``, ``adr``
(at the root or deeper, e.g. ``packages/core/docs/adr``), the folder named by an adr-tools
``.adr-dir`` file or a log4brains ``.log4brains.yml``, and any folder the caller adds.
READMEs, indexes and templates in those folders are not decisions, and neither are the
conventional folders inside tests or test fixtures (``tests/fixtures/docs/adr``,
``integration-tests/project/docs/adr``) unless configured; a ``.log4brains.yml`` inside one
is a test's input and is not read.

Scope: an ADR governs the code it names (in backticks, by a relative link, or by a link to a
file of a GitHub, GitLab or Bitbucket repository at a revision); one that names none governs
its package when it is a package's (a log4brains package's ``adrFolder``, or a conventional
folder in a folder with a package manifest, ``packages/core/docs/adr``), else the repository.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import yaml

from graphmem.knowledge.documents import (
    GENERATED_KEY,
    PROPOSED_TAG,
    AdrStatus,
    Document,
    Entry,
    in_sample_folder,
    normalised,
)
from graphmem.knowledge.markdown import (
    Section,
    blocks,
    code_names,
    front_matter,
    links,
    paragraphs,
    plain,
    sections,
)
from graphmem.model import MemoryKind

__all__ = ["ADR_DIRS", "adr_directory", "adr_dirs", "adr_scopes", "find_adrs", "parse_adr"]

ADR_DIRS = ("docs/adr", "doc/adr", "docs/decisions", "docs/architecture/decisions", "adr")

#: Files that make a folder a package of its own (its ADRs govern it).
_MANIFESTS = (
    "package.json", "pyproject.toml", "setup.py", "setup.cfg", "Cargo.toml", "go.mod",
    "pom.xml", "build.gradle", "build.gradle.kts", "composer.json", "Gemfile", "mix.exs",
)  # fmt: skip

#: Longest text and rationale kept from one ADR; the file itself is the full record.
MAX_TEXT = 600
MAX_RATIONALE = 3000

_NOT_DECISIONS = re.compile(r"^(readme|index|template|adr-template.*|.*-template)\.md$", re.I)
_TITLE_NUMBER = re.compile(r"^(?:adr[-\s]?)?\d+[.:)\-\s]+\s*", re.I)
_META = re.compile(r"^\s*[*-]\s+(status|date|deciders|decision-makers|tags)\s*:\s*(.*)$", re.I)
_NYGARD_DATE = re.compile(r"^\s*date\s*:\s*(.+)$", re.I)
#: adr-tools itself writes "Superceded by" and "Supercedes" (src/adr-new): both spellings.
_SUPERSEDED_BY = re.compile(r"super[sc]eded\s+by\b(.*)", re.I)
_SUPERSEDES = re.compile(r"(?<!\w)super[sc]edes\b(.*)", re.I)
#: Any other link `adr link` writes into the status section: "Amends [3. ...](0003-....md)",
#: "Clarified by [...]". Not a status.
_RELATION = re.compile(r"^\s*[*-]?\s*[A-Za-z][\w -]{0,40}?:?\s*\[[^\]]*\]\([^)]*\)[\s.,;]*$")
#: A decision's first paragraph that goes on in the block after it.
_INTRODUCING = re.compile(r"(?:\bbecause|\bsince|\bas follows|\bfollowing|:)\s*[:.…]*\s*$", re.I)
_ADR_NUMBER = re.compile(r"\b(?:adr[-\s]?)?(\d{1,5})\b", re.I)
#: The words teams write for each status (govuk-aws writes "Pending", MADR's own repository
#: "on hold"), by the first word that is not a qualifier.
_STATUSES: dict[str, AdrStatus] = {
    **dict.fromkeys(
        ("proposed", "draft", "pending", "open", "review", "wip", "discussion", "hold", "rfc"),
        "proposed",
    ),
    **dict.fromkeys(
        ("accepted", "approved", "adopted", "agreed", "decided", "implemented", "active"),
        "accepted",
    ),
    **dict.fromkeys(("rejected", "declined", "abandoned", "withdrawn"), "rejected"),
    **dict.fromkeys(("deprecated", "obsolete", "retired"), "deprecated"),
    **dict.fromkeys(("superseded", "superceded", "replaced"), "superseded"),
}
_QUALIFIERS = frozenset({"status", "in", "under", "on", "being", "currently", "now"})
#: "Partly superseded": the rest of the decision still holds.
_PARTLY = frozenset({"partly", "partially"})


def adr_dirs(root: Path, files: Iterable[str], configured: Iterable[str] = ()) -> list[str]:
    """Repo-relative folders that hold ADRs here: conventional, declared, or configured."""
    return sorted(adr_scopes(root, files, configured))


def adr_scopes(root: Path, files: Iterable[str], configured: Iterable[str] = ()) -> dict[str, str]:
    """Each declared or configured ADR folder, and the folder its decisions govern ("" = the
    repository): a log4brains package's ``path`` for its ``adrFolder``. A configuration file
    inside a test or fixture folder is a test's input, not the repository's."""
    found = {d.strip("/"): "" for d in configured if d.strip("/")}
    listed = set(files)
    if ".adr-dir" in listed:
        declared = (root / ".adr-dir").read_text(encoding="utf-8", errors="replace").strip()
        if declared:
            found.setdefault(_clean(declared), "")
    named = (f for f in listed if f.endswith(".log4brains.yml"))
    for name in sorted(f for f in named if PurePosixPath(f).name == ".log4brains.yml"):
        if not in_sample_folder(name, tests=True):
            for folder, scope in _log4brains_dirs(root, name):
                found.setdefault(folder, scope)
    return found


def adr_directory(path: str, scopes: dict[str, str], files: Iterable[str]) -> str:
    """The folder the ADR at `path` governs when it names no code: its folder's scope (see
    `adr_scopes`), or for a conventional folder inside a package (``packages/core/docs/adr``,
    next to ``packages/core/package.json``) that package; else "" (the repository)."""
    folder = str(PurePosixPath(path).parent)
    if folder in scopes:
        return scopes[folder]
    for conventional in sorted(ADR_DIRS, key=len, reverse=True):
        if folder.endswith("/" + conventional):
            base = folder[: -len(conventional) - 1]
            listed = files if isinstance(files, (set, frozenset, dict)) else set(files)
            return base if any(f"{base}/{m}" in listed for m in _MANIFESTS) else ""
    return ""


def find_adrs(files: Iterable[str], extra_dirs: Iterable[str] = ()) -> list[str]:
    """The ADR files among `files`: Markdown in an ADR folder, not READMEs or templates, and
    not in a test or fixture folder unless the folder is declared or configured."""
    explicit = tuple(d + "/" for d in extra_dirs)
    found = []
    for rel in files:
        if rel[-3:].lower() != ".md":  # before any Path is made: most files are code
            continue
        path = PurePosixPath(rel)
        if path.suffix.lower() != ".md" or _NOT_DECISIONS.match(path.name):
            continue
        parent = str(path.parent)
        conventional = any(parent == d or parent.endswith("/" + d) for d in ADR_DIRS)
        if (conventional and not in_sample_folder(rel, tests=True)) or rel.startswith(explicit):
            found.append(rel)
    return sorted(found)


def parse_adr(path: str, text: str) -> Document:
    """One ADR file as one Decision entry (none if it states no decision at all)."""
    doc = Document(path=path, family="adr")
    lines = text.splitlines()
    meta = front_matter(lines)
    if meta.error:
        doc.warnings.append(f"{path}:{meta.error}; read without it")
    parts = sections(lines[meta.body_line - 1 :], meta.body_line)
    title_section = next((s for s in parts if s.level == 1), None)
    title = plain(_TITLE_NUMBER.sub("", title_section.title)) if title_section else ""
    title = title or _title_from_name(path)
    generated = meta.data.get(GENERATED_KEY)
    generated = generated if isinstance(generated, dict) else {}

    head = [line for s in parts if s.level <= 1 for line in s.lines]  # before the first ##
    bullets = _bullet_meta(head)
    raw_status = _text(meta.data.get("status")) or bullets.get("status") or ""
    status_section = _section(parts, "status")
    if not raw_status and status_section is not None:
        raw_status = status_section.text()
    status_line = status_section.line if status_section else (title_section or parts[0]).line
    status, supersedes, superseded_by = _status(raw_status)
    links_section = _section(parts, "links")
    if links_section is not None:
        _, more_old, more_new = _status(links_section.text(), links_only=True)
        supersedes += more_old
        superseded_by += more_new
    if status is None:
        if raw_status.strip():
            doc.warnings.append(
                f"{path}:{status_line}: unknown ADR status {_quoted(raw_status)!r};"
                " read as proposed"
            )
        status = "proposed" if raw_status.strip() else "accepted"
    if superseded_by and status not in ("rejected", "deprecated"):
        status = "superseded"

    decision = _section(parts, "decision", "decision outcome")
    summary = _summary(decision) if decision else ""
    statement = f"{title}: {summary}" if summary and summary != title else title
    context = _section(parts, "context", "context and problem statement")
    consequences = _section(parts, "consequences")
    reasons = [
        f"{label}: {' '.join(paragraphs(s.text()))}"
        for label, s in (("Context", context), ("Consequences", consequences))
        if s is not None and s.text()
    ]
    if len(statement) > MAX_TEXT:  # what the clipped text leaves out is kept here
        reasons.insert(0, f"Decision: {summary}")
    date = _text(meta.data.get("date")) or bullets.get("date") or _nygard_date(head)
    deciders = (
        _text(meta.data.get("deciders") or meta.data.get("decision-makers"))
        or bullets.get("deciders")
        or bullets.get("decision-makers")
    )
    tags = ["adr", *_tags(meta.data.get("tags") or bullets.get("tags"))]
    if status == "proposed":
        tags.append(PROPOSED_TAG)
    governs = _list(generated.get("governs")) if generated else _named_code(path, text)
    supersedes += _list(generated.get("supersedes"))
    memory_id = _text(generated.get("id")) or None
    if generated:  # graphmem wrote it: the sections hold the memory's own text, verbatim
        statement = decision.text() if decision else statement
        reasons = [context.text()] if context and context.text() else []
        if consequences is not None and consequences.text():  # a reviewer's, on the memory too
            reasons.append(f"Consequences: {' '.join(paragraphs(consequences.text()))}")
        tags = _tags(meta.data.get("tags"))
        if status == "proposed" and PROPOSED_TAG not in tags:
            tags.append(PROPOSED_TAG)
    doc.entries.append(
        Entry(
            path=path,
            key="adr",
            line=(title_section or parts[0]).line,
            format=_format(meta.data, bullets, generated),
            kind=MemoryKind.DECISION,
            text=statement if generated else _clip(statement, MAX_TEXT),
            rationale=(
                "\n\n".join(reasons) if generated else _clip("\n\n".join(reasons), MAX_RATIONALE)
            )
            or None,
            status=status,
            date=date or None,
            deciders=deciders or None,
            tags=list(dict.fromkeys(tags)),
            governs=governs,
            supersedes=list(dict.fromkeys(supersedes)),
            superseded_by=list(dict.fromkeys(superseded_by)),
            memory_id=memory_id,
        )
    )
    return doc


def resolve_reference(ref: str, from_path: str, adr_paths: Iterable[str]) -> str | None:
    """The ADR file a reference names: a relative link, a file name or slug, or a number."""
    paths = list(adr_paths)
    folder = PurePosixPath(from_path).parent
    target = ref.split("#", 1)[0].strip()
    if target.endswith(".md"):
        joined = _clean(str(folder / target))
        if joined in paths:
            return joined
    slug = PurePosixPath(target).name.removesuffix(".md")
    same_folder = [p for p in paths if PurePosixPath(p).parent == folder]
    for candidate in same_folder + paths:
        if slug and PurePosixPath(candidate).name.removesuffix(".md") == slug:
            return candidate
    number = _ADR_NUMBER.search(ref)
    if number:
        n = int(number.group(1))
        for candidate in same_folder:
            lead = re.match(r"(\d+)", PurePosixPath(candidate).name)
            if lead and int(lead.group(1)) == n and len(lead.group(1)) < 8:  # not a date
                return candidate
    return None


# -- helpers ---------------------------------------------------------------------------------


def _status(text: str, links_only: bool = False) -> tuple[AdrStatus | None, list[str], list[str]]:
    """(status, references it supersedes, references superseding it) from a status text."""
    supersedes: list[str] = []
    superseded_by: list[str] = []
    status: AdrStatus | None = None
    related = False  # a link `adr link` wrote ("Amended by [...]"): the ADR holds
    for line in text.splitlines() or [""]:
        if m := _SUPERSEDED_BY.search(line):
            superseded_by += _references(m.group(1))
            status = "superseded"
        elif m := _SUPERSEDES.search(line):
            supersedes += _references(m.group(1))
        elif not links_only and status is None and line.strip():
            words = [w for w in re.sub(r"[^a-z]", " ", line.casefold()).split()]
            words = [w for w in words if w not in _QUALIFIERS] or [""]
            if words[0] in _PARTLY:
                status = "accepted" if words[1:] and words[1] in _STATUSES else None
            elif words[0] not in _STATUSES and _RELATION.match(line):
                related = True
                continue
            else:
                status = _STATUSES.get(words[0])
            if status is None:
                return None, supersedes, superseded_by
    if status is None and not links_only and (supersedes or related):
        status = "accepted"
    return status, supersedes, superseded_by


def _references(text: str) -> list[str]:
    found = [target for _, target in links(text) if not target.startswith(("http:", "https:"))]
    if not found:
        bare = text.strip(" :[]().")
        found = [bare] if bare else []
    return found


def _bullet_meta(head: list[tuple[int, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for _, line in head:
        if m := _META.match(line):
            found.setdefault(m.group(1).casefold(), m.group(2).strip())
    return found


def _nygard_date(head: list[tuple[int, str]]) -> str | None:
    for _, line in head:
        if m := _NYGARD_DATE.match(line):
            return m.group(1).strip()
    return None


def _section(parts: list[Section], *titles: str) -> Section | None:
    for part in parts:
        if part.level >= 2 and plain(part.title).casefold().rstrip(":") in titles:
            return part
    return None


def _summary(section: Section) -> str:
    """The decision itself: its first paragraph (MADR's "Chosen option: ..., because ..."),
    and the list or code block it introduces when it ends "..., because" or "...:" (MADR's
    own template puts the reasons in a list after "because")."""
    parts = [b for b in blocks(section) if b.kind != "table"]
    first = next((i for i, b in enumerate(parts) if b.kind != "code"), None)
    if first is None:
        return ""
    if parts[first].kind == "list":
        return _joined([plain(b.text) for b in parts[first].items])
    text = plain(parts[first].text)
    after = parts[first + 1] if first + 1 < len(parts) else None
    if after is None or not _INTRODUCING.search(text):
        return text
    if after.kind == "list":
        return f"{text} {_joined([plain(b.text) for b in after.items])}"
    if after.kind == "code":
        commands = [
            f"`{line.strip()}`"
            for line in after.text.splitlines()
            if line.strip() and not line.lstrip().startswith(("#", "//"))
        ]
        return f"{text} {_joined(commands)}" if commands else text
    return text


def _joined(items: list[str]) -> str:
    """List items as one sentence: "a; b; c."."""
    items = [i.rstrip(" .;") for i in items if i.strip(" .;")]
    return "; ".join(items) + "." if items else ""


#: A link to a file or folder of a repository at some revision, as GitHub, GitLab and
#: Bitbucket write it: the path is group 1 (``…/blob/v9.6.0/src/handler.js#L52``).
_HOSTED_FILE = re.compile(
    r"https?://(?:www\.)?(?:github\.com/[^/\s]+/[^/\s]+/(?:blob|tree)"
    r"|gitlab\.com/[^\s]+?/-/(?:blob|tree)|bitbucket\.org/[^/\s]+/[^/\s]+/src)"
    r"/[^/\s]+/([^\s)#?>\]\"'`]+)"
)


def _named_code(path: str, text: str) -> list[str]:
    """Code an ADR names: backticked names, relative links that are not other documents, and
    links to a file at a revision (ADRs point at the code they discuss so; a path that is
    not in this repository's graph resolves to nothing and is dropped)."""
    folder = PurePosixPath(path).parent
    names = code_names(text)
    for _, target in links(text):
        if target.startswith(("http:", "https:", "mailto:", "#")) or target.endswith(".md"):
            continue
        names.append(_clean(str(folder / target.split("#", 1)[0])))
    names += [_clean(unquote(m.group(1))) for m in _HOSTED_FILE.finditer(text)]
    return [n for n in dict.fromkeys(names) if n and not n.endswith(".md")]


def _format(meta: dict[str, object], bullets: dict[str, str], generated: object) -> str:
    if generated:
        return "graphmem"
    if meta:
        return "madr"
    return "madr" if bullets else "nygard"


def _tags(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    if isinstance(value, str):
        return [t.strip() for t in re.split(r"[,;]", value.strip("[]")) if t.strip()]
    return []


def _list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    return []


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


def _quoted(text: str, limit: int = 60) -> str:
    """The start of `text` for a warning, cut between words and never inside a link (a link
    that starts in the first half is given whole)."""
    words = re.findall(r"\[[^\[\]\n]{0,500}\]\([^)\s]{0,2000}\)|\S+", normalised(text))
    out = ""
    for word in words:
        if out and len(out) + 1 + len(word) > limit and len(out) >= limit // 2:
            return out + " …"
        out = f"{out} {word}" if out else word
    return out


def _clip(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, between words where there is one near the end."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.7 else cut).rstrip(" ,;:") + "…"


def _title_from_name(path: str) -> str:
    stem = PurePosixPath(path).stem
    stem = re.sub(r"^\d+[-_]", "", stem)
    return stem.replace("-", " ").replace("_", " ").strip().capitalize()


def _clean(path: str) -> str:
    parts: list[str] = []
    for part in path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def _log4brains_dirs(root: Path, name: str) -> list[tuple[str, str]]:
    """(ADR folder, the folder it governs) of a ``.log4brains.yml``: the project's folder
    governs where the file sits, each package's its ``path``."""
    base = PurePosixPath(name).parent
    try:
        config = yaml.safe_load((root / name).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    project = config.get("project") if isinstance(config, dict) else None
    if not isinstance(project, dict):
        return []
    folders = [(project.get("adrFolder"), ".")]
    for package in project.get("packages") or []:
        if isinstance(package, dict):
            folders.append((package.get("adrFolder"), package.get("path") or "."))
    return [
        (_clean(str(base / f)), _clean(str(base / str(scope))))
        for f, scope in folders
        if isinstance(f, str) and f.strip()
    ]
