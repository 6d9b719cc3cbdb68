"""impact(TARGET): everything that depends on the target, transitively, and what governs it.

Dependents are found by walking CALLS, IMPORTS, INHERITS and IMPLEMENTS edges backwards (callers,
importers, subclasses, implementations of an interface) breadth-first, one batched `edges` call
per level. For a module, class or directory the walk starts from the target *and everything it
contains*, so a caller of any method of a class counts as depending on the class. A method an
interface declares is implemented by every type implementing the interface: those depend on it.

Each dependent is reported once, at its shortest distance, with one shortest path. Among the
shortest paths an exact one is preferred; a path that uses any heuristic edge (a call the
ingester resolved by name only, a Go type implementing an interface by its method names) makes the
dependent heuristic, and the two kinds are counted apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Protocol

from graphmem.memory.governance import Containment, ReadScope, governing
from graphmem.memory.quoting import QUOTE_HEADER, one_line
from graphmem.model.graph import Edge, Label, Node, RelType
from graphmem.queries.results import (
    EntityRef,
    ImpactedEntity,
    ImpactResult,
    MemoryRef,
    ModuleGroup,
    PathStep,
    Resolution,
)
from graphmem.store.base import Around, Direction

#: Edge types whose *source* depends on their *target*.
DEPENDENCY_TYPES: tuple[RelType, ...] = (
    RelType.CALLS,
    RelType.IMPORTS,
    RelType.INHERITS,
    RelType.IMPLEMENTS,
)
DEFAULT_DEPTH = 3
#: memories listed at most: those covering the most impacted entities first
MAX_MEMORIES = 50
MAX_DEPTH = 10

_TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec", "specs"})
#: Each language's own naming of test files: pytest and Django, Go, Jest and Vitest, JUnit and
#: Maven Failsafe (`*IT.java`), googletest and the C world (`db_test.cc`, `util_unittest.cpp`).
#: Not `test.py`: pytest does not collect it, and libraries ship their test helpers under that
#: name (werkzeug's test client is `werkzeug/test.py`).
_TEST_FILE = re.compile(
    r"^(test_.*\.py|.*_test\.py|tests\.py|conftest\.py|.*_test\.go"
    r"|.*\.(test|spec)\.[cm]?[jt]sx?|.*(Tests?|IT|TestCase)\.java"
    r"|.*_(test|tests|unittest)\.(c|cc|cpp|cxx|rs)|test_.*\.(c|cc|cpp|cxx))$"
)
#: Rust keeps unit tests in the file they test, in `mod tests`.
_RUST_TESTS = re.compile(r"::tests?(::|$)")


def is_test_entity(node: Node) -> bool:
    """Test code: anything in a test directory or test file, or a test_* function/Test* class
    (a function named just `test` is tested only in test files: `MapAdapter.test` is API)."""
    path = str(node.get("path") or "")
    parts = PurePosixPath(path).parts
    if any(part in _TEST_DIRS for part in parts[:-1]):
        return True
    if parts and _TEST_FILE.match(parts[-1]):
        return True
    if node.has(Label.DIRECTORY) and parts and parts[-1] in _TEST_DIRS:
        return True
    if _RUST_TESTS.search(str(node.get("qualified_name") or "")):
        return True
    name = str(node.get("name") or "")
    if node.has(Label.FUNCTION) or node.has(Label.METHOD):
        return name.startswith("test_")
    return node.has(Label.CLASS) and name.startswith("Test")


def is_heuristic(edge: Edge) -> bool:
    return edge.properties.get("resolution") == "heuristic"


def impact(scope: ReadScope, target: Node, depth: int = DEFAULT_DEPTH) -> ImpactResult:
    """What depends on `target` within `depth` dependency hops, grouped by module."""
    return impact_of(scope, [target], depth)


def impact_of(
    scope: ReadScope, targets: Sequence[Node], depth: int = DEFAULT_DEPTH
) -> ImpactResult:
    """What depends on any of `targets` (a change: several entities taken together), in one
    walk: each dependent once, at its shortest distance to the nearest of them, `reaches`
    saying which. The result's `target` is the first of them; `target_size` counts all."""
    target = targets[0]
    store = scope.store
    depth = max(1, min(depth, MAX_DEPTH))
    ids = [t.id for t in targets]
    methods = {t.id for t in targets if t.has(Label.METHOD)}
    read = store.around(
        ids,
        up=bool(methods),
        down=True,
        types=DEPENDENCY_TYPES,
        direction=Direction.IN,
        depth=depth,
    )
    tree = Containment.of(ids, read)
    seeds = list(dict.fromkeys(n for t in ids for n in tree.inside(t)))
    seed_set = set(seeds)
    links, nodes = read.links, dict(read.nodes)
    interfaces = _declaring_interfaces(methods, read)
    if interfaces:  # a path ends there; the walk goes on from the types implementing them
        more = store.around(interfaces, types=DEPENDENCY_TYPES, direction=Direction.IN, depth=depth)
        links, nodes = links + more.links, nodes | more.nodes
    into: dict[str, list[Edge]] = {}
    for edge in links:
        into.setdefault(edge.target, []).append(edge)
    distance: dict[str, int] = dict.fromkeys(seeds, 0)
    exact: dict[str, bool] = dict.fromkeys(seeds, True)
    via: dict[str, Edge] = {}
    for interface in interfaces:
        seed_set.add(interface)
        distance.setdefault(interface, 0)
        exact.setdefault(interface, True)

    frontier = seeds
    for level in range(1, depth + 1):
        if not frontier:
            break
        chosen: dict[str, Edge] = {}
        found = [edge for node in frontier for edge in into.get(node, ())]
        if level == 1:
            found += [
                e for i in interfaces for e in into.get(i, ()) if e.type == RelType.IMPLEMENTS
            ]
        for edge in sorted(found, key=_edge_order):
            dependent = edge.source
            if dependent in distance:
                continue
            path_exact = exact[edge.target] and not is_heuristic(edge)
            current = chosen.get(dependent)
            if current is None or (path_exact and not _path_exact(current, exact)):
                chosen[dependent] = edge
        for dependent, edge in chosen.items():
            distance[dependent] = level
            exact[dependent] = _path_exact(edge, exact)
            via[dependent] = edge
        frontier = sorted(chosen)

    impacted_ids = [n for n in distance if n not in seed_set]
    target_ref = EntityRef.from_node(target)

    impacted: list[ImpactedEntity] = []
    names = {
        node_id: str(node.get("qualified_name") or node.get("path") or node_id)
        for node_id, node in nodes.items()
    }
    for t in targets:
        ref = EntityRef.from_node(t)
        names[t.id] = ref.qualified_name or ref.path
    for node_id in impacted_ids:
        node = nodes.get(node_id)
        if node is None:
            continue
        steps, reaches = _path_to_target(node_id, via, seed_set)
        test = is_test_entity(node)
        impacted.append(
            ImpactedEntity(
                entity=EntityRef.from_node(node).model_copy(update={"is_test": test}),
                distance=distance[node_id],
                resolution="exact" if exact[node_id] else "heuristic",
                is_test=test,
                reaches=reaches,
                path=steps,
            )
        )
    # Production code first, tests after it (they are also summarised in `tests`).
    impacted.sort(
        key=lambda i: (
            i.is_test,
            i.distance,
            i.resolution != "exact",
            i.entity.path,
            i.entity.qualified_name,
        )
    )

    memories = _governing_memories(scope, impacted)
    tests = [i.entity for i in impacted if i.is_test]
    exact_count = sum(1 for i in impacted if i.resolution == "exact")
    return ImpactResult(
        target=target_ref,
        depth=depth,
        target_size=len(seeds),
        impacted=impacted,
        by_module=group_by_module(impacted),
        tests=tests,
        memories=memories,
        names=names,
        counts={
            "impacted": len(impacted),
            "exact": exact_count,
            "heuristic": len(impacted) - exact_count,
            "modules": len({i.entity.path for i in impacted}),
            "tests": len(tests),
            "memories": len(memories),
        },
    )


def _declaring_interfaces(method_ids: set[str], read: Around) -> list[str]:
    """The interfaces that declare any of `method_ids` (the types implementing them implement
    those methods too), from the CONTAINS walk up that `read` made."""
    parents = {e.source for e in read.above if e.target in method_ids}
    return sorted(p for p in parents if p in read.nodes and read.nodes[p].has(Label.INTERFACE))


def _edge_order(edge: Edge) -> tuple[bool, str, str, str]:
    return (is_heuristic(edge), edge.type.value, edge.source, edge.target)


def _path_exact(edge: Edge, exact: dict[str, bool]) -> bool:
    return exact[edge.target] and not is_heuristic(edge)


def _path_to_target(
    node_id: str, via: dict[str, Edge], seeds: set[str]
) -> tuple[list[PathStep], str]:
    steps: list[PathStep] = []
    current = node_id
    while current not in seeds:
        edge = via[current]
        resolution: Resolution | None = None
        if edge.type in (RelType.CALLS, RelType.IMPLEMENTS):
            resolution = "heuristic" if is_heuristic(edge) else "exact"
        steps.append(
            PathStep(
                type=edge.type.value, source=edge.source, target=edge.target, resolution=resolution
            )
        )
        current = edge.target
    return steps, current


class Dependency(Protocol):
    """What grouping by module needs of a dependent (impact's and review's alike)."""

    entity: EntityRef
    distance: int
    resolution: Resolution
    is_test: bool


def group_by_module(impacted: Sequence[Dependency]) -> list[ModuleGroup]:
    """Dependents by module with counts: nearest first, test modules last."""
    groups: dict[str, list[Dependency]] = {}
    for item in impacted:
        groups.setdefault(item.entity.path, []).append(item)
    out = [
        ModuleGroup(
            path=path,
            count=len(items),
            exact=sum(1 for i in items if i.resolution == "exact"),
            heuristic=sum(1 for i in items if i.resolution == "heuristic"),
            nearest=min(i.distance for i in items),
            entities=[i.entity.qualified_name for i in items],
        )
        for path, items in groups.items()
    ]
    tests = {i.entity.path for i in impacted if i.is_test}
    return sorted(out, key=lambda g: (g.path in tests, g.nearest, -g.count, g.path))


def _governing_memories(scope: ReadScope, impacted: Sequence[ImpactedEntity]) -> list[MemoryRef]:
    names = {i.entity.id: i.entity.qualified_name for i in impacted}
    if not names:
        return []
    out: list[MemoryRef] = []
    for gov in governing(scope, list(names), skip_repository=True, limit=MAX_MEMORIES):
        anchor_names = list(dict.fromkeys(app.entity for app in gov.applies))
        covered = sorted(names[e] for e in gov.covers)
        shown = ", ".join(covered[:3]) + (
            f" and {len(covered) - 3} more" if len(covered) > 3 else ""
        )
        out.append(
            MemoryRef.from_memory(
                gov.memory,
                governs=gov.anchors,
                why=[f"governs {', '.join(anchor_names)}, which covers impacted {shown}"],
                possibly_stale=gov.staleness.possibly_stale,
                orphaned=gov.staleness.orphaned,
            )
        )
    return out


def render_impact(result: ImpactResult, max_per_module: int = 8) -> str:
    """Readable text: counts, then dependents grouped by module, then tests and memories."""
    c = result.counts
    lines = [
        f"Impact of {result.target.kind} {result.target.qualified_name} ({result.target.path}), "
        f"depth {result.depth}: {c['impacted']} dependents in {c['modules']} modules "
        f"({c['exact']} exact, {c['heuristic']} heuristic), {c['tests']} tests, "
        f"{c['memories']} memories"
    ]
    if not result.impacted:
        lines.append("  nothing in the graph depends on it")
    by_path: dict[str, list[ImpactedEntity]] = {}
    for item in result.impacted:
        by_path.setdefault(item.entity.path, []).append(item)
    test_modules = {i.entity.path for i in result.impacted if i.is_test}
    for group in result.by_module:
        # Tests are summarised below, with the tests; what else a module holds is listed.
        items = [item for item in by_path[group.path] if not item.is_test]
        if not items:
            continue
        lines.append("")
        lines.append(
            f"{group.path}  ({group.count}: {group.exact} exact, {group.heuristic} heuristic)"
        )
        for item in items[:max_per_module]:
            mark = "" if item.resolution == "exact" else "  ~heuristic"
            hops = " ".join(
                f"-{step.type}-> {result.names.get(step.target, step.target)}" for step in item.path
            )
            lines.append(
                f"  d={item.distance} {item.entity.kind:<8} {item.entity.qualified_name}"
                f"  {hops}{mark}"
            )
        if len(items) > max_per_module:
            lines.append(f"  ... and {len(items) - max_per_module} more (--json for all)")
    if result.tests:
        lines.append("")
        lines.append(f"Tests reaching it ({len(result.tests)} in {len(test_modules)} modules):")
        lines.extend(f"  {t.qualified_name}  ({t.location})" for t in result.tests[:20])
        if len(result.tests) > 20:
            lines.append(f"  ... and {len(result.tests) - 20} more")
    if result.memories:
        lines.append("")
        lines.append("Memories governing impacted code:")
        lines.append(QUOTE_HEADER)
        for m in result.memories:
            lines.append(f"  [{m.id}] {m.kind}{m.flags}")
            lines.extend(f"      {why}" for why in m.why)
            lines.extend(f"    {line}" for line in m.quoted().splitlines())
    return "\n".join(one_line(line) for line in lines)  # a name cannot start a line
