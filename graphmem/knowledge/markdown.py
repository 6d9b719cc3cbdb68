"""The little Markdown both readers need: front matter, headed sections, blocks (paragraphs,
lists, code, tables), bullets, code names, and inline Markdown reduced to its words.

Line numbers are kept everywhere (1-based, in the whole file) so a warning or a memory's
`source` can point at the line. Fenced code blocks are never read as headings or rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from graphmem.knowledge.managed import block_spans

# Possessive around a lazy title: a heading with a long run of blanks inside took cubic time.
_HEADING = re.compile(r"^(#{1,6})\s++((?:.*?\S)??)\s*+#*+\s*+$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_BACKTICK = re.compile(r"`([^`\n]+)`")
#: Bounded runs throughout: a line of 100,000 unclosed brackets or stars must stay linear.
_LINK = re.compile(r"\[([^\[\]\n]{0,500})\]\(([^)\s]{1,2000})(?:\s+\"[^\"\n]{0,500}\")?\)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
#: A code span: a run of backticks, anything, the same run (CommonMark).
_CODE_SPAN = re.compile(r"(?<!`)(`{1,10})([^`](?:.{0,2000}?[^`])?)\1(?!`)", re.DOTALL)
#: Emphasis, as CommonMark reads it in the cases that matter here: ``**strong**``, ``*em*`` and
#: ``__two words__`` / ``_two words_``, each opened after a space or punctuation that is not a
#: path separator and closed before one. An underscore pair around ONE word is left alone:
#: ``__init__``, ``__slots__`` and snake_case names are identifiers, not emphasis.
_STAR_EMPHASIS = re.compile(
    r"(?<![\w*\\/])(\*\*\*|\*\*|\*)(?=[^\s*])([^\n]{1,300}?)(?<=[^\s*\\])\1(?![\w*])"
)
_UNDERSCORE_EMPHASIS = re.compile(
    r"(?<![\w\\/])(__|_)(?=[^\s_])([^_\n]{0,300}?\s[^_\n]{0,300}?)(?<=[^\s_\\])\1(?!\w)"
)
_THEMATIC_BREAK = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_FRONT_MATTER_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(.*)$")
#: A bare name that can only be an identifier: camelCase or PascalCase with two humps or more
#: (`createSessionRequest`, `InvoiceService`), or with an underscore inside (`make_payment`,
#: `MAX_RETRIES`). One word (`key`, `Success`) could be anything.
_COMPOUND_IDENTIFIER = re.compile(
    r"(?=[A-Za-z_]\w{5,199}$)_*[A-Za-z0-9]+(?:[a-z0-9][A-Z]|_[A-Za-z0-9])\w*"
)


@dataclass
class Section:
    """A heading and the lines under it, up to the next heading of any level."""

    title: str
    level: int
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(text for _, text in self.lines).strip()


@dataclass
class FrontMatter:
    data: dict[str, Any]
    body_line: int  # the 1-based line where the body starts
    error: str | None = None
    #: The 1-based line of each top-level key (lower-cased), for warnings about its value.
    lines: dict[str, int] = field(default_factory=dict)


def front_matter(lines: list[str], plain_keys: bool = False) -> FrontMatter:
    """YAML between `---` lines at the very top. Malformed YAML is reported, not raised.

    `plain_keys`: the file's tool reads its front matter as plain ``key: value`` lines, not
    YAML (Cursor's ``.mdc``: ``globs: *.proto,*_pb2.py`` is what Cursor itself writes, and is
    not valid YAML). Such a block is read that way when YAML fails, with no warning."""
    if not lines or lines[0].strip() != "---":
        return FrontMatter({}, 1)
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            keys = {
                m.group(1).lower(): 2 + n
                for n, line in enumerate(lines[1:i])
                if (m := _FRONT_MATTER_KEY.match(line))
            }
            try:
                data = yaml.safe_load(raw) if raw.strip() else {}
            except yaml.YAMLError as e:
                fallback = _plain_front_matter(lines[1:i]) if plain_keys else None
                if fallback is not None:
                    return FrontMatter(fallback, i + 2, lines=keys)
                mark = getattr(e, "problem_mark", None)
                at = 2 + mark.line if mark is not None else 1
                problem = getattr(e, "problem", None) or "not valid YAML"
                return FrontMatter({}, i + 2, f"{at}: malformed front matter ({problem})")
            if not isinstance(data, dict):
                return FrontMatter({}, i + 2, "1: front matter is not a mapping of keys")
            return FrontMatter({str(k).lower(): v for k, v in data.items()}, i + 2, lines=keys)
    return FrontMatter({}, 1, "1: front matter opened with --- but never closed")


def _plain_front_matter(lines: list[str]) -> dict[str, Any] | None:
    """``key: value`` lines (comments and blanks aside), values as written (``true`` and
    ``false`` as booleans, surrounding quotes dropped); None if a line is anything else."""
    data: dict[str, Any] = {}
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _FRONT_MATTER_KEY.match(line)
        if m is None:
            return None
        value = m.group(2).strip()
        if value.startswith(("[", "{")):
            return None  # meant as YAML, and broken: the YAML error is the better report
        if value.lower() in ("true", "false"):
            data[m.group(1).lower()] = value.lower() == "true"
        else:
            data[m.group(1).lower()] = value
    return data


def sections(lines: list[str], first_line: int = 1) -> list[Section]:
    """The file cut at its headings; text before the first heading is a section titled ''.

    `lines` start at file line `first_line`. graphmem's own managed block is left out; of a
    block that is never closed, only the lines graphmem writes (see `block_spans`).
    """
    out = [Section("", 0, first_line)]
    fenced = False
    skip = block_spans(lines, first_line)
    offset = 0
    while offset < len(lines):
        raw = lines[offset]
        number = first_line + offset
        if number in skip:
            offset = skip[number].stop - first_line
            continue
        offset += 1
        if _FENCE.match(raw):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(raw)
        if heading:
            out.append(Section(heading.group(2).strip(), len(heading.group(1)), number))
        else:
            out[-1].lines.append((number, raw))
    return out


@dataclass
class Bullet:
    line: int
    text: str


@dataclass
class Block:
    """One block of a section: a ``paragraph`` (its lines joined by spaces), a ``list`` (its
    top-level items), a fenced ``code`` block or a ``table`` (their lines as written)."""

    kind: str
    line: int
    text: str = ""
    items: list[Bullet] = field(default_factory=list)


def blocks(section: Section) -> list[Block]:
    """The blocks of a section, in order. A list item takes its nested items and continuation
    lines; a paragraph after a blank line ends the list; HTML comments and thematic breaks
    are nothing. A fenced block indented under a list item is the item's (CommonMark): a short
    one joins its text as code spans (``Fix snapshots: `make snapshots-fix```)."""
    found: list[Block] = []
    fence: str | None = None
    nested: list[str] | None = None  # the lines of a code block inside the last list item
    comment = blank = False
    indent = 0
    current: Block | None = None  # the paragraph or list still open
    for number, raw in section.lines:
        stripped = raw.strip()
        if fence is not None:
            if not stripped.startswith(fence):
                if nested is None:
                    found[-1].text += raw + "\n"
                else:
                    nested.append(stripped)
                continue
            fence = None
            if nested is not None and current is not None:
                current.items[-1].text += _code_spans(nested)
                nested, blank = None, False
            continue
        if comment:
            comment = "-->" not in raw
            continue
        if m := _FENCE.match(raw):
            fence = m.group(1)
            if current is not None and current.kind == "list" and _indent(raw) > indent:
                nested = []
            else:
                found.append(Block("code", number))
                current = None
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            comment = True
            continue
        if not _COMMENT.sub("", stripped).strip():  # blank, or a comment on its own
            blank = True
            if current is not None and current.kind == "paragraph":
                current = None
            continue
        if _THEMATIC_BREAK.match(raw):
            current, blank = None, False
            continue
        if stripped.startswith("|") or _table_delimiter(stripped):
            if current is not None and current.kind == "paragraph" and "|" in current.text:
                current.kind = "table"  # the header row of a table without outer pipes
            elif not (found and found[-1].kind == "table" and not blank):
                found.append(Block("table", number))
            found[-1].text += raw + "\n"
            current, blank = None, False
            continue
        item = _BULLET.match(raw)
        listing = current is not None and current.kind == "list"
        if item and (not listing or len(item.group(1)) <= indent):
            if not listing:
                current = Block("list", number)
                found.append(current)
            indent = len(item.group(1))
            assert current is not None
            current.items.append(Bullet(number, item.group(2).strip()))
        elif listing and (item or raw[:1] in (" ", "\t") or not blank):
            assert current is not None
            current.items[-1].text += " " + (item.group(2) if item else raw).strip()
        elif current is not None and current.kind == "paragraph":
            current.text += " " + _unquoted(stripped)
        else:
            current = Block("paragraph", number, _unquoted(stripped))
            found.append(current)
        blank = False
    for block in found:
        block.items = [b for b in block.items if b.text]
        if block.kind == "paragraph":
            block.text = re.sub(r"\s+", " ", _COMMENT.sub("", block.text)).strip()
    return [b for b in found if b.kind != "list" or b.items]


#: A code block inside a list item joins the item's text when it is this small.
MAX_NESTED_CODE_LINES = 3
MAX_NESTED_CODE_LINE = 120


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _code_spans(lines: list[str]) -> str:
    """A list item's short code block as code spans (`` `make test`; `make lint` ``); comment
    lines left out; '' when it is too long to be part of a sentence."""
    code = [line for line in lines if line and not line.startswith(("#", "//"))]
    if (
        not code
        or len(code) > MAX_NESTED_CODE_LINES
        or any(len(line) > MAX_NESTED_CODE_LINE or "`" in line for line in code)
    ):
        return ""
    return " " + "; ".join(f"`{line}`" for line in code)


def bullets(section: Section) -> list[Bullet]:
    """Top-level list items of a section, with their nested items and continuation lines
    joined; code blocks skipped. A paragraph after a blank line ends the list."""
    return [item for block in blocks(section) for item in block.items]


def _table_delimiter(line: str) -> bool:
    """``---|:---:`` (a table's delimiter row without outer pipes)."""
    return "|" in line and "-" in line and not set(line) - set("|:- \t")


def _unquoted(line: str) -> str:
    return re.sub(r"^(?:>\s?)+", "", line)


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, comments removed, spacing collapsed."""
    text = _COMMENT.sub("", text)
    return [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def code_names(text: str) -> list[str]:
    """What a text names in backticks that may be code: paths, qualified names, path::Symbol,
    and bare identifiers that can only be code (see `is_compound_identifier`)."""
    names = []
    for span in _BACKTICK.findall(text):
        name = span.strip().removesuffix("()").removeprefix("./")
        if is_compound_identifier(name) or (
            name
            and len(name) <= 200
            and not re.search(r"[\s\"'<>{}$=,;|*?]", name)
            and ("/" in name or "." in name or "::" in name)
            and not name.startswith(("-", "http:", "https:", "."))
            and not re.fullmatch(r"[\d.]+", name)
        ):
            names.append(name)
    return names


def is_compound_identifier(name: str) -> bool:
    """`createSessionRequest`, `InvoiceService`, `make_payment`: a name no prose word is."""
    return _COMPOUND_IDENTIFIER.fullmatch(name) is not None


def links(text: str) -> list[tuple[str, str]]:
    """(label, target) of every Markdown link."""
    return [(label, target) for label, target in _LINK.findall(text)]


def plain(text: str) -> str:
    """Inline Markdown reduced to its words: links to their labels, emphasis dropped. Code
    spans are kept exactly as written (backticks included), and so are identifiers with
    underscores (``__init__.py``, ``snake_case``), inside link labels too."""
    text = _COMMENT.sub("", text)
    spans: list[str] = []

    def keep(m: re.Match[str]) -> str:
        spans.append(m.group(0))
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE_SPAN.sub(keep, text)
    text = _LINK.sub(lambda m: m.group(1), text)
    for _ in range(3):  # nested emphasis, ***both*** at once
        stripped = _UNDERSCORE_EMPHASIS.sub(r"\2", _STAR_EMPHASIS.sub(r"\2", text))
        if stripped == text:
            break
        text = stripped
    text = re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)
    return re.sub(r"\s+", " ", text).strip()
