"""The little Markdown both readers need: front matter, headed sections, bullets, code names.

Line numbers are kept everywhere (1-based, in the whole file) so a warning or a memory's
`source` can point at the line. Fenced code blocks are never read as headings or rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from graphmem.knowledge.documents import BLOCK_BEGIN, BLOCK_END

# Possessive around a lazy title: a heading with a long run of blanks inside took cubic time.
_HEADING = re.compile(r"^(#{1,6})\s++((?:.*?\S)??)\s*+#*+\s*+$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")
_BACKTICK = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


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


def front_matter(lines: list[str]) -> FrontMatter:
    """YAML between `---` lines at the very top. Malformed YAML is reported, not raised."""
    if not lines or lines[0].strip() != "---":
        return FrontMatter({}, 1)
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            try:
                data = yaml.safe_load(raw) if raw.strip() else {}
            except yaml.YAMLError as e:
                mark = getattr(e, "problem_mark", None)
                at = 2 + mark.line if mark is not None else 1
                problem = getattr(e, "problem", None) or "not valid YAML"
                return FrontMatter({}, i + 2, f"{at}: malformed front matter ({problem})")
            if not isinstance(data, dict):
                return FrontMatter({}, i + 2, "1: front matter is not a mapping of keys")
            return FrontMatter({str(k).lower(): v for k, v in data.items()}, i + 2)
    return FrontMatter({}, 1, "1: front matter opened with --- but never closed")


def sections(lines: list[str], first_line: int = 1) -> list[Section]:
    """The file cut at its headings; text before the first heading is a section titled ''.

    `lines` start at file line `first_line`. graphmem's own managed block is left out.
    """
    out = [Section("", 0, first_line)]
    fenced = False
    managed = False
    for offset, raw in enumerate(lines):
        number = first_line + offset
        if raw.strip() == BLOCK_BEGIN:
            managed = True
            continue
        if managed:
            managed = raw.strip() != BLOCK_END
            continue
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


def bullets(section: Section) -> list[Bullet]:
    """Top-level list items of a section, with their nested items and continuation lines
    joined; code blocks skipped. A paragraph after a blank line ends the list."""
    found: list[Bullet] = []
    fenced = listing = blank = False
    indent = 0
    for number, raw in section.lines:
        if _FENCE.match(raw):
            fenced = not fenced
            listing = False
            continue
        if fenced:
            continue
        if not raw.strip():
            blank = True
            continue
        item = _BULLET.match(raw)
        if item and (not listing or len(item.group(1)) <= indent):
            indent = len(item.group(1))
            found.append(Bullet(number, item.group(2).strip()))
            listing = True
        elif listing and (item or raw[:1] in (" ", "\t") or not blank):
            found[-1].text += " " + (item.group(2) if item else raw).strip()
        else:
            listing = False
        blank = False
    return [b for b in found if b.text]


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs, comments removed, spacing collapsed."""
    text = _COMMENT.sub("", text)
    return [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def code_names(text: str) -> list[str]:
    """What a text names in backticks that may be code: paths, qualified names, path::Symbol."""
    names = []
    for span in _BACKTICK.findall(text):
        name = span.strip().removesuffix("()").removeprefix("./")
        if (
            name
            and len(name) <= 200
            and not re.search(r"[\s\"'<>{}$=,;|*?]", name)
            and ("/" in name or "." in name or "::" in name)
            and not name.startswith(("-", "http:", "https:", "."))
            and not re.fullmatch(r"[\d.]+", name)
        ):
            names.append(name)
    return names


def links(text: str) -> list[tuple[str, str]]:
    """(label, target) of every Markdown link."""
    return [(label, target) for label, target in _LINK.findall(text)]


def plain(text: str) -> str:
    """Inline Markdown reduced to its words: links to their labels, emphasis dropped."""
    text = _COMMENT.sub("", text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    return re.sub(r"\s+", " ", text).strip()
