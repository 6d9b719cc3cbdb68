"""A Markdown digest of what is active: paste it into AGENTS.md, a PR description or a wiki.

Grouped by the code each memory governs: repository-wide first, then by path (and symbol),
each memory with its id, kind, text, rationale and source. Only what is served on `branch` to
`user` is included (other users' preferences and other branches' memories are left out).
"""

from __future__ import annotations

from graphmem.memory.governance import ReadScope
from graphmem.memory.results import anchors_of
from graphmem.model import Label, Memory, MemoryKind
from graphmem.store import GraphStore

__all__ = ["markdown_digest"]

_KIND_ORDER = {
    MemoryKind.CONSTRAINT: 0,
    MemoryKind.DECISION: 1,
    MemoryKind.FAILURE: 2,
    MemoryKind.FACT: 3,
    MemoryKind.PREFERENCE: 4,
}
_REPO_WIDE = "Repository-wide"


def markdown_digest(
    store: GraphStore, repo: str, branch: str | None = None, user: str | None = None
) -> str:
    """The digest as Markdown text (ends with a newline)."""
    from graphmem.memory.staleness import staleness_of

    groups: dict[str, list[Memory]] = {}
    reader = ReadScope(store, repo, branch, user)
    served = [
        node
        for node in store.find_nodes(
            Label.MEMORY, {"repo": repo, "status": "active"}, embeddings=False
        )
        if reader.serves(node)
    ]
    # A digest is read as what holds: a memory whose code changed or vanished says so.
    staleness = staleness_of(store, served)
    flags: dict[str, str] = {}
    for node in served:
        state = staleness[node.id]
        if state.orphaned:
            flags[node.id] = " *(orphaned: its code is gone)*"
        elif state.possibly_stale:
            flags[node.id] = " *(possibly stale: its code changed)*"
        memory = Memory.from_node(node)
        headings = {_heading(a.kind, a.path, a.qualified_name) for a in anchors_of(node)}
        for heading in headings or {_REPO_WIDE}:
            groups.setdefault(heading, []).append(memory)
    lines = [f"# What to know about {repo}", ""]
    if not groups:
        lines += ["No active memories.", ""]
    for heading in sorted(groups, key=lambda h: (h != _REPO_WIDE, h)):
        lines += [f"## {heading}", ""]
        for memory in sorted(groups[heading], key=lambda m: (_KIND_ORDER[m.kind], m.created_at)):
            lines += _entry(memory, flags.get(memory.id, ""))
        lines.append("")
    return "\n".join(lines)


def _heading(kind: str, path: str, qualified_name: str) -> str:
    if kind == "Repository" or (not path and not qualified_name):
        return _REPO_WIDE
    if kind == "Directory":
        return f"`{path}/`"
    if kind == "Module" or not qualified_name:
        return f"`{path}`"
    if kind == "Service":
        return f"`{qualified_name}` ({path})" if path else f"`{qualified_name}`"
    return f"`{path}` :: `{qualified_name}`" if path else f"`{qualified_name}`"


def _entry(memory: Memory, flag: str) -> list[str]:
    scope = []
    if memory.branch:
        scope.append(f"branch {memory.branch}")
    if memory.user:
        scope.append(f"for {memory.user}")
    suffix = f" ({', '.join(scope)})" if scope else ""
    text = _one_line(memory.text)
    lines = [f"- **{memory.kind.value}** `{memory.id}`{suffix}{flag}: {text}"]
    if memory.rationale:
        lines.append(f"  - why: {_one_line(memory.rationale)}")
    for label, value in memory.failure_details():
        lines.append(f"  - {label}: {_one_line(value)}")
    if memory.source:
        lines.append(f"  - source: {_one_line(memory.source)}")
    if memory.tags:
        lines.append(f"  - tags: {', '.join(memory.tags)}")
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())
