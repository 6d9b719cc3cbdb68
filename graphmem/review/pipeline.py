"""review(): what a diff changes, what depends on it, which tests reach it, what it puts at stake.

A list of steps, each a function with typed input and output; the report is built from what
they return:

1. `resolve_range` / `changed_files` (diff.py): the two revisions and the changed lines;
2. `_classify`: source files, service manifests, skipped files (binary, vendored, over the cap);
3. `changed_entities` (changes.py): both sides parsed, definitions compared;
4. `_locate`: which changed entities the graph knows (on whichever side was ingested);
5. `_dependents`: the impact of the changed symbols taken together (one walk, batched by
   frontier), and the importers of each changed module (`_importers`);
6. `_at_stake`: `GraphMem.governing_many` of the changed code, the memories `impact` found on
   dependents, and the memories on what the changed code calls;
7. tests to run and counts, then one retrieval receipt (in `GraphMem.review`).

The graph is best ingested at the base (the usual state before a change is committed, and what
the GitHub Action does): deleted code and the memories anchored to it are then still known.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from graphmem.ingest.file_index import load_parses
from graphmem.ingest.language import RepoLayout
from graphmem.memory.results import Application, GoverningMemory
from graphmem.memory.targets import nearest_directory
from graphmem.model import Label, Memory, Node, RelType
from graphmem.queries.impact import group_by_module, impact_of, is_test_entity
from graphmem.queries.results import EntityRef, ImpactResult, PathStep
from graphmem.review.changes import Side, changed_entities, is_service_file, skip_reason
from graphmem.review.diff import DiffRange, FileChange, changed_files, files_at, read_sides
from graphmem.review.report import (
    ChangedEntity,
    Dependent,
    ReviewCounts,
    ReviewReport,
    ServiceChange,
    SkippedFile,
    StakeMemory,
    StakeReason,
    TestToRun,
)
from graphmem.store.base import Direction

if TYPE_CHECKING:
    from graphmem.api import GraphMem

#: Source files parsed at most; beyond it the summary says how many were left out.
MAX_FILES = 1000
#: Changed symbols the dependents walk starts from at most (one walk, so the cap is generous).
MAX_IMPACT_SEEDS = 5000
#: What the changed code calls, imports or inherits from: memories there apply to the change.
CALLEE_TYPES = (RelType.CALLS, RelType.IMPORTS, RelType.INHERITS)
#: Anchors whose content changes when code inside them changes (memories there go stale).
SPAN_KINDS = frozenset({"Module", "Class", "Function", "Method"})
_KIND_ORDER = {"constraint": 0, "failure": 1, "decision": 2, "fact": 3, "preference": 4}
_REASON_ORDER = {"changed": 0, "dependent": 1, "callee": 2}


@dataclass
class _Located:
    """Changed entities with the id the graph knows each one by, and the graph's nodes."""

    entities: list[ChangedEntity]
    graph_ids: dict[str, str] = field(default_factory=dict)  # change id -> graph id
    nodes: dict[str, Node] = field(default_factory=dict)


def review(gm: GraphMem, rng: DiffRange, depth: int) -> ReviewReport:
    """The review of `rng` against the graph of `gm` (no receipt; the API records it)."""
    root = gm.repo_root
    files = changed_files(root, rng)
    sources, services, others, skipped, notes = _classify(files)
    entities = _changed_entities(gm, rng, sources, skipped)
    located = _locate(gm, entities)
    impact = _dependents(gm, located, depth, notes)
    dependents = _merge_dependents(impact, _importers(gm, located), set(located.graph_ids.values()))
    at_stake = _at_stake(gm, located, impact, dependents, others)
    tests = _tests(located, dependents)
    names = _names(located, impact)
    changes = [
        e.model_copy(
            update={
                "in_graph": e.id in located.graph_ids,
                "dependents": sum(
                    1 for d in dependents if d.reaches == located.graph_ids.get(e.id)
                ),
            }
        )
        for e in located.entities
    ]
    report = ReviewReport(
        repo=gm.repo,
        base=rng.base,
        base_sha=rng.base_sha,
        head=rng.head_label,
        head_sha=rng.head_sha,
        mode=rng.mode.value,
        depth=depth,
        remote_url=remote_url(root),
        changes=changes,
        services=_services(gm, services),
        skipped=skipped,
        dependents=dependents,
        by_module=group_by_module(dependents),
        tests=tests,
        at_stake=at_stake,
        names=names,
        notes=notes,
    )
    report.counts = _counts(report, len(files))
    return report


# -- 2. which files are what ----------------------------------------------------------------


def _classify(
    files: Sequence[FileChange],
) -> tuple[list[FileChange], list[FileChange], list[FileChange], list[SkippedFile], list[str]]:
    """(source files, service manifests, other files of the project, skipped, notes)."""
    sources: list[FileChange] = []
    services: list[FileChange] = []
    others: list[FileChange] = []
    skipped: list[SkippedFile] = []
    notes: list[str] = []
    for change in files:
        if is_service_file(change.path):
            services.append(change)
            others.append(change)  # and, as any file that is not code, governed by its folder
            continue
        reason = "binary" if change.binary else skip_reason(change.path)
        if reason in ("not source", "binary"):
            others.append(change)  # docs, data, configuration: governed through their folder
        if reason == "not source":
            continue
        if reason is not None:
            skipped.append(SkippedFile(path=change.path, reason=reason))
        elif len(sources) >= MAX_FILES:
            skipped.append(SkippedFile(path=change.path, reason="limit"))
        else:
            sources.append(change)
    over = sum(1 for s in skipped if s.reason == "limit")
    if over:
        notes.append(
            f"{len(files)} files changed: the first {MAX_FILES} source files (by path) were "
            f"analysed, {over} were left out"
        )
    return sources, services, others, skipped, notes


# -- 3. changed entities --------------------------------------------------------------------


def _changed_entities(
    gm: GraphMem, rng: DiffRange, sources: Sequence[FileChange], skipped: list[SkippedFile]
) -> list[ChangedEntity]:
    if not sources:
        return []
    root = gm.repo_root
    old_paths = [c.old_path or c.path for c in sources if c.status != "added"]
    new_paths = [c.path for c in sources if c.status != "deleted"]
    old_data, new_data = read_sides(root, rng, old_paths, new_paths)
    cached = load_parses(gm.store, gm.repo, sorted({*old_paths, *new_paths}))
    old = Side(old_data.get, RepoLayout(root, files_at(root, rng, old=True)), cached)
    new = Side(new_data.get, RepoLayout(root, files_at(root, rng, old=False)), cached)
    out: list[ChangedEntity] = []
    for change in sources:
        entities, skip = changed_entities(gm.repo, change, old, new)
        out.extend(entities)
        if skip is not None:
            skipped.append(skip)
    return sorted(out, key=lambda e: (e.path, e.start_line, e.qualified_name))


# -- 4. what the graph knows ----------------------------------------------------------------


def _locate(gm: GraphMem, entities: list[ChangedEntity]) -> _Located:
    ids = sorted({i for e in entities for i in (e.id, e.old_id) if i})
    nodes = gm.store.get_nodes(ids) if ids else {}
    located = _Located(entities, nodes=nodes)
    for entity in entities:
        for candidate in (entity.id, entity.old_id):
            if candidate and candidate in nodes:
                located.graph_ids[entity.id] = candidate
                break
    return located


# -- 5. dependents --------------------------------------------------------------------------


def _dependents(
    gm: GraphMem, located: _Located, depth: int, notes: list[str]
) -> ImpactResult | None:
    """The impact of every changed symbol the graph knows, taken together: one walk, batched by
    frontier however many symbols changed (modules are reached by their importers)."""
    seeds = [e for e in located.entities if e.id in located.graph_ids and e.kind != "Module"]
    if len(seeds) > MAX_IMPACT_SEEDS:
        notes.append(
            f"dependents were walked from the first {MAX_IMPACT_SEEDS} of {len(seeds)} "
            "changed entities (by path)"
        )
        seeds = seeds[:MAX_IMPACT_SEEDS]
    nodes = [located.nodes[located.graph_ids[e.id]] for e in seeds]
    return impact_of(gm.read_scope(), nodes, depth) if nodes else None


def _importers(gm: GraphMem, located: _Located) -> list[Dependent]:
    """What imports a module whose own lines (imports, constants, top-level code) changed.
    Only the importers: walking everything the module contains would list every caller of
    its untouched functions."""
    modules = sorted(
        located.graph_ids[e.id]
        for e in located.entities
        if e.id in located.graph_ids and e.kind == "Module"
    )
    if not modules:
        return []
    edges = sorted(gm.store.edges(modules, [RelType.IMPORTS], Direction.IN), key=lambda e: e.key)
    nodes = gm.store.get_nodes(sorted({e.source for e in edges}))
    out: list[Dependent] = []
    for edge in edges:
        node = nodes.get(edge.source)
        if node is None:
            continue
        out.append(
            Dependent(
                entity=EntityRef.from_node(node),
                distance=1,
                resolution="exact",
                is_test=is_test_entity(node),
                reaches=edge.target,
                path=[PathStep(type=edge.type.value, source=edge.source, target=edge.target)],
            )
        )
    return out


def _merge_dependents(
    impact: ImpactResult | None, importers: Sequence[Dependent], changed: set[str]
) -> list[Dependent]:
    """Each dependent once, at its shortest distance over every changed entity, exact first."""
    best: dict[str, Dependent] = {}
    found = [
        Dependent(
            entity=item.entity,
            distance=item.distance,
            resolution=item.resolution,
            is_test=item.is_test,
            reaches=item.reaches,
            path=item.path,
        )
        for item in (impact.impacted if impact else [])
    ]
    for dependent in [*found, *importers]:
        if dependent.entity.id in changed:
            continue  # changed itself: listed as a change, not as a dependent
        current = best.get(dependent.entity.id)
        if current is None or _dependent_rank(dependent) < _dependent_rank(current):
            best[dependent.entity.id] = dependent
    return sorted(
        best.values(),
        key=lambda d: (d.distance, d.resolution != "exact", d.entity.path, d.entity.qualified_name),
    )


def _dependent_rank(d: Dependent) -> tuple[int, bool, str]:
    return (d.distance, d.resolution != "exact", d.reaches)


# -- 6. at stake ----------------------------------------------------------------------------


@dataclass
class _Stake:
    memory: Memory
    reasons: set[StakeReason] = field(default_factory=set)
    why: list[str] = field(default_factory=list)
    governs: set[str] = field(default_factory=set)
    effect: str | None = None
    possibly_stale: bool = False
    orphaned: bool = False

    def add(self, reason: StakeReason, why: str, anchor: str | None = None) -> None:
        self.reasons.add(reason)
        if why not in self.why:
            self.why.append(why)
        if anchor:
            self.governs.add(anchor)


def _at_stake(
    gm: GraphMem,
    located: _Located,
    impact: ImpactResult | None,
    dependents: Sequence[Dependent],
    others: Sequence[FileChange],
) -> list[StakeMemory]:
    stakes: dict[str, _Stake] = {}
    _on_changed_code(gm, located, stakes)
    _on_vanished_code(gm, located, stakes)
    _on_changed_files(gm, others, stakes)
    _on_dependents(gm, impact, dependents, stakes)
    _on_callees(gm, located, stakes)
    out = [_stake_memory(s) for s in stakes.values()]
    return sorted(
        out,
        key=lambda m: (
            _KIND_ORDER.get(m.kind, 9),
            min(_REASON_ORDER[r] for r in m.reasons),
            m.id,
        ),
    )


def _on_changed_code(gm: GraphMem, located: _Located, stakes: dict[str, _Stake]) -> None:
    """Memories governing changed code, an ancestor of it, or something inside it."""
    changed_by_graph_id = {
        located.graph_ids[e.id]: e for e in located.entities if e.id in located.graph_ids
    }
    if not changed_by_graph_id:
        return
    for served in gm.governing_many(sorted(changed_by_graph_id), down=True):
        apps = [a for a in served.applies if _applies_to_change(a, changed_by_graph_id)]
        if not apps:
            continue
        stake = _stake_of(stakes, served)
        for app in apps:
            entity = changed_by_graph_id[app.subject]
            what = f"{entity.status} {entity.kind} {entity.qualified_name}"
            if app.relation == "self":
                why = f"governs {app.entity}, which this change {entity.status}"
            elif app.relation == "ancestor":
                why = f"governs {app.entity}, which contains {what}"
            else:
                why = f"governs {app.entity}, inside {what}"
            stake.add("changed", why, app.entity_id)
            effect = _effect(entity, app.relation, app.entity_kind)
            if effect == "orphaned" or (effect and stake.effect is None):
                stake.effect = effect


def _on_vanished_code(gm: GraphMem, located: _Located, stakes: dict[str, _Stake]) -> None:
    """Memories of code this change deletes or renames that an ingest has already taken out of
    the graph (a hook or `graphmem watch` ingests as the agent edits): orphaned, and served
    on the module that held the code."""
    gone = {
        (e.old_id or e.id): e
        for e in located.entities
        if e.status in ("deleted", "renamed") and (e.old_id or e.id) not in located.nodes
    }
    paths = sorted({e.old_path or e.path for e in gone.values()})
    modules = [
        m.id
        for path in paths
        for m in gm.store.find_nodes(
            Label.MODULE, where={"repo": gm.repo, "path": path}, embeddings=False
        )
    ]
    if not modules:
        return
    for served in gm.governing_many(modules, down=True):
        for app in served.applies:
            vanished = gone.get(app.entity_id)
            if vanished is None or app.relation != "descendant":
                continue
            stake = _stake_of(stakes, served)
            stake.add("changed", f"governed {app.entity}, which this change {vanished.status}")
            stake.effect = "orphaned"


def _on_changed_files(
    gm: GraphMem, others: Sequence[FileChange], stakes: dict[str, _Stake]
) -> None:
    """Memories governing the folder of a changed file that is not code (a SQL migration, a CI
    workflow): "shipped migrations are never edited" is at stake when one is. What governs the
    whole repository is left out, as it is for code."""
    folders: dict[str, list[FileChange]] = {}
    for change in others:
        folder = nearest_directory(gm.store, gm.repo, str(PurePosixPath(change.path).parent))
        if not folder.has(Label.REPOSITORY):
            folders.setdefault(folder.id, []).append(change)
    if not folders:
        return
    for served in gm.governing_many(sorted(folders)):
        apps = [
            a for a in served.applies if a.entity_kind != "Repository" and a.relation != "nearby"
        ]
        if not apps:
            continue
        stake = _stake_of(stakes, served)
        for app in apps:
            for change in folders[app.subject]:
                why = f"governs {app.entity}, which holds {change.path} ({change.status})"
                stake.add("changed", why, app.entity_id)


def _stake_of(stakes: dict[str, _Stake], served: GoverningMemory) -> _Stake:
    """The stake of a served memory, made on first sight; its staleness folded in."""
    stake = stakes.get(served.memory.id)
    if stake is None:
        stake = stakes[served.memory.id] = _Stake(served.memory)
    stake.possibly_stale |= served.staleness.possibly_stale
    stake.orphaned |= served.staleness.orphaned
    return stake


def _applies_to_change(app: Application, changed: dict[str, ChangedEntity]) -> bool:
    """A memory inside changed code counts only when that code goes (deleted or moved): a
    modified module does not put the rules of its untouched functions at stake."""
    if app.entity_kind == "Repository" or app.relation == "nearby":
        return False
    return app.relation != "descendant" or changed[app.subject].status in ("deleted", "renamed")


def _effect(entity: ChangedEntity, relation: str, anchor_kind: str) -> str | None:
    """What merging does to a memory anchored this way on an entity with this change."""
    if relation == "descendant":
        return "orphaned" if entity.status == "deleted" else None
    if anchor_kind not in SPAN_KINDS:
        return None  # a directory or service keeps its identity when a file in it changes
    if relation == "self" and entity.status == "deleted":
        return "orphaned"
    if relation == "self" and entity.status == "renamed" and entity.body_changed:
        return "orphaned"  # renamed and rewritten: no ingest can tell it is the same code
    return "possibly stale"  # a rename alone: the next ingest moves the memory to the new name


def _on_dependents(
    gm: GraphMem,
    impact: ImpactResult | None,
    dependents: Sequence[Dependent],
    stakes: dict[str, _Stake],
) -> None:
    """The memories `impact` found governing code that depends on the change."""
    if impact is None:
        return
    ids = sorted({m.id for m in impact.memories} - set(stakes))
    nodes = gm.store.get_nodes(ids) if ids else {}
    reaches = {d.entity.id: d.reaches for d in dependents}
    for memory in impact.memories:
        if memory.id in stakes and "changed" in stakes[memory.id].reasons:
            continue
        stake = stakes.get(memory.id)
        if stake is None:
            node = nodes.get(memory.id)
            if node is None:
                continue
            stake = stakes[memory.id] = _Stake(Memory.from_node(node))
        stake.possibly_stale |= memory.possibly_stale
        stake.orphaned |= memory.orphaned
        changed = sorted(
            {impact.names.get(reaches[a], reaches[a]) for a in memory.governs if a in reaches}
        )
        tail = f"; they depend on changed {', '.join(changed)}" if changed else ""
        for why in memory.why:
            stake.add("dependent", f"{why}{tail}")
        stake.governs.update(memory.governs)


def _on_callees(gm: GraphMem, located: _Located, stakes: dict[str, _Stake]) -> None:
    """Memories on what changed code calls, imports or inherits: a constraint on a callee
    binds every caller, so changing a caller puts it at stake."""
    sources = sorted(
        located.graph_ids[e.id]
        for e in located.entities
        if e.id in located.graph_ids and e.status != "deleted" and e.kind != "Module"
    )
    if not sources:
        return
    changed = set(located.graph_ids.values())
    calls = [
        e for e in gm.store.edges(sources, CALLEE_TYPES, Direction.OUT) if e.target not in changed
    ]
    if not calls:
        return
    callers_of: dict[str, list[str]] = {}
    for edge in sorted(calls, key=lambda e: e.key):
        callers_of.setdefault(edge.target, []).append(edge.source)
    served = [
        gov
        for gov in gm.governing_many(sorted(callers_of))
        if any(a.entity_kind != "Repository" for a in gov.applies)
    ]
    cited = sorted(
        {a for g in served for a in g.anchors}
        | set(callers_of)
        | {c for cs in callers_of.values() for c in cs}
    )
    names = {i: _name(n) for i, n in gm.store.get_nodes(cited).items()}
    for gov in served:
        stake = stakes.get(gov.memory.id)
        if stake is not None and "changed" in stake.reasons:
            continue
        stake = _stake_of(stakes, gov)
        for callee, anchor in sorted(gov.covers.items()):
            caller = callers_of[callee][0]
            stake.add(
                "callee",
                f"governs {names.get(anchor, anchor)}; changed {names.get(caller, caller)} "
                f"uses {names.get(callee, callee)}",
                anchor,
            )


def _stake_memory(stake: _Stake) -> StakeMemory:
    memory = stake.memory
    return StakeMemory(
        id=memory.id,
        kind=memory.kind.value,
        text=memory.text,
        author=memory.author,
        source=memory.source,
        rationale=memory.rationale,
        symptom=memory.symptom,
        cause=memory.cause,
        fix=memory.fix,
        test=memory.test,
        reasons=sorted(stake.reasons, key=_REASON_ORDER.__getitem__),
        why=stake.why,
        governs=sorted(stake.governs),
        effect=stake.effect,  # type: ignore[arg-type]
        possibly_stale=stake.possibly_stale,
        orphaned=stake.orphaned,
    )


# -- 7. tests, names, counts ----------------------------------------------------------------


def _tests(located: _Located, dependents: Sequence[Dependent]) -> list[TestToRun]:
    out: list[TestToRun] = []
    for entity in located.entities:
        node = located.nodes.get(located.graph_ids.get(entity.id, ""))
        if entity.status != "deleted" and node is not None and is_test_entity(node):
            ref = EntityRef.from_node(node)
            out.append(
                TestToRun(entity=ref, distance=0, resolution="exact", reaches=node.id, changed=True)
            )
    seen = {t.entity.id for t in out}
    out.extend(
        TestToRun(entity=d.entity, distance=d.distance, resolution=d.resolution, reaches=d.reaches)
        for d in dependents
        if d.is_test and d.entity.id not in seen
    )
    return out


def _names(located: _Located, impact: ImpactResult | None) -> dict[str, str]:
    names: dict[str, str] = dict(impact.names) if impact else {}
    for entity in located.entities:
        names[entity.id] = entity.qualified_name
        if entity.old_id and entity.old_qualified_name:
            names[entity.old_id] = entity.old_qualified_name
    return dict(sorted(names.items()))


def _services(gm: GraphMem, changes: Sequence[FileChange]) -> list[ServiceChange]:
    out: list[ServiceChange] = []
    for change in changes:
        paths = [change.path] + ([change.old_path] if change.old_path else [])
        found = [
            EntityRef.from_node(node)
            for path in paths
            for node in gm.store.find_nodes(Label.SERVICE, {"repo": gm.repo, "path": path})
        ]
        out.append(ServiceChange(path=change.path, status=change.status, services=found))
    return out


def _counts(report: ReviewReport, files: int) -> ReviewCounts:
    by_status = {s: sum(1 for e in report.changes if e.status == s) for s in _STATUSES}
    exact = sum(1 for d in report.dependents if d.resolution == "exact")
    return ReviewCounts(
        files=files,
        entities=len(report.changes),
        added=by_status["added"],
        modified=by_status["modified"],
        deleted=by_status["deleted"],
        renamed=by_status["renamed"],
        services=len(report.services),
        skipped=len(report.skipped),
        dependents=len(report.dependents),
        exact=exact,
        heuristic=len(report.dependents) - exact,
        modules=len(report.by_module),
        tests=len(report.tests),
        memories=len(report.at_stake),
        constraints=sum(1 for m in report.at_stake if m.kind == "constraint"),
        failures=sum(1 for m in report.at_stake if m.kind == "failure"),
        stale=sum(1 for m in report.at_stake if m.effect is not None),
    )


_STATUSES = ("added", "modified", "deleted", "renamed")


def _name(node: Node) -> str:
    return str(node.get("qualified_name") or node.get("path") or node.id)


def remote_url(root: object) -> str | None:
    """The https URL of `origin` when it is a GitHub, GitLab or similar host, else None."""
    done = subprocess.run(
        ["git", "remote", "get-url", "origin"], cwd=str(root), capture_output=True, check=False
    )
    url = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not url:
        return None
    if url.startswith("git@") and ":" in url:
        host, path = url[4:].split(":", 1)
        url = f"https://{host}/{path}"
    elif url.startswith("ssh://git@"):
        url = "https://" + url[len("ssh://git@") :]
    if not url.startswith("https://"):
        return None
    url = url.removesuffix(".git").rstrip("/")
    if "@" in url.split("/")[2]:  # credentials in the URL: never echo them
        host = url.split("/")[2].rsplit("@", 1)[1]
        url = "https://" + host + "/" + "/".join(url.split("/")[3:])
    return url
