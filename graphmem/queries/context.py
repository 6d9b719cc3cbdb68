"""context(TARGET): what to know before changing a piece of code.

- the memories that govern it, an ancestor of it, or anything it contains (from
  `graphmem.memory.governance.governing`), each saying which entity it governs and how that relates
  to the target, flagged when possibly stale or orphaned;
- memories anchored on its direct neighbours (callers, callees, importers, imports, subclasses,
  bases), marked *nearby*: not rules for this code, but worth knowing;
- the latest commits that modified it;
- a short summary of the code: what it contains and how it is connected.

With `history`, superseded and retracted memories are included, marked, with their successors.
Rules read from a rules file that govern the whole repository are listed up to
MAX_REPOSITORY_RULES per file, in its order, and the rest counted (unless `all_rules`, or the
target is the repository): AGENTS.md can state a hundred of them, none about this code, and
the agent asking has loaded that file already.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

from graphmem.knowledge.documents import RULES_TAG, source_line
from graphmem.memory.governance import Containment, ReadScope, governing
from graphmem.memory.quoting import QUOTE_HEADER, one_line
from graphmem.memory.results import GoverningMemory
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.queries.impact import is_test_entity
from graphmem.queries.results import (
    CodeSummary,
    CommitRef,
    ContextResult,
    EntityRef,
    MemoryRef,
)
from graphmem.store.base import Direction, GraphReads

MAX_COMMITS = 10
MAX_LISTED = 20
#: repository-wide rules listed per rules file; the rest are counted
MAX_REPOSITORY_RULES = 10
#: nearby memories shown at most (those covering the most neighbours first)
MAX_NEARBY = 20
NEIGHBOUR_TYPES = (RelType.CALLS, RelType.IMPORTS, RelType.INHERITS, RelType.IMPLEMENTS)

#: (edge type, the target's side) -> how the neighbour relates to the target
_ROLE = {
    (RelType.CALLS, "target"): "calls the target",
    (RelType.CALLS, "source"): "is called by the target",
    (RelType.IMPORTS, "target"): "imports the target",
    (RelType.IMPORTS, "source"): "is imported by the target",
    (RelType.INHERITS, "target"): "subclasses the target",
    (RelType.INHERITS, "source"): "is a base class of the target",
    (RelType.IMPLEMENTS, "target"): "implements the target",
    (RelType.IMPLEMENTS, "source"): "is an interface the target implements",
}
_RELATION = {
    "self": "governs the target itself",
    "ancestor": "governs {entity}, which contains the target",
    "descendant": "governs {entity}, inside the target",
}
#: The same for a file that is not code, read as its folder.
_FOLDER_RELATION = {
    "self": "governs its folder",
    "ancestor": "governs {entity}, which contains its folder",
    "descendant": "governs {entity}",
}


def context(
    scope: ReadScope, target: Node, file: str | None = None, all_rules: bool = False
) -> ContextResult:
    """The context of `target` (see the module docstring). It only reads: GraphMem records
    the retrieval receipt of what it returns. `file`: a file that is not code, which `target`,
    its folder, stands for: then of the folder alone, not of what else it contains."""
    inside = file is None
    store = scope.store
    read = store.around(
        [target.id], up=True, down=inside, types=(*NEIGHBOUR_TYPES, RelType.MODIFIES)
    )
    tree = Containment.of([target.id], read)
    seeds = tree.inside(target.id) if inside else [target.id]
    seed_set = set(seeds)
    links = [
        e
        for e in read.links
        if e.type != RelType.MODIFIES and not (e.source in seed_set and e.target in seed_set)
    ]
    commit_ids = sorted(
        {e.source for e in read.links if e.type == RelType.MODIFIES and e.target in seed_set}
    )
    neighbours = sorted({e.target if e.source in seed_set else e.source for e in links})
    nodes = read.nodes

    served = governing(
        scope, [target.id], down=inside, near=neighbours, near_limit=MAX_NEARBY, tree=tree
    )
    direct = [g for g in served if any(a.relation != "nearby" for a in g.applies)]
    counted: dict[str, int] = {}
    if not all_rules and not target.has(Label.REPOSITORY):
        direct, counted = _without_repository_rules(direct)
    close = [g for g in served if all(a.relation == "nearby" for a in g.applies)]
    history = [g.memory.id for g in direct if g.memory.status != "active"]
    successors = _successors(store, history) if history else {}
    return ContextResult(
        target=EntityRef.from_node(target),
        memories=[_memory_ref(g, successors.get(g.memory.id, []), file) for g in direct],
        nearby=_nearby(close, _roles(links, seed_set), nodes),
        commits=_commits(nodes, commit_ids),
        summary=_summary(target, seeds, links, seed_set, nodes),
        history=scope.include_history,
        file=file,
        repository_rules=counted,
    )


def _without_repository_rules(
    served: list[GoverningMemory],
) -> tuple[list[GoverningMemory], dict[str, int]]:
    """`served` less the rules files' rules that apply only through the repository beyond the
    first MAX_REPOSITORY_RULES of each file (in its own order), and how many each file lost."""
    by_file: dict[str, list[tuple[int, str]]] = {}
    for item in served:
        applies = [a for a in item.applies if a.relation != "nearby"]
        if RULES_TAG in item.memory.tags and all(a.entity_kind == "Repository" for a in applies):
            path, line = source_line(item.memory.source)
            by_file.setdefault(path, []).append((line, item.memory.id))
    left_out = {
        memory_id
        for rules in by_file.values()
        for _, memory_id in sorted(rules)[MAX_REPOSITORY_RULES:]
    }
    counted = {
        path or "a rules file": len(rules) - MAX_REPOSITORY_RULES
        for path, rules in sorted(by_file.items())
        if len(rules) > MAX_REPOSITORY_RULES
    }
    return [g for g in served if g.memory.id not in left_out], counted


def _memory_ref(served: GoverningMemory, successors: list[str], file: str | None) -> MemoryRef:
    applies = [app for app in served.applies if app.relation != "nearby"]
    relations = _RELATION if file is None else _FOLDER_RELATION
    why = [
        relations[app.relation].format(entity=app.entity)
        + (
            f" ({app.distance} levels up)"
            if app.relation == "ancestor" and app.distance > 1
            else ""
        )
        for app in applies
    ]
    return MemoryRef.from_memory(
        served.memory,
        governs=[app.entity_id for app in applies],
        why=why,
        relation=applies[0].relation if applies else None,
        possibly_stale=served.staleness.possibly_stale,
        orphaned=served.staleness.orphaned,
        superseded_by=successors,
    )


def _successors(store: GraphReads, memory_ids: Sequence[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for edge in store.edges(list(memory_ids), [RelType.SUPERSEDED_BY], Direction.OUT):
        out.setdefault(edge.source, []).append(edge.target)
    return {k: sorted(v) for k, v in out.items()}


def _roles(links: Sequence[Edge], seeds: set[str]) -> dict[str, list[str]]:
    """Each neighbour -> how it relates to the target ("calls the target", ...)."""
    roles: dict[str, list[str]] = {}
    for edge in sorted(links, key=lambda e: e.key):
        inside_is_target = edge.target in seeds
        other = edge.source if inside_is_target else edge.target
        role = _ROLE[(edge.type, "target" if inside_is_target else "source")]
        if role not in roles.setdefault(other, []):
            roles[other].append(role)
    return roles


def _nearby(
    served: Sequence[GoverningMemory], roles: Mapping[str, list[str]], nodes: Mapping[str, Node]
) -> list[MemoryRef]:
    out = []
    for gov in served:
        why: list[str] = []
        for entity_id in gov.anchors:
            node = nodes.get(entity_id)
            name = str(node.get("qualified_name") or node.get("path")) if node else entity_id
            why.extend(f"nearby: governs {name}, which {role}" for role in roles.get(entity_id, ()))
        out.append(
            MemoryRef.from_memory(
                gov.memory,
                governs=gov.anchors,
                why=why,
                relation="nearby",
                possibly_stale=gov.staleness.possibly_stale,
                orphaned=gov.staleness.orphaned,
            )
        )
    return out


def _commits(nodes: Mapping[str, Node], commit_ids: Sequence[str]) -> list[CommitRef]:
    commits = [nodes[c] for c in commit_ids if c in nodes and nodes[c].has(Label.COMMIT)]
    commits.sort(key=lambda n: (str(n.get("date") or ""), n.id), reverse=True)
    return [
        CommitRef(
            id=n.id,
            sha=str(n.get("sha") or n.get("name") or ""),
            date=n.get("date"),
            author=n.get("author"),
            message=str(n.get("message") or ""),
        )
        for n in commits[:MAX_COMMITS]
    ]


def _summary(
    target: Node,
    seeds: Sequence[str],
    links: Sequence[Edge],
    seed_set: set[str],
    nodes: dict[str, Node],
) -> CodeSummary:
    inner = [nodes[s] for s in seeds[1:] if s in nodes]
    kinds = Counter(EntityRef.from_node(n).kind for n in inner)
    prefix = str(target.get("qualified_name") or "")
    members = sorted(
        str(n.get("qualified_name") or "")
        for n in inner
        if prefix and str(n.get("qualified_name") or "").rpartition(".")[0] == prefix
    )
    lists: dict[str, list[EntityRef]] = {k: [] for k in _ROLE_FIELD.values()}
    seen: set[tuple[str, str]] = set()
    for edge in sorted(links, key=lambda e: e.key):
        inside_is_target = edge.target in seed_set
        other = edge.source if inside_is_target else edge.target
        key = _ROLE_FIELD[(edge.type, "target" if inside_is_target else "source")]
        if (key, other) in seen or other not in nodes:
            continue
        seen.add((key, other))
        ref = EntityRef.from_node(nodes[other])
        ref.is_test = is_test_entity(nodes[other])
        lists[key].append(ref)
    # Production code first: a reader wants the real callers before twenty test functions,
    # and a few of the tests after them, however many production ones there are.
    ordered = {k: sorted(v, key=lambda r: (r.is_test, r.qualified_name)) for k, v in lists.items()}
    return CodeSummary(
        contains=dict(sorted(kinds.items())),
        members=members[:MAX_LISTED],
        tests={k: n for k, v in ordered.items() if (n := sum(r.is_test for r in v))},
        **{k: _listed(v) for k, v in ordered.items()},
    )


#: tests kept in a list cut at MAX_LISTED, as a sample of all of them
_TEST_SAMPLE = 3


def _listed(refs: list[EntityRef]) -> list[EntityRef]:
    production = [r for r in refs if not r.is_test]
    return production[:MAX_LISTED] + [r for r in refs if r.is_test][:_TEST_SAMPLE]


def _production_then_tests(refs: Sequence[EntityRef], tests: int) -> str:
    """Production code by name (once: a Go package's files share its name), then the tests
    as one group with a count."""
    production = [r for r in refs if not r.is_test]
    files = Counter(r.qualified_name for r in production)
    first = {r.qualified_name: r for r in reversed(production)}
    named = [
        f"{name} ({n} files)" if n > 1 else _one_file(first[name]) for name, n in files.items()
    ]
    if tests:
        sample = list(dict.fromkeys(r.name or r.qualified_name for r in refs if r.is_test))
        sample = sample[:_TEST_SAMPLE]
        more = ", ..." if tests > len(sample) else ""
        shown = f" ({', '.join(sample)}{more})" if sample else ""
        named.append(f"{tests} test{'s' if tests > 1 else ''}{shown}")
    return ", ".join(named)


def _one_file(ref: EntityRef) -> str:
    """An entity by its qualified name; a module by its path when that name is its package's
    (a Java file's `com.squareup.javapoet` read as if the file imported itself)."""
    if ref.kind != "Module" or not ref.path:
        return ref.qualified_name
    last = re.split(r"[./]|::", ref.qualified_name)[-1]
    stem = PurePosixPath(ref.path).stem
    return ref.qualified_name if stem in (last, "__init__", "index", "mod", "lib") else ref.path


_ROLE_FIELD = {
    (RelType.CALLS, "target"): "callers",
    (RelType.CALLS, "source"): "callees",
    (RelType.IMPORTS, "target"): "importers",
    (RelType.IMPORTS, "source"): "imports",
    (RelType.INHERITS, "target"): "subclasses",
    (RelType.INHERITS, "source"): "bases",
    (RelType.IMPLEMENTS, "target"): "implementers",
    (RelType.IMPLEMENTS, "source"): "interfaces",
}


def render_context(result: ContextResult) -> str:
    t = result.target
    span = f":{t.start_line}-{t.end_line}" if t.start_line and t.end_line else ""
    lines = [f"Context for {t.kind} {t.qualified_name or t.path} ({t.path}{span})"]
    if result.file is not None:
        folder = f"its folder {t.path}" if t.path else "the repository"
        lines = [f"Context for {result.file} (not code: what governs {folder})"]
    if result.memories or result.nearby or result.commits:
        lines.append(QUOTE_HEADER)
    lines.append("")
    if result.memories:
        title = "Memories (with history)" if result.history else "Memories"
        lines.append(f"{title} ({len(result.memories)}):")
        for m in result.memories:
            lines.extend(_memory_lines(m))
    else:
        lines.append("No memories govern this code.")
    for path, count in result.repository_rules.items():
        rules = "rule" if count == 1 else "rules"
        lines.append(
            f"(And {count} more {rules} of {path} on the whole repository, not listed: that "
            "file states them; `--all-rules` lists them here.)"
        )
    if result.nearby:
        lines.append("")
        lines.append(f"Nearby ({len(result.nearby)}), on code connected to it:")
        for m in result.nearby:
            lines.extend(_memory_lines(m))
    if result.commits:
        lines.append("")
        lines.append("Recent commits:")
        for c in result.commits:
            lines.append(f"  {c.sha[:12]} {(c.date or '')[:10]}")
            lines.extend(f"    {line}" for line in c.quoted().splitlines())
    s = result.summary
    code = []
    if s.contains:
        code.append("contains " + ", ".join(f"{n} {k}" for k, n in s.contains.items()))
    for label, field, refs in (
        ("called by", "callers", s.callers),
        ("calls", "callees", s.callees),
        ("imported by", "importers", s.importers),
        ("imports", "imports", s.imports),
        ("subclassed by", "subclasses", s.subclasses),
        ("inherits from", "bases", s.bases),
        ("implemented by", "implementers", s.implementers),
        ("implements", "interfaces", s.interfaces),
    ):
        if refs:
            code.append(f"{label} " + _production_then_tests(refs, s.tests.get(field, 0)))
    if code:
        lines.append("")
        lines.append("Code:")
        lines.extend(f"  {line}" for line in code)
    return "\n".join(one_line(line) for line in lines)  # a name cannot start a line


def _memory_lines(m: MemoryRef) -> list[str]:
    lines = [f"  [{m.id}] {m.kind}{m.flags}"]
    lines.extend(f"      {why}" for why in m.why)
    if m.superseded_by:
        lines.append(f"      superseded by {', '.join(m.superseded_by)}")
    lines.extend(f"    {line}" for line in m.quoted().splitlines())
    return lines
