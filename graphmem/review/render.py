"""A review for people: plain text for a terminal, Markdown for one pull-request comment.

Memory text is always served as a sealed quote (`graphmem.memory.quoting`), in Markdown inside a
fence longer than any backtick run in it, so nothing a memory says can pass for the report's own
words. Long lists are cut with a count of what was left out; `--json` has everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from graphmem.memory.quoting import QUOTE_HEADER, one_line, quote_memory
from graphmem.review.report import ChangedEntity, Dependent, ReviewReport, StakeMemory, TestToRun

#: The first line of every Markdown review: the comment upsert finds its own comment by it.
MARKER = "<!-- graphmem-review -->"
MAX_PER_MODULE = 8
MAX_MODULES = 25
MAX_LISTED = 50
#: reasons shown for one memory at stake (a folder's memory has one per changed file in it)
MAX_WHY = 5


def summary_line(report: ReviewReport) -> str:
    c = report.counts
    stake = _count(c.memories, "memory", "memories") + " at stake"
    if c.memories:
        stake += (
            f" ({_count(c.constraints, 'constraint')}, {_count(c.failures, 'failure')}, "
            f"{c.stale} made stale)"
        )
    return (
        f"{_count(c.entities, 'changed entity', 'changed entities')} in "
        f"{_count(c.files, 'file')} ({c.added} added, {c.modified} modified, {c.deleted} "
        f"deleted, {c.renamed} renamed), {_count(c.dependents, 'dependent')} in "
        f"{_count(c.modules, 'module')} ({c.exact} exact, {c.heuristic} heuristic), "
        f"{_count(c.tests, 'test')} to run, {stake}"
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


# -- text -----------------------------------------------------------------------------------


def render_text(report: ReviewReport) -> str:
    lines = [
        f"Review of {report.head} against {report.base} ({report.base_sha[:12]}), "
        f"depth {report.depth}:",
        f"  {summary_line(report)}",
    ]
    lines.extend(f"  note: {note}" for note in report.notes)
    if report.at_stake:
        lines += ["", "At stake:", f"  ({QUOTE_HEADER})"]
        for memory in report.at_stake:
            lines.append(f"  {_stake_title(memory)}")
            lines.extend(f"    {q}" for q in _quote(memory).splitlines())
            lines.extend(f"    why: {why}" for why in memory.why[:MAX_WHY])
            lines.extend(_more(memory.why, MAX_WHY, "    ", "reasons"))
    lines += ["", f"Changed ({len(report.changes)}):"]
    if not report.changes:
        lines.append("  no code entity changed")
    for entity in report.changes[:MAX_LISTED]:
        lines.append(f"  {_change_text(entity)}")
    lines.extend(_more(report.changes, MAX_LISTED, "  "))
    if report.services:
        lines += ["", "Services:"]
        for service in report.services:
            names = ", ".join(s.qualified_name for s in service.services) or "not in the graph"
            lines.append(f"  {service.status:<8} {service.path}  ({names})")
    if report.dependents:
        lines += ["", f"Dependents ({len(report.dependents)}):"]
        by_path = _by_path(report.dependents)
        for group in report.by_module[:MAX_MODULES]:
            lines.append(
                f"  {group.path}  ({group.count}: {group.exact} exact, {group.heuristic} heuristic)"
            )
            for item in by_path[group.path][:MAX_PER_MODULE]:
                lines.append(f"    {_dependent_text(report, item)}")
            lines.extend(_more(by_path[group.path], MAX_PER_MODULE, "    "))
        lines.extend(_more(report.by_module, MAX_MODULES, "  ", "modules"))
    if report.tests:
        lines += ["", f"Tests to run ({len(report.tests)}):"]
        for test in report.tests[:MAX_LISTED]:
            mark = "changed" if test.changed else f"d={test.distance}"
            lines.append(f"  {mark:<7} {test.entity.qualified_name}  ({test.entity.location})")
        lines.extend(_more(report.tests, MAX_LISTED, "  "))
    if report.skipped:
        lines += ["", "Not analysed:"]
        lines.extend(f"  {s.path}  ({s.reason})" for s in report.skipped[:MAX_LISTED])
        lines.extend(_more(report.skipped, MAX_LISTED, "  "))
    return "\n".join(one_line(line) for line in lines)  # a name cannot start a line


def _change_text(entity: ChangedEntity) -> str:
    text = f"{entity.status:<8} {entity.kind:<8} {entity.qualified_name}  ({entity.location})"
    if entity.status == "renamed":
        text += f"  from {entity.old_qualified_name}"
        if entity.old_path and entity.old_path != entity.path:
            text += f" ({entity.old_path})"
    if entity.dependents:
        text += f"  {entity.dependents} dependents"
    if not entity.in_graph and entity.status != "added":
        text += "  [not in the graph]"
    return text


def _dependent_text(report: ReviewReport, item: Dependent) -> str:
    hops = " ".join(f"-{s.type}-> {report.names.get(s.target, s.target)}" for s in item.path)
    mark = "" if item.resolution == "exact" else "  ~heuristic"
    test = "  [test]" if item.is_test else ""
    return (
        f"d={item.distance} {item.entity.kind:<8} {item.entity.qualified_name}  {hops}{mark}{test}"
    )


# -- Markdown -------------------------------------------------------------------------------


def render_markdown(report: ReviewReport) -> str:
    """One pull-request comment: a summary line, what is at stake, then collapsible sections."""
    c = report.counts
    head = report.head_sha[:12] if report.head_sha else report.head
    out = [
        MARKER,
        f"<!-- graphmem-review at-stake={c.memories} -->",
        "### graphmem review",
        "",
        f"**{_md_escape(summary_line(report))}**",
        "",
        f"Base {_code(report.base_sha[:12])} → head {_code(head)}, dependents to depth "
        f"{report.depth}.",
    ]
    out.extend(f"> **Note:** {_md_escape(note)}" for note in report.notes)
    if report.at_stake:
        out += ["", f"#### At stake ({c.memories})", "", f"_{QUOTE_HEADER}_", ""]
        for memory in report.at_stake:
            out.append(f"- **{_md_escape(_stake_title(memory))}**")
            out.extend(f"  {line}" if line else "" for line in _fenced(_quote(memory)).splitlines())
            out.extend(f"  - why: {_md_escape(why)}" for why in memory.why[:MAX_WHY])
            out.extend(_more(memory.why, MAX_WHY, "  - ", "reasons"))
    else:
        out += [
            "",
            "Nothing recorded is at stake: no decision, constraint or failure governs this change.",
        ]
    out += _details(
        f"Changed code ({len(report.changes)})",
        [_change_row(report, e) for e in report.changes[:MAX_LISTED]]
        + _more(report.changes, MAX_LISTED, "- "),
        table="| change | kind | entity | where | dependents |\n|---|---|---|---|---|",
    )
    if report.dependents:
        body: list[str] = []
        by_path = _by_path(report.dependents)
        for group in report.by_module[:MAX_MODULES]:
            body.append(
                f"- {_link(report, group.path)}: {group.count} "
                f"({group.exact} exact, {group.heuristic} heuristic)"
            )
            for item in by_path[group.path][:MAX_PER_MODULE]:
                hops = " ".join(
                    f"-{s.type}-> {report.names.get(s.target, s.target)}" for s in item.path
                )
                mark = " _heuristic_" if item.resolution == "heuristic" else ""
                body.append(
                    f"  - d={item.distance} {_code(item.entity.qualified_name)} {_code(hops)}{mark}"
                )
            body.extend(_more(by_path[group.path], MAX_PER_MODULE, "  - "))
        body.extend(_more(report.by_module, MAX_MODULES, "- ", "modules"))
        out += _details(
            f"Dependents ({c.dependents} in {c.modules} modules: {c.exact} exact, "
            f"{c.heuristic} heuristic)",
            body,
        )
    if report.tests:
        out += _details(
            f"Tests to run ({len(report.tests)})",
            [
                f"- {_test_mark(t)} {_code(t.entity.qualified_name)}"
                f" ({_link(report, t.entity.path, t.entity.start_line)})"
                for t in report.tests[:MAX_LISTED]
            ]
            + _more(report.tests, MAX_LISTED, "- "),
        )
    if report.services:
        out += _details(
            f"Services ({len(report.services)})",
            [
                f"- {s.status} {_link(report, s.path)}: "
                + (", ".join(_code(r.qualified_name) for r in s.services) or "not in the graph")
                for s in report.services
            ],
        )
    if report.skipped:
        out += _details(
            f"Not analysed ({len(report.skipped)})",
            [f"- {_code(s.path)} ({s.reason})" for s in report.skipped[:MAX_LISTED]]
            + _more(report.skipped, MAX_LISTED, "- "),
        )
    return "\n".join(out) + "\n"


def _test_mark(test: TestToRun) -> str:
    return "changed" if test.changed else f"d={test.distance}"


def _change_row(report: ReviewReport, entity: ChangedEntity) -> str:
    name = _code(entity.qualified_name)
    if entity.status == "renamed" and entity.old_qualified_name:
        name += f" ← {_code(entity.old_qualified_name)}"
    where = (
        _code(f"{entity.path}:{entity.start_line}")
        if entity.status == "deleted"
        else _link(report, entity.path, entity.start_line, entity.end_line)
    )
    graph = "" if entity.in_graph or entity.status == "added" else " (not in the graph)"
    return f"| {entity.status} | {entity.kind} | {name} | {where} | {entity.dependents}{graph} |"


def _details(summary: str, lines: list[str], table: str | None = None) -> list[str]:
    body = ([table] if table else []) + lines
    return [
        "",
        "<details>",
        f"<summary>{_md_escape(summary)}</summary>",
        "",
        *body,
        "",
        "</details>",
    ]


def _link(report: ReviewReport, path: str, start: int | None = None, end: int | None = None) -> str:
    """A link to the file at the head revision when the remote and the head commit are known."""
    label = f"{path}:{start}" if start else path
    if not report.remote_url or not report.head_sha:
        return _code(label)
    anchor = f"#L{start}" + (f"-L{end}" if end and end != start else "") if start else ""
    url = f"{report.remote_url}/blob/{report.head_sha}/{_url_path(path)}{anchor}"
    return f"[{_code(label)}]({url})"


def _url_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def _code(text: str) -> str:
    """`text` as an inline code span that no backtick inside it can close early."""
    text = text.replace("\n", " ").replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_escape(text: str) -> str:
    """Report prose with Markdown and HTML specials escaped (names come from the code)."""
    return re.sub(r"([\\`*_{}\[\]<>#|~])", r"\\\1", text.replace("\n", " "))


def _fenced(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


# -- shared ---------------------------------------------------------------------------------


def _quote(memory: StakeMemory) -> str:
    """The memory's words, failure details included, as one sealed quote."""
    details = [f"{label}: {value}" for label, value in _failure_fields(memory) if value]
    text = "\n".join([memory.text, *details])
    return quote_memory(
        text, kind=memory.kind, id=memory.id, source=memory.source, author=memory.author
    )


def _failure_fields(memory: StakeMemory) -> list[tuple[str, str | None]]:
    return [("cause", memory.cause), ("fix", memory.fix), ("test", memory.test)]


def _stake_title(memory: StakeMemory) -> str:
    flags: list[str] = [memory.effect] if memory.effect else []
    if memory.orphaned and memory.effect != "orphaned":
        flags.append("already orphaned")
    elif memory.possibly_stale and memory.effect is None:
        flags.append("already possibly stale")
    reasons = {"changed": "on changed code", "dependent": "on dependents", "callee": "on callees"}
    where = ", ".join(reasons[r] for r in memory.reasons)
    suffix = f" [{', '.join(flags)}]" if flags else ""
    return f"[{memory.id}] {memory.kind} {where}{suffix}"


def _by_path(dependents: Iterable[Dependent]) -> dict[str, list[Dependent]]:
    by_path: dict[str, list[Dependent]] = {}
    for item in dependents:
        by_path.setdefault(item.entity.path, []).append(item)
    return by_path


def _more(items: Sequence[object], limit: int, indent: str, what: str = "") -> list[str]:
    if len(items) <= limit:
        return []
    noun = f"{what} " if what else ""
    return [f"{indent}... and {len(items) - limit} more {noun}(--json for all)"]
