"""Rules files written for coding agents: where they are, and the rules each one states.

Where they are, and what each governs:

- ``AGENTS.md``, ``CLAUDE.md``, ``GEMINI.md``, ``CONVENTIONS.md`` (any folder): the folder it
  sits in;
- ``.claude/CLAUDE.md``, ``.github/copilot-instructions.md``, ``.cursorrules``,
  ``.windsurfrules``, a ``.clinerules`` file: the repository;
- ``.claude/rules/*.md``, ``.clinerules/*.md``, ``.cline/rules/*.md``: front matter ``paths:``
  (else the repository);
- ``.cursor/rules/*.mdc``: front matter ``globs:`` unless ``alwaysApply: true`` (else the
  folder above ``.cursor``);
- ``.windsurf/rules/*.md``: front matter ``globs:`` when ``trigger: glob`` (else the folder
  above ``.windsurf``);
- ``.github/instructions/**/*.instructions.md``: front matter ``applyTo:`` (else the
  repository);
- ``.kiro/steering/*.md``: front matter ``fileMatchPattern:`` when ``inclusion: fileMatch``
  (else the folder above ``.kiro``);
- ``.continue/rules/*.md``: front matter ``globs:`` unless ``alwaysApply: true`` (else the
  folder above ``.continue``);
- ``.roo/rules/**`` (``.md``, ``.txt``), ``.amazonq/rules/**/*.md``: the folder above;
  ``.roorules``, ``.junie/guidelines.md`` and Zed's ``.rules``: the repository;
- a rule of a file without globs that names code in backticks (``src/agents/run.py``,
  ``agents.Runner``, ``run.py`` in ``src/agents/AGENTS.md``): that code instead, as an ADR
  governs the code it names, so the edit of that file and the review of its change bring the
  rule up; names that match no code are dropped.

Cursor and Windsurf read their front matter as plain ``key: value`` lines (``globs: *.ts,*.tsx``,
which is not YAML); so does graphmem when YAML fails. A glob with no ``/`` matches file names
in any folder.

Each block of a section is read by what it is:

- a top-level bullet is one rule (nested items and continuation lines included, and a code
  block indented under it: a short one joins its text, ``Fix snapshots: `make snapshots-fix```);
- a ``##`` (or deeper) section with no bullets is one rule if it is short;
- a paragraph in a section with bullets is a rule if it is one by itself (an imperative, a
  must / never ...); one that introduces the list after it is no rule, but goes in front of
  each of its items (``Do NOT:`` + ``add the v prefix`` is ``Do NOT: add the v prefix``);
- code blocks and tables are never rules; a sentence that introduces one is a rule only if
  it is one by itself (``Use the TaggedError pattern:`` becomes ``... (example follows)``);
- the text under the file's title is an introduction, not a rule; so is a line that only
  imports another file (``@docs/style.md`` in CLAUDE.md and GEMINI.md: `imports` lists the
  ones on lines of their own, which the sync reads as the importing file's rules).

Every rule under a ``##`` heading carries it: ``TOOLING: Prefer Bun.file over node:fs``. A rule
is a **constraint** when it says must / never / always / do not ..., starts with a verb in
the imperative (``Keep lines at 79 characters``, ``Prefer Optional[T]``), or sits under a
heading that says not to (``ANTI-PATTERNS``, ``Don'ts``, ``Avoid``, ``Never``: then its text
says so, ``ANTI-PATTERNS: avoid `as any` to bypass type checks``); anything else is a
**fact**. What graphmem wrote itself (its managed block, files with a ``graphmem``
front-matter key) is not read back, and neither is a rules file inside test fixtures
(``tests/fixtures/.../AGENTS.md``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from graphmem.knowledge.documents import (
    GENERATED_KEY,
    RULES_TAG,
    Document,
    Entry,
    in_sample_folder,
    normalised,
    text_key,
)
from graphmem.knowledge.managed import block_warnings
from graphmem.knowledge.markdown import (
    Block,
    Section,
    blocks,
    code_names,
    front_matter,
    plain,
    sections,
)
from graphmem.model import MemoryKind

__all__ = [
    "MAX_RULES_BYTES",
    "find_rules_files",
    "imports",
    "parse_rules",
    "rule_kind",
    "rules_format",
]

#: A rules file larger than this is not read (it is no longer a list of rules).
MAX_RULES_BYTES = 1_000_000
#: Most rules read from one file; more are reported and left out.
MAX_RULES_PER_FILE = 500
#: A section without bullets becomes one rule only if it is this short.
MAX_SECTION_RULE = 500
#: The sentence that introduces a list ("Do NOT:") goes in front of each item if this short.
MAX_INTRODUCTION = 150


def _words(text: str) -> list[str]:
    return text.split()


_DIRECTORY_FILES = {
    "AGENTS.md": "agents-md",
    "CLAUDE.md": "claude-md",
    "GEMINI.md": "gemini-md",
    "CONVENTIONS.md": "conventions",
}
#: Files that are rules for the whole repository, at its root.
_ROOT_FILES = {
    ".github/copilot-instructions.md": "copilot",
    ".cursorrules": "cursorrules",
    ".windsurfrules": "windsurfrules",
    ".clinerules": "clinerules",
    ".roorules": "roorules",
    ".junie/guidelines.md": "junie",
    ".rules": "zed",
}
#: Folders of rules files: (the folder's path ending, suffix of its files) -> format.
_RULE_FOLDERS = {
    (".cursor/rules", ".mdc"): "cursor",
    (".claude/rules", ".md"): "claude-rules",
    (".windsurf/rules", ".md"): "windsurf",
    (".clinerules", ".md"): "cline",
    (".cline/rules", ".md"): "cline",
    (".roo/rules", ".md"): "roo",
    (".roo/rules", ".txt"): "roo",
    (".kiro/steering", ".md"): "kiro",
    (".continue/rules", ".md"): "continue",
    (".amazonq/rules", ".md"): "amazonq",
}
#: Folders read only at the repository's root and only their own files (Cline keeps
#: workflows/ and hooks/ inside .clinerules/; Windsurf's nested rules sit in a nested folder).
_ROOT_FOLDER_ONLY = frozenset({"cline"})
#: The front-matter key that holds a format's globs.
_GLOB_KEYS = {
    "cursor": "globs",
    "windsurf": "globs",
    "copilot-instructions": "applyto",
    "claude-rules": "paths",
    "cline": "paths",
    "kiro": "filematchpattern",
    "continue": "globs",
}
#: Formats whose tool reads front matter as plain `key: value` lines (see `front_matter`).
_PLAIN_FRONT_MATTER = frozenset({"cursor", "windsurf"})

_CONSTRAINT = re.compile(
    r"\b(must|never|always|do not|don't|shall|should|required|forbidden|avoid|mandatory|only|"
    r"prefer)\b",
    re.I,
)
#: The same in Chinese, Japanese and Korean (no word boundaries there): must, do not,
#: forbidden, should, always, avoid, never.
_CONSTRAINT_CJK = re.compile(
    r"必须|必需|务必|禁止|不要|不得|不能|不可|应该|应当|请勿|切勿|严禁|始终|总是|一定要|避免|"
    r"必ず|してはいけない|しないで|しないこと|べき|반드시|금지|하지 마"
)
#: Marks that mean "don't": a cross, a no-entry sign.
_NEGATIVE_MARK = re.compile(r"^\W*(?:❌|🚫|⛔|✖|✗|✘)")
#: Verbs whose base form starts an instruction and hardly ever a statement.
_IMPERATIVE = frozenset(
    _words(
        """
        abide add adhere adopt align annotate answer apply ask assert be batch bump catch choose
        clean configure consider convert copy create declare define delegate delete depend
        describe disable do document don't emit enable encapsulate ensure escape explain expose
        extract fall favor favour fix follow gate generate give guard hide ignore implement include
        inherit inject install isolate keep leave let lint load make maximise maximize measure
        migrate minimise minimize mirror move never normalise normalize obey omit pass persist
        pick place please prefer prefix preserve prevent prioritise prioritize put raise read
        rebase reduce refactor regenerate register remember remove rename reply reproduce
        require reset resolve respect respond reuse rewrite run sanitise sanitize save select
        send separate serialise serialize ship show skip specify squash stay stick stub submit
        suffix supply treat try use validate verify wrap write
        """
    )
)
#: Words that start instructions and statements alike ("Test the parser" / "Test files live
#: in tests/"): an instruction when the next word is one an instruction goes on with.
_AMBIGUOUS = frozenset(
    _words(
        """
        base branch build cache call change check comment commit default deploy design export
        fetch filter focus format group handle import index limit link list lock log map merge
        mock model name order pin print profile push query reference release return review
        round route schedule scope set sort split stage start stop store tag target test type
        update
        """
    )
)
#: ... and a statement when a verb follows the first word or the one after it ("Build output
#: goes to dist/", "Cache is per user").
_STATEMENT_VERBS = frozenset(
    _words(
        """
    are is was were been being live lives go goes get gets must should can could will would
    may might have has had does need needs runs uses stay stays belong belongs sit sits
    contain contains come comes happen happens includes look looks take takes work works
    lives means depends
    """
    )
)
_INSTRUCTION_GOES_ON = frozenset(
    _words(
        """
    a all an any as at before both by each early every everything explicitly first for from
    if in into it its locally new no nothing often on one only our out through their them
    these this those to up using via when with your
    """
    )
)
#: Headings that say what not to do; the imperative ones (Avoid, Never, Don't) need no more
#: said, under the others (Anti-patterns, Pitfalls) a rule reads "avoid ...".
_NEGATIVE_HEADING = re.compile(
    r"\b(anti[- ]?patterns?|don'?ts|do not|don'?t|never|avoid(?:ed)?|forbidden|prohibited|"
    r"not allowed|disallowed|banned|pitfalls?|bad practices?|mistakes|what not to do)\b",
    re.I,
)
_IMPERATIVE_HEADING = re.compile(
    r"^\W*(never|avoid|do not|don'?ts?|forbidden|prohibited|not allowed|disallowed|banned|"
    r"what not to do)\b",
    re.I,
)
_NEGATIVE_START = re.compile(r"^\W*(never|avoid|do not|don'?t|no|not|stop)\b", re.I)
_CONDITION = re.compile(r"^\W*(if|when|whenever|before|after|unless|for|once|while)\b", re.I)
_ANCHOR_LINK = re.compile(r"^\[[^\]]*\]\(#[^)]*\)$")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_FENCE_LINE = re.compile(r"^\s*(```|~~~)")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
#: CLAUDE.md and GEMINI.md import files with ``@path/to/file``; a line of imports is no rule.
_IMPORTING = frozenset({"claude-md", "gemini-md"})
_IMPORT = re.compile(r"(?<![\w`@])@(?:[\w~.-]*[/.][\w./~-]*\w|[A-Z][\w-]*)")
_POINTER = re.compile(
    r"^\W*(see|read|refer to|follow|import|include|also|more in|details in)\b", re.I
)
_ENDS_INTRODUCING = re.compile(r"[:：]\s*$")


def rules_format(path: str) -> str | None:
    """Which kind of rules file `path` is, or None."""
    text = path.replace("\\", "/")
    parent, _, name = text.rpartition("/")  # string work: every file of a walk passes here
    if name in _DIRECTORY_FILES:
        return _DIRECTORY_FILES[name]
    if text in _ROOT_FILES:
        return _ROOT_FILES[text]
    if text.startswith(".github/instructions/") and name.endswith(".instructions.md"):
        return "copilot-instructions"
    dot = name.rfind(".")
    suffix = name[dot:] if 0 < dot < len(name) - 1 else ""  # as PurePosixPath.suffix
    for (folder, folder_suffix), fmt in _RULE_FOLDERS.items():
        if suffix != folder_suffix:
            continue
        if fmt in _ROOT_FOLDER_ONLY:
            if parent == folder:
                return fmt
        elif _rules_folder(text, folder) is not None:
            return fmt
    return None


def _rules_folder(path: str, folder: str) -> str | None:
    """The folder holding `folder` (``.cursor/rules``) that `path` lies in ("" = the root)."""
    if path.startswith(folder + "/"):
        return ""
    at = path.find("/" + folder + "/")
    return path[:at] if at > 0 else None


def find_rules_files(files: Iterable[str]) -> list[str]:
    """The rules files among `files`, those inside test fixtures aside (see SAMPLE_DIRS)."""
    return sorted(f for f in files if rules_format(f) is not None and not in_sample_folder(f))


def parse_rules(
    path: str, text: str, size: int | None = None, *, imported_by: str | None = None
) -> Document:
    """Every rule of one rules file, scoped by the file's own convention; `imported_by`: the
    CLAUDE.md / GEMINI.md that imports this file (``@docs/conventions.md``), whose format and
    scope its rules take."""
    doc = Document(path=path, family="rules")
    size = len(text.encode()) if size is None else size
    if size > MAX_RULES_BYTES:
        doc.warnings.append(
            f"{path}:1: {size} bytes is over the {MAX_RULES_BYTES}-byte limit for a rules file;"
            " not read"
        )
        return doc
    fmt = rules_format(imported_by or path) or "rules"
    lines = text.splitlines()
    meta = front_matter(lines, plain_keys=fmt in _PLAIN_FRONT_MATTER)
    if meta.error:
        doc.warnings.append(f"{path}:{meta.error}; read without it")
    if GENERATED_KEY in meta.data:
        return doc  # graphmem wrote it: its memories are already in the store
    doc.warnings += block_warnings(path, lines)
    globs = _globs(meta.data, fmt)
    globs_line = meta.lines.get(_GLOB_KEYS.get(fmt, ""), 0) if globs else 0
    directory = _directory(imported_by or path, fmt)
    seen: set[str] = set()
    trail: list[Section] = []  # the headings above the current section, outermost first
    parts = sections(lines[meta.body_line - 1 :], meta.body_line)
    # One `#` heading is the file's title; several are its sections ("# Testing", "# Style").
    top = 1 if sum(s.level == 1 for s in parts) > 1 else 2
    for section in parts:
        while trail and trail[-1].level >= section.level:
            trail.pop()
        trail.append(section)
        for line, rule, kind in _rules_of(section, trail, top, fmt in _IMPORTING):
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
                    kind=kind,
                    text=normalised(rule),
                    tags=[RULES_TAG, fmt],
                    governs=[] if globs else code_names(rule),
                    globs=globs,
                    globs_line=globs_line,
                    directory=directory,
                )
            )
    return doc


def imports(path: str, text: str, imported: bool = False) -> list[str]:
    """The files a CLAUDE.md or GEMINI.md (or a file one imports: `imported`) imports on lines
    of their own (``@AGENTS.md``, ``- @docs/style.md``), repo-relative; not those named in
    prose (``See @README.md for the overview``: a pointer, read when needed), in code, or
    outside the repository."""
    if not imported and rules_format(path) not in _IMPORTING:
        return []
    folder = PurePosixPath(path).parent
    found = []
    fenced = False
    for raw in text.splitlines():
        if _FENCE_LINE.match(raw):
            fenced = not fenced
            continue
        line = _CODE_SPAN.sub("", _LIST_MARKER.sub("", raw)).strip()
        if fenced or not line.startswith("@") or _IMPORT.sub("", line).strip(" ,;."):
            continue
        for token in _IMPORT.findall(line):
            if not token[1:].startswith(("/", "~")):
                found.append(_joined(folder, token[1:]))
    return [f for f in dict.fromkeys(found) if f and not f.startswith("../")]


def _joined(folder: PurePosixPath, target: str) -> str:
    parts: list[str] = []
    for part in f"{folder}/{target}".split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return "../"
            parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


def rule_kind(text: str, heading: str = "") -> MemoryKind:
    """A constraint if `text` instructs (modal words, an imperative verb first, a cross mark),
    or `heading` says must / never ...; else a fact."""
    if _CONSTRAINT.search(text) or _CONSTRAINT_CJK.search(text) or _NEGATIVE_MARK.match(text):
        return MemoryKind.CONSTRAINT
    if heading and (_CONSTRAINT.search(heading) or _NEGATIVE_HEADING.search(heading)):
        return MemoryKind.CONSTRAINT
    return MemoryKind.CONSTRAINT if _imperative(text) else MemoryKind.FACT


# -- one section -----------------------------------------------------------------------------


def _rules_of(
    section: Section, trail: list[Section], top: int, imports: bool
) -> list[tuple[int, str, MemoryKind]]:
    """(line, text, kind) of each rule `section` states (module docstring); `top`: the level
    of the file's section headings (2, or 1 when it has no title); `imports`: the file
    imports others with ``@path``."""
    headed = [s for s in trail if s.level >= top and plain(s.title)]
    heading = plain(headed[-1].title) if headed else ""
    negative = next((plain(s.title) for s in reversed(headed) if _negative(s.title)), "")
    if negative and negative != heading:
        heading = f"{negative} › {heading}"  # "Don'ts › Testing"
    title = plain(section.title) if section.level == 1 and top == 2 else ""
    parts = blocks(section)
    listed = any(b.kind == "list" for b in parts)
    found: list[tuple[int, str, str]] = []  # (line, text, the list's introduction)
    if section.level >= top:
        paragraphs = [
            (block.line, text)
            for i, block in enumerate(parts)
            if block.kind == "paragraph"
            and (text := _paragraph_rule(block, parts[i + 1] if i + 1 < len(parts) else None))
        ]
        if listed:  # only the paragraphs that are rules by themselves
            found += [
                (line, t, "")
                for line, t in paragraphs
                if rule_kind(t) != MemoryKind.FACT and len(t) <= MAX_SECTION_RULE
            ]
        else:
            body = " ".join(t for _, t in paragraphs)
            if body and len(body) <= MAX_SECTION_RULE:
                found.append((section.line, body, ""))
    for i, block in enumerate(parts):
        intro = _introduction(parts[i - 1]) if block.kind == "list" and i > 0 else ""
        found += [
            (b.line, plain(b.text), intro) for b in block.items if not _ANCHOR_LINK.match(b.text)
        ]
    found.sort(key=lambda item: item[0])
    rules = []
    for line, text, intro in found:
        if not text or (imports and _imports_only(text)):
            continue
        kind = rule_kind(text, heading)
        if intro and rule_kind(intro, heading) == MemoryKind.CONSTRAINT:
            kind = MemoryKind.CONSTRAINT  # "Do NOT:", "Use when applicable:"
        if intro:  # "Do NOT: add the `v` prefix", "If instructions are ambiguous: default to"
            text = f"{intro} {text}"
        if heading:
            text = _headed(text, heading, negative)
        elif title and len(text.split()) < 4:
            text = f"{title}: {text}"  # a lone word under the file's title
        rules.append((line, text, kind))
    return rules


def _introduction(block: Block) -> str:
    """The paragraph that introduces the list after it (``Do NOT:``, ``If instructions are
    ambiguous:``), which every item of the list goes on from; '' if `block` is none, or too
    long to repeat."""
    text = plain(block.text) if block.kind == "paragraph" else ""
    if not _ENDS_INTRODUCING.search(text) or len(text) > MAX_INTRODUCTION:
        return ""
    return text.rstrip().rstrip("：:") + ":"


def _paragraph_rule(block: Block, after: Block | None) -> str:
    """A paragraph as a rule's text: '' for an introduction of a list (or of a code block or
    table that is not a rule by itself) and for a line of imports."""
    text = plain(block.text)
    if not text or _ANCHOR_LINK.match(text):
        return ""
    if not _ENDS_INTRODUCING.search(text):
        return text
    if after is not None and after.kind in ("code", "table") and rule_kind(text) != MemoryKind.FACT:
        what = "example" if after.kind == "code" else "table"
        return _ENDS_INTRODUCING.sub("", text).rstrip() + f" ({what} follows)"
    return ""  # introduces a list (its items carry it), or what is no rule by itself


def _imports_only(text: str) -> bool:
    """``@AGENTS.md``, ``See @README for the overview``, ``git workflow @docs/git.md``: a
    pointer to files the agent reads in their place (their rules are their own)."""
    if not _IMPORT.search(text):
        return False
    rest = _IMPORT.sub("", text).strip(" .,;:-")
    return text.lstrip().startswith("@") or bool(_POINTER.match(rest)) or len(rest.split()) <= 4


def _headed(text: str, heading: str, negative: str) -> str:
    """`text` with its heading in front; "avoid" after it when only a noun heading
    (Anti-patterns) says not to do it: ``ANTI-PATTERNS: avoid `as any` to bypass checks``."""
    if text.casefold().startswith(heading.casefold() + ":"):
        return text
    if negative and not _IMPERATIVE_HEADING.match(negative) and not _NEGATIVE_START.match(text):
        first, _, rest = text.partition(" ")
        if first.casefold() in _IMPERATIVE or first.casefold() in _AMBIGUOUS:
            return f"{heading}: don't {first.casefold()} {rest}".rstrip()  # "Use var"
        return f"{heading}: avoid {text}"
    return f"{heading}: {text}"


def _negative(heading: str) -> bool:
    return bool(_NEGATIVE_HEADING.search(plain(heading)))


def _imperative(text: str) -> bool:
    """Whether a sentence of `text` starts with a verb in the imperative (also after a bold
    lead-in, ``Naming: ...``, or a condition, ``If it fails, retry ...``)."""
    candidates = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z`])", text):
        candidates.append(sentence)
        lead, colon, rest = sentence.partition(": ")
        if colon and len(lead.split()) <= 4:
            candidates.append(rest)
        if _CONDITION.match(sentence) and ", " in sentence:
            candidates.append(sentence.split(", ", 1)[1])
    return any(_starts_imperative(c) for c in candidates)


def _starts_imperative(candidate: str) -> bool:
    words = re.sub(r"^[^\w`\"']+", "", candidate).split()
    if words and words[0].casefold() == "please":
        words = words[1:]
    if not words:
        return False
    first = words[0].casefold().rstrip(",.;:")
    if first in _IMPERATIVE:
        return True
    if first not in _AMBIGUOUS:
        return False
    after = [w.casefold().strip(",.;:") for w in words[1:3]]
    if after and (after[0] in _INSTRUCTION_GOES_ON or words[1][:1] in "`\"'("):
        return True
    if len(words) > 1 and words[1][:1].isupper():
        return False  # "Fetch Strategies ...": a name, in title case
    return not _STATEMENT_VERBS.intersection(after)


# -- scope -----------------------------------------------------------------------------------


def _directory(path: str, fmt: str) -> str:
    """The folder a file governs by where it sits: a per-folder file's own folder, a nested
    rules folder's (``web/.cursor/rules/x.mdc``: ``web``); "" is the repository."""
    parent = PurePosixPath(path).parent
    if fmt in _DIRECTORY_FILES.values():
        return "" if str(parent) in (".", ".claude") else str(parent)
    for (folder, _), folder_fmt in _RULE_FOLDERS.items():
        if folder_fmt == fmt and (base := _rules_folder(path, folder)) is not None:
            return base
    return ""


def _globs(meta: dict[str, object], fmt: str) -> list[str]:
    key = _GLOB_KEYS.get(fmt)
    value = meta.get(key) if key else None
    if fmt in ("cursor", "continue") and meta.get("alwaysapply") is True:
        return []
    if fmt == "kiro" and str(meta.get("inclusion") or "always").strip().lower() != "filematch":
        return []  # always, auto, manual: not tied to files
    if fmt == "windsurf" and str(meta.get("trigger") or "glob").strip().lower() != "glob":
        return []  # always_on, model_decision, manual: not tied to files
    items = value if isinstance(value, list) else _split_globs(str(value or ""))
    globs = [str(g).strip().strip("\"'").strip() for g in items if str(g).strip()]
    globs = [g for g in globs if g]
    return [] if globs in (["**"], ["**/*"], ["*"]) else globs


def _split_globs(value: str) -> list[str]:
    """``*.ts, src/{a,b}/*.py``: split at the commas outside braces."""
    out, depth, current = [], 0, ""
    for c in value:
        depth += (c == "{") - (c == "}")
        if c == "," and depth <= 0:
            out.append(current)
            current = ""
        else:
            current += c
    return [*out, current]
