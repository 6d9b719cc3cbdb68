"""What a hook tells the agent: memories as sealed quotes, ranked, with why each applies.

Ranking, for a file about to be edited: memories on the symbol the edit's old text lies in come
first, then constraints and failures before decisions, preferences and facts, nearest first.
Rules read from a rules file (AGENTS.md, CLAUDE.md, .cursor/rules ...) come after the rest,
the nearest first (a rule that names the file before one on the whole repository), then
constraints first, in the file's own order: agents load those files themselves, while
decisions, failures and ADRs reach them only through graphmem, so a budget is spent on those
first, and among rules on those that single out the code at hand.
Only active memories are ever rendered (`governing` serves nothing else unless history is asked
for, and a second check here keeps it so).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from graphmem.knowledge.documents import RULES_TAG, source_line
from graphmem.memory.quoting import QUOTE_HEADER, one_line, quote_memory

if TYPE_CHECKING:
    from graphmem.memory.results import Application, GoverningMemory

KIND_ORDER = {"constraint": 0, "failure": 1, "decision": 2, "preference": 3, "fact": 4}


def is_active(served: GoverningMemory) -> bool:
    return str(getattr(served.memory.status, "value", served.memory.status)) == "active"


def rank(served: Iterable[GoverningMemory]) -> list[GoverningMemory]:
    """Active memories, once each: constraints and failures first, then the nearest first;
    rules files' rules last (module docstring)."""
    unique: dict[str, GoverningMemory] = {}
    for item in served:
        if is_active(item):
            unique.setdefault(item.memory.id, item)

    def key(item: GoverningMemory) -> tuple[bool, int, int, tuple[str, int], str]:
        kind = KIND_ORDER.get(_kind(item), len(KIND_ORDER))
        distance = min((a.distance for a in item.applies), default=0)
        if RULES_TAG in item.memory.tags:
            return (True, distance, kind, source_line(item.memory.source), item.memory.id)
        return (False, kind, distance, ("", 0), item.memory.id)

    return sorted(unique.values(), key=key)


def rank_for_edit(
    on_file: Iterable[GoverningMemory], symbols: Sequence[str] = ()
) -> list[GoverningMemory]:
    """For an edit inside a symbol (`symbols`: its id, then those of the classes and functions
    around it): what governs those symbols or lies inside the innermost first, then everything
    else that governs the file, each group ranked by `rank`."""
    served = list(on_file)
    around = set(symbols)
    on_symbol = [
        m
        for m in served
        if symbols and any(a.entity_id in around or symbols[0] in a.path for a in m.applies)
    ]
    first: dict[str, GoverningMemory] = {}
    for item in [*rank(on_symbol), *rank(served)]:
        first.setdefault(item.memory.id, item)
    return list(first.values())


def memory_block(item: GoverningMemory) -> str:
    """One memory: a line with its id, kind, why it applies and its staleness, then the quote."""
    memory = item.memory
    why = "; ".join(_why(a) for a in item.applies[:2])
    flags = []
    if item.staleness.orphaned:
        flags.append("orphaned: the code it was about is gone (`graphmem stale`)")
    elif item.staleness.possibly_stale:
        flags.append(f"possibly stale: its code changed since (`graphmem show {memory.id}`)")
    state = f" — {'; '.join(flags)}" if flags else ""
    body = memory.text
    if memory.rationale:
        body += f"\nrationale: {memory.rationale}"
    for name, value in memory.failure_details():
        body += f"\n{name}: {value}"
    quote = quote_memory(
        body, kind=_kind(item), id=memory.id, source=memory.source, author=memory.author
    )
    return f"- {_kind(item)} {memory.id} ({why}){state}\n{quote}"


def heading(title: str) -> str:
    """The lines before the memories: what they are, and that quotes are data."""
    return f"graphmem: {title}\n{QUOTE_HEADER}"


def left_out_note(count: int, command: str) -> str:
    s = "y" if count == 1 else "ies"
    return f"({count} more memor{s} not shown to stay within the hook budget: `{command}`.)"


def staleness_notice(path: str, items: Sequence[GoverningMemory]) -> str:
    """After an edit: which memories may now be stale, and how to settle each."""
    path = one_line(path)
    lines = [f"graphmem: your edit to {path} changed code that these memories govern:"]
    for item in items:
        where = item.applies[0].entity if item.applies else path
        line = f"- {_kind(item)} {item.memory.id} on {where}"
        if RULES_TAG in item.memory.tags and (file := source_line(item.memory.source)[0]):
            # Its text lives in that file: a retraction here would leave the file saying it.
            line += f" (a rule of {one_line(file)}: if it no longer holds, edit that file)"
        lines.append(line)
    lines.append(
        "If one still holds, run `graphmem acknowledge ID`; if it no longer does, record what "
        "holds now with `graphmem remember KIND TEXT --governs TARGET --supersedes ID`, or "
        "`graphmem retract ID`."
    )
    return "\n".join(lines)


def _why(application: Application) -> str:
    if application.relation == "self":
        return f"governs {application.entity}"
    if application.relation == "ancestor":
        return f"governs {application.entity}, which contains it"
    return f"governs {application.entity}, inside it"


def _kind(item: GoverningMemory) -> str:
    kind = item.memory.kind
    return str(getattr(kind, "value", kind))
