"""What `review` returns: one typed, deterministic value that JSON, text and Markdown all print.

Everything is cited: entities by id, path and lines; memories by id; dependents by one shortest
path of entity ids (`names` gives their qualified names).
"""

from __future__ import annotations

from typing import Literal

from graphmem.model.base import Record, field
from graphmem.queries.results import EntityRef, ImpactedEntity, ModuleGroup, Resolution

ChangeStatus = Literal["added", "modified", "deleted", "renamed"]

#: Why a memory is at stake: it governs changed code (or code containing it, or inside it), it
#: governs code that depends on the change, or code the change calls.
StakeReason = Literal["changed", "dependent", "callee"]

#: What merging does to a memory anchored on changed code.
StakeEffect = Literal["possibly stale", "orphaned"]

#: --fail-on gates and the exit code a triggered gate gives.
Gate = Literal["constraint", "failure", "stale"]
GATE_EXIT_CODE = 8


class ChangedEntity(Record):
    """A function, method, class or module the diff adds, modifies, deletes or renames."""

    id: str
    status: ChangeStatus
    kind: str
    qualified_name: str
    path: str
    start_line: int
    end_line: int
    language: str = ""
    #: for a module: whether its own lines (imports, top-level code) changed
    own_lines: bool = False
    old_id: str | None = None
    old_qualified_name: str | None = None
    old_path: str | None = None
    #: a renamed entity whose body changed too
    body_changed: bool = False
    #: whether the graph knows it (on whichever side was ingested)
    in_graph: bool = False
    #: how many dependents reach it (exact + heuristic)
    dependents: int = 0

    @property
    def location(self) -> str:
        return f"{self.path}:{self.start_line}"


class ServiceChange(Record):
    """A changed manifest or compose file, and the services the graph knows it declares."""

    path: str
    status: ChangeStatus
    services: list[EntityRef] = field(default_factory=list)


class SkippedFile(Record):
    path: str
    #: binary, vendored, generated, minified, too_large, not source, limit
    reason: str


#: Code that depends on the change, at its shortest distance over every changed entity: what
#: impact reports for one target (`reaches` names the changed entity it reaches).
Dependent = ImpactedEntity


class TestToRun(Record):
    """A test function (or test module/class) reaching changed code, nearest first."""

    entity: EntityRef
    distance: int
    resolution: Resolution
    reaches: str
    #: the test itself is part of the change
    changed: bool = False


class StakeMemory(Record):
    """An active memory the change puts at stake, with every reason it applies."""

    id: str
    kind: str
    text: str
    author: str | None = None
    source: str | None = None
    rationale: str | None = None
    #: failure details
    symptom: str | None = None
    cause: str | None = None
    fix: str | None = None
    test: str | None = None
    reasons: list[StakeReason] = field(default_factory=list)
    why: list[str] = field(default_factory=list)
    #: the entities it is anchored to (GOVERNS targets) that made it relevant
    governs: list[str] = field(default_factory=list)
    #: what merging does to it: its anchored code is modified (possibly stale) or deleted
    effect: StakeEffect | None = None
    #: already flagged before this change
    possibly_stale: bool = False
    orphaned: bool = False


class ReviewCounts(Record):
    files: int = 0
    entities: int = 0
    added: int = 0
    modified: int = 0
    deleted: int = 0
    renamed: int = 0
    services: int = 0
    skipped: int = 0
    dependents: int = 0
    exact: int = 0
    heuristic: int = 0
    modules: int = 0
    tests: int = 0
    memories: int = 0
    constraints: int = 0
    failures: int = 0
    stale: int = 0


class ReviewReport(Record):
    repo: str
    base: str
    base_sha: str
    head: str
    head_sha: str | None = None
    mode: str
    depth: int
    #: https URL of the repository, when the remote is a known host (links in Markdown)
    remote_url: str | None = None
    changes: list[ChangedEntity]
    services: list[ServiceChange] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    dependents: list[Dependent] = field(default_factory=list)
    by_module: list[ModuleGroup] = field(default_factory=list)
    tests: list[TestToRun] = field(default_factory=list)
    at_stake: list[StakeMemory] = field(default_factory=list)
    #: qualified names of every entity id cited (paths, reaches, anchors)
    names: dict[str, str] = field(default_factory=dict)
    counts: ReviewCounts = field(default_factory=ReviewCounts)
    notes: list[str] = field(default_factory=list)
    receipt_id: str | None = None

    def gates(self, fail_on: list[Gate]) -> list[str]:
        """One line per --fail-on gate this report triggers (empty: the gate passes)."""
        out: list[str] = []
        if "constraint" in fail_on and self.counts.constraints:
            out.append(f"{self.counts.constraints} constraint(s) govern the changed code")
        if "failure" in fail_on and self.counts.failures:
            out.append(f"{self.counts.failures} recorded failure(s) on the changed code")
        if "stale" in fail_on and self.counts.stale:
            out.append(f"{self.counts.stale} memory(ies) become stale or orphaned on merge")
        return out
