"""graphmem's managed block in AGENTS.md / CLAUDE.md: where it is, for the reader and the writer.

The block is what `graphmem export --format agents-md` writes between `BLOCK_BEGIN` and
`BLOCK_END`, one marker per line. The reader leaves it out (its memories are in the store
already); the writer replaces it and nothing else. A block whose end marker was deleted must
not swallow the rest of the file: it ends after the last line of the kind graphmem writes
(`BLOCK_LINE`), so a rule someone wrote below it is still read as theirs, and the writer
refuses to touch the file until the marker is back (`graphmem export --force` puts it there).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graphmem.knowledge.documents import BLOCK_BEGIN, BLOCK_END

__all__ = ["BLOCK_LINE", "BlockSpan", "block_spans", "block_warnings"]

#: The lines graphmem writes inside its block (graphmem.knowledge.writers): its heading, its
#: introduction, a folder's sub-heading, one line per memory, blank lines. Anything else in a
#: block was written by a person.
BLOCK_LINE = re.compile(
    r"^(## Recorded project memory\b.*|Recorded project memory, kept by graphmem\b.*"
    r"|### In `[^`]*`|- \*\*(constraint|decision|failure|fact|preference)\*\*.*|)$"
)
_MARKERS = (BLOCK_BEGIN, BLOCK_END)


@dataclass
class BlockSpan:
    """One block: file lines `begin` (its begin marker) up to, not including, `stop`, 1-based.
    Closed: `stop` is the line after its end marker. Unclosed: the line after its last line of
    the kind graphmem writes."""

    begin: int
    stop: int
    closed: bool


def block_spans(lines: list[str], first_line: int = 1) -> dict[int, BlockSpan]:
    """Every block in `lines` (which start at file line `first_line`), by begin line. A begin
    marker followed by another begin marker, or by none, before an end marker is unclosed."""
    marks = [(i, raw.strip()) for i, raw in enumerate(lines) if raw.strip() in _MARKERS]
    spans: dict[int, BlockSpan] = {}
    for n, (i, mark) in enumerate(marks):
        if mark != BLOCK_BEGIN:
            continue
        after = marks[n + 1] if n + 1 < len(marks) else None
        if after is not None and after[1] == BLOCK_END:
            spans[first_line + i] = BlockSpan(first_line + i, first_line + after[0] + 1, True)
            continue
        stop = i + 1
        for j in range(i + 1, len(lines)):
            line = lines[j].strip()
            if line in _MARKERS or not BLOCK_LINE.match(line):
                break
            if line:
                stop = j + 1
        spans[first_line + i] = BlockSpan(first_line + i, first_line + stop, False)
    return spans


def block_warnings(path: str, lines: list[str]) -> list[str]:
    """The reader's warning for each block of a rules file that is never closed."""
    return [
        f"{path}:{span.begin}: graphmem's block is never closed (no `{BLOCK_END}`); what follows"
        f" its memories (from line {span.stop}) is read as hand-written rules: put `{BLOCK_END}`"
        f" back on the line after line {span.stop - 1}"
        for span in block_spans(lines).values()
        if not span.closed
    ]
